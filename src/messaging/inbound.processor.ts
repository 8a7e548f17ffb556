import { Processor } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { LoggedWorkerHost } from '../queue/logged-worker-host.js';
import type { JobPayload } from '../queue/queues.js';
import { ConversationTurnService } from './conversation-turn.service.js';
import { InboundSweeper } from './inbound-sweeper.js';

/** How long a message whose contact is mid-turn waits before looking again (its text may join the next turn). */
const BUSY_CONTACT_RETRY_MS = 200;

/**
 * Runs conversation turns and the sweep. A job is one stored message; the turn
 * it starts answers every message its contact has waiting, so the jobs of
 * messages answered meanwhile end at once.
 */
// Short locks: a turn taken by a process that died is offered again within seconds (a live worker renews them).
// A turn is safe to run again (it ends in one transaction), so a job whose processes were killed under it
// several times is still run, not failed (BullMQ's default gives up at the second stall).
@Processor('inbound', { lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 10 })
export class InboundProcessor extends LoggedWorkerHost implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly turns: ConversationTurnService,
    private readonly sweeper: InboundSweeper,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // The decorator's options are fixed at compile time; concurrency comes from the configuration.
    this.worker.concurrency = this.config.inbound.concurrency;
  }

  async process(job: Job, token?: string): Promise<unknown> {
    if (job.name === 'sweep') return this.sweeper.sweep();
    const { organizationId, remotePhone } = job.data as JobPayload<'inbound', 'turn'>;
    try {
      const outcome = await this.turns.run(organizationId, remotePhone);
      if (outcome !== 'contact-busy') return outcome;
    } catch (error) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (lastAttempt) await this.turns.giveUp(organizationId, remotePhone, (error as Error).message);
      throw error;
    }
    // Not a failure: the contact's running turn may take this message, or the next one will.
    await job.moveToDelayed(Date.now() + BUSY_CONTACT_RETRY_MS, token);
    throw new DelayedError();
  }
}
