import { WorkerHost } from '@nestjs/bullmq';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Job } from 'bullmq';
import { QueueService } from '../queue/queue.service.js';
import { MetricsService } from './metrics.service.js';

/**
 * Queue metrics: depth of every registered queue read at scrape time (the same
 * counts as /health/queues), and the duration of each job this process's workers
 * finish, from the workers' completed and failed events. Processors need no change:
 * every one is a WorkerHost, found through Nest's discovery.
 */
@Injectable()
export class QueueMetrics implements OnApplicationBootstrap {
  constructor(
    private readonly metrics: MetricsService,
    private readonly queues: QueueService,
    private readonly discovery: DiscoveryService,
  ) {
    metrics.onScrape('queues', () => this.readDepths());
  }

  onApplicationBootstrap(): void {
    // Workers exist once @nestjs/bullmq's onModuleInit ran; APP_ROLE=api has none.
    for (const wrapper of this.discovery.getProviders()) {
      if (!(wrapper.instance instanceof WorkerHost)) continue;
      const worker = wrapper.instance.worker;
      worker.on('completed', (job: Job) => this.recordJob(worker.name, job, 'completed'));
      worker.on('failed', (job: Job | undefined) => {
        if (job !== undefined) this.recordJob(worker.name, job, 'failed');
      });
    }
  }

  private recordJob(queue: string, job: Job, outcome: 'completed' | 'failed'): void {
    if (job.processedOn === undefined) return;
    const finishedOn = job.finishedOn ?? Date.now();
    this.metrics.recordJob({ queue, job: job.name, outcome, durationMs: Math.max(0, finishedOn - job.processedOn) });
  }

  private async readDepths(): Promise<void> {
    const counts = await this.queues.counts();
    for (const [queue, states] of Object.entries(counts)) {
      for (const [state, jobs] of Object.entries(states)) this.metrics.setQueueJobs(queue, state, jobs);
    }
  }
}
