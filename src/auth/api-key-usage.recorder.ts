import { Injectable, Logger } from '@nestjs/common';
import { QueueService } from '../queue/queue.service.js';

const MINUTE_MS = 60_000;

/**
 * Records that a key was used without a database write per request: one job
 * per key per minute (the jobId deduplicates the rest), stamped by a worker.
 */
@Injectable()
export class ApiKeyUsageRecorder {
  private readonly logger = new Logger('ApiKeyUsage');
  /** The minute each key was last recorded in, so a busy key costs one Redis call a minute, not one a request. */
  private readonly recordedMinute = new Map<string, number>();

  constructor(private readonly queues: QueueService) {}

  record(apiKeyId: string, now = new Date()): void {
    const minute = Math.floor(now.getTime() / MINUTE_MS);
    if (this.recordedMinute.get(apiKeyId) === minute) return;
    this.recordedMinute.set(apiKeyId, minute);
    this.queues
      .enqueue('maintenance', 'api-key-used', { apiKeyId, usedAt: now.toISOString() }, {
        jobId: `api-key-used-${apiKeyId}-${minute}`, // BullMQ reserves ':' in job ids
        attempts: 1,
      })
      .catch((error: Error) => this.logger.warn({ apiKeyId, err: error.message }, 'api key usage not recorded'));
  }
}
