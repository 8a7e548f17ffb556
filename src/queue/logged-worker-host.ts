import { OnWorkerEvent, WorkerHost } from '@nestjs/bullmq';
import { Logger } from '@nestjs/common';
import type { Job } from 'bullmq';

/**
 * Base of every processor: worker connection errors and failed jobs go to the
 * structured log (BullMQ would otherwise print them with console.error).
 */
export abstract class LoggedWorkerHost extends WorkerHost {
  protected readonly logger = new Logger(this.constructor.name);

  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn({ err: error.message }, 'worker connection error');
  }

  @OnWorkerEvent('failed')
  onJobFailed(job: Job | undefined, error: Error): void {
    this.logger.warn({ jobId: job?.id, job: job?.name, attempt: job?.attemptsMade, err: error.message }, 'job failed');
  }
}
