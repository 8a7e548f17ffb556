import { Processor } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import type { Job } from 'bullmq';
import { Clock } from '../common/clock.js';
import { LoggedWorkerHost } from '../queue/logged-worker-host.js';
import { QueueService } from '../queue/queue.service.js';
import { WhatsappHealthCheckService } from './whatsapp-health-check.service.js';

export const HEALTH_JOB_PERIOD_MS = 5 * 60_000;

/** The 5-minute slot an instant falls in, as the health job's identity. */
export function healthSlot(now: Date): string {
  return new Date(Math.floor(now.getTime() / HEALTH_JOB_PERIOD_MS) * HEALTH_JOB_PERIOD_MS).toISOString();
}

/**
 * Only enqueues: every replica ticks, the slot is the jobId, so one job runs per
 * slot whatever the number of processes. Also enqueues at start, so a fresh
 * deployment has a result before the first tick.
 */
@Injectable()
export class HealthJobScheduler implements OnApplicationBootstrap {
  private readonly logger = new Logger('HealthJob');

  constructor(
    private readonly queues: QueueService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    void this.enqueue();
  }

  @Cron('*/5 * * * *')
  async enqueue(): Promise<void> {
    const slot = healthSlot(this.clock.now());
    // BullMQ reserves ':' in job ids, hence the slot's epoch milliseconds.
    await this.queues
      .enqueue('health', 'health-check', { slot }, { jobId: `health-check-${Date.parse(slot)}`, attempts: 1 })
      .catch((error: Error) => this.logger.warn({ slot, err: error.message }, 'health job not enqueued'));
  }
}

@Processor('health')
export class HealthJobProcessor extends LoggedWorkerHost {
  constructor(private readonly healthCheck: WhatsappHealthCheckService) {
    super();
  }

  async process(_job: Job): Promise<unknown> {
    return this.healthCheck.run();
  }
}
