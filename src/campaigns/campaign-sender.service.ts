import { Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { Clock } from '../common/clock.js';
import { QueueService } from '../queue/queue.service.js';
import { INSTANCE_DELETED } from '../whatsapp/instances.repository.js';
import { outboundJobOptions } from '../whatsapp/outbound/outbound.service.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { CampaignsService } from './campaigns.service.js';

/**
 * Messages of one campaign handed to the outbound queue at a time. The outbound
 * pacer spaces an instance's sends; keeping the campaign's share of its queue to
 * one message lets customers' replies through between campaign messages, and
 * lets a cancel stop the campaign after at most this many more.
 */
const MAX_IN_FLIGHT = 1;
/** How often the sender looks whether its message went out. */
const POLL_MS = 100;
/** After a cancel, how long the sender still follows the message in flight so its count is right. */
const CANCEL_SETTLE_MS = 60_000;

export type SendOutcome = 'sent' | 'cancelled' | 'failed' | 'instance-unavailable' | 'not-sending';

/**
 * Sends an approved campaign: recipient after recipient, each either skipped
 * (opted out, outside WhatsApp's 24-hour window unless the shop allows it) or
 * given its message through the outbound queue, until none is left, the
 * campaign is cancelled, or its number is not connected (it waits) or deleted
 * (it fails: no number will ever send it). Safe to run twice at
 * once or again after a crash: every step is a transaction that moves one
 * recipient out of `pending` (see CampaignsRepository.claimNext).
 */
@Injectable()
export class CampaignSender {
  private readonly logger = new Logger('CampaignSender');

  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly service: CampaignsService,
    private readonly queues: QueueService,
    private readonly clock: Clock,
  ) {}

  async run(organizationId: string, campaignId: string): Promise<SendOutcome> {
    const started = await this.campaigns.moveStatus(organizationId, campaignId, ['approved'], 'sending', this.clock.now());
    if (started !== null) {
      this.logger.log({ organizationId, campaignId, audienceSize: started.audienceSize }, 'campaign sending');
      this.service.announce(started);
    }
    let cancelSeenAt: number | null = null;
    for (;;) {
      const progress = await this.campaigns.settle(organizationId, campaignId);
      if (progress === null) return 'not-sending';
      if (progress.changed) await this.announce(organizationId, campaignId);
      if (progress.status !== 'sending') {
        if (progress.status !== 'cancelled') return progress.status === 'sent' ? 'sent' : 'not-sending';
        cancelSeenAt ??= Date.now();
        if (progress.inFlight === 0 || Date.now() - cancelSeenAt > CANCEL_SETTLE_MS) return 'cancelled';
        await sleep(POLL_MS);
        continue;
      }
      if (progress.inFlight >= MAX_IN_FLIGHT || (progress.pending === 0 && progress.inFlight > 0)) {
        await sleep(POLL_MS);
        continue;
      }
      if (progress.pending === 0) {
        const finished = await this.campaigns.finish(organizationId, campaignId, this.clock.now());
        if (finished !== null) {
          this.logger.log(
            { organizationId, campaignId, sent: finished.sentCount, failed: finished.failedCount, skipped: finished.skippedOptedOut + finished.skippedOutsideWindow },
            'campaign sent',
          );
          this.service.announce(finished);
          return 'sent';
        }
        await sleep(POLL_MS);
        continue;
      }
      // Deleting the number sets the campaign's instance_id to null: nothing is left to wait for.
      const instance = progress.instanceId === null ? null : await this.campaigns.instance(organizationId, progress.instanceId);
      if (instance === null) return this.failWithoutNumber(organizationId, campaignId);
      if (instance.status !== 'connected') {
        this.logger.warn({ organizationId, campaignId, instanceId: progress.instanceId, status: instance.status }, 'campaign waits for its number');
        return 'instance-unavailable';
      }
      const claim = await this.campaigns.claimNext(organizationId, campaignId, this.clock.now());
      if (claim.kind === 'queued') {
        // Stored already: if Redis does not take the job now, the inbound sweeper sends the message later.
        await this.queues.tryEnqueue('outbound', 'send', { messageId: claim.messageId, organizationId }, outboundJobOptions(claim.messageId));
      } else if (claim.kind === 'none') {
        // Another sender holds the last pending recipients: wait for it to finish them.
        await sleep(POLL_MS);
      }
    }
  }

  /**
   * The campaign's number was deleted: its recipients not reached are failed
   * with that reason and the campaign ends `failed` (waiting would leave it
   * `sending` forever). A message in flight was failed by the delete itself.
   */
  private async failWithoutNumber(organizationId: string, campaignId: string): Promise<SendOutcome> {
    const failed = await this.campaigns.fail(organizationId, campaignId, INSTANCE_DELETED, this.clock.now());
    if (failed === null) return 'not-sending';
    await this.campaigns.settle(organizationId, campaignId);
    this.logger.warn({ organizationId, campaignId }, 'campaign failed: its number was deleted');
    await this.announce(organizationId, campaignId);
    return 'failed';
  }

  private async announce(organizationId: string, campaignId: string): Promise<void> {
    const campaign = await this.campaigns.findById(organizationId, campaignId);
    if (campaign !== null) this.service.announce(campaign);
  }
}
