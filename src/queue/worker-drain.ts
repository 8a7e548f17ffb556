import { WorkerHost } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import type { Worker } from 'bullmq';
import { resolvesWithin } from '../common/resolves-within.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/** Share of SHUTDOWN_TIMEOUT_MS the workers may take; the rest closes sockets, leases and connections. */
const DRAIN_SHARE = 0.6;

/**
 * First step of a stop (SIGTERM): the workers take no new job and finish the
 * ones they run, within a bound. Turns drain first, sends last, so replies a
 * finishing turn queued can still leave on the sockets, which close after this
 * (ConnectionManager, without logging out). A job still running at the bound
 * is left to BullMQ: its lock lapses and another process runs it again, which
 * turns and sends allow (a turn ends in one transaction, a send has a stable id).
 */
@Injectable()
export class WorkerDrain implements OnModuleDestroy {
  private readonly logger = new Logger('WorkerDrain');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly discovery: DiscoveryService,
  ) {}

  async onModuleDestroy(): Promise<void> {
    const workers = this.discovery
      .getProviders()
      .map((wrapper) => wrapper.instance as unknown)
      .filter((instance): instance is WorkerHost => instance instanceof WorkerHost)
      .map((host) => host.worker);
    const rank = (worker: Worker) => (worker.name === 'inbound' ? 0 : worker.name === 'outbound' ? 2 : 1);
    const ordered = [...workers].sort((left, right) => rank(left) - rank(right));
    const deadline = Date.now() + Math.floor(this.config.shutdownTimeoutMs * DRAIN_SHARE);
    const started = Date.now();
    for (const stage of [0, 1, 2]) {
      const closing = ordered.filter((worker) => rank(worker) === stage);
      if (closing.length === 0) continue;
      // Later stages keep taking jobs until their turn, so replies queued by draining turns are sent.
      const drained = await closeWithin(closing, deadline - Date.now());
      if (!drained) {
        this.logger.warn({ queues: closing.map((worker) => worker.name) }, 'workers still busy at the shutdown bound: their jobs will run elsewhere');
        await Promise.all(ordered.filter((worker) => rank(worker) >= stage).map((worker) => worker.close(true).catch(() => undefined)));
        return;
      }
    }
    this.logger.log({ workers: ordered.length, ms: Date.now() - started }, 'workers drained');
  }
}

/** Closes the workers (waiting for their running jobs); false when `ms` passed first. */
async function closeWithin(workers: Worker[], ms: number): Promise<boolean> {
  if (ms <= 0) return false;
  return resolvesWithin(Promise.all(workers.map((worker) => worker.close())), ms);
}
