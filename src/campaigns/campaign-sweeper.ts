import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QueueService } from '../queue/queue.service.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { campaignJobOptions } from './campaigns.service.js';

/**
 * The safety net under campaigns' sending jobs, as the inbound sweeper is under
 * messages': Redis here keeps nothing on disk, so a restart loses every job, and
 * a campaign whose job is gone would stay `sending` with nobody getting the
 * rest. Every INBOUND_SWEEP_INTERVAL_MS one sweep job is enqueued (keyed by its
 * time slot, so replicas add it once); the sweep re-queues the sending of every
 * approved or sending campaign that has no job. The job is keyed by the
 * campaign, so a live one is left alone, and the sender resumes from the
 * recipients (a recipient leaves `pending` only with its message): nobody gets
 * a campaign twice.
 */
@Injectable()
export class CampaignSweeper implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly campaigns: CampaignsRepository,
    private readonly queues: QueueService,
  ) {}

  onApplicationBootstrap(): void {
    this.queues.enqueueEverySlot('campaign', 'sweep', this.config.inbound.sweepIntervalMs);
  }

  /** How many campaigns should have a job, and how many have one now (a failed re-queue is logged by QueueService). */
  async sweep(): Promise<{ unfinished: number; queued: number }> {
    const unfinished = await this.campaigns.unfinished();
    let queued = 0;
    for (const campaign of unfinished) {
      const payload = { campaignId: campaign.id, organizationId: campaign.organizationId };
      // tryRequeue adds nothing while the campaign's job exists (waiting, active, or delayed waiting for its number).
      if (await this.queues.tryRequeue('campaign', 'send', payload, campaignJobOptions(campaign.id))) queued += 1;
    }
    return { unfinished: unfinished.length, queued };
  }
}
