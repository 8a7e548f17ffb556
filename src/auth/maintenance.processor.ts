import { Processor } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { LoggedWorkerHost } from '../queue/logged-worker-host.js';
import type { JobPayload } from '../queue/queues.js';
import { ApiKeysRepository } from './api-keys.repository.js';

@Processor('maintenance')
export class MaintenanceProcessor extends LoggedWorkerHost {
  constructor(private readonly apiKeys: ApiKeysRepository) {
    super();
  }

  async process(job: Job): Promise<void> {
    switch (job.name) {
      case 'api-key-used': {
        const { apiKeyId, usedAt } = job.data as JobPayload<'maintenance', 'api-key-used'>;
        await this.apiKeys.markUsed(apiKeyId, new Date(usedAt));
        return;
      }
      default:
        throw new Error(`maintenance: unknown job ${job.name}`);
    }
  }
}
