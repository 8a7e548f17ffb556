import { Processor } from '@nestjs/bullmq';
import { DelayedError, type Job } from 'bullmq';
import { LoggedWorkerHost } from '../queue/logged-worker-host.js';
import type { JobPayload } from '../queue/queues.js';
import { CampaignSender } from './campaign-sender.service.js';
import { CampaignSweeper } from './campaign-sweeper.js';

/** How soon a campaign whose number is not connected looks again. */
const INSTANCE_RETRY_MS = 30_000;

/**
 * Runs campaigns' sending jobs. A job lives as long as its campaign sends; if
 * its process dies, BullMQ hands it to another worker once its lock lapses, and
 * the sender resumes where the recipients say it was; if Redis lost it, the
 * sweep job (CampaignSweeper) queues it again.
 */
@Processor('campaign', { concurrency: 5, lockDuration: 30_000, stalledInterval: 15_000, maxStalledCount: 100 })
export class CampaignProcessor extends LoggedWorkerHost {
  constructor(
    private readonly sender: CampaignSender,
    private readonly sweeper: CampaignSweeper,
  ) {
    super();
  }

  async process(job: Job, token?: string): Promise<unknown> {
    if (job.name === 'sweep') return this.sweeper.sweep();
    const { campaignId, organizationId } = job.data as JobPayload<'campaign', 'send'>;
    const outcome = await this.sender.run(organizationId, campaignId);
    if (outcome === 'instance-unavailable') {
      // Not a failure: the campaign waits for its number, without spending an attempt.
      await job.moveToDelayed(Date.now() + INSTANCE_RETRY_MS, token);
      throw new DelayedError();
    }
  }
}
