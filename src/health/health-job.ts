import { Processor } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { Cron } from '@nestjs/schedule';
import type { Job } from 'bullmq';
import { Clock } from '../common/clock.js';
import { LoggedWorkerHost } from '../queue/logged-worker-host.js';
import { QueueService } from '../queue/queue.service.js';
import { WhatsappHealthCheckService } from './whatsapp-health-check.service.js';

export const HEALTH_JOB_PERIOD_MS = 5 * 60_000;

/**
 * Only enqueues: every replica ticks, the slot is the jobId, so one job runs per
 * slot whatever the number of processes. Also enqueues at start, so a fresh
 * deployment has a result before the first tick.
 */
@Injectable()
export class HealthJobScheduler implements OnApplicationBootstrap {
  constructor(
    private readonly queues: QueueService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    void this.enqueue();
  }

  @Cron('*/5 * * * *')
  async enqueue(): Promise<void> {
    await this.queues.tryEnqueueForSlot('health', 'health-check', HEALTH_JOB_PERIOD_MS, this.clock.now());
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
