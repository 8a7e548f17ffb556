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

  constructor(private readonly queues: QueueService) {}

  record(apiKeyId: string, now = new Date()): void {
    const minute = Math.floor(now.getTime() / MINUTE_MS);
    this.queues
      .enqueue('maintenance', 'api-key-used', { apiKeyId, usedAt: now.toISOString() }, {
        jobId: `api-key-used-${apiKeyId}-${minute}`, // BullMQ reserves ':' in job ids
        attempts: 1,
      })
      .catch((error: Error) => this.logger.warn({ apiKeyId, err: error.message }, 'api key usage not recorded'));
  }
}
