import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QueueService } from '../queue/queue.service.js';

/**
 * Only enqueues: every AUTOMATION_TICK_INTERVAL_MS each worker process adds
 * the tick of the current slot, and the slot is the jobId, so one tick runs per
 * slot whatever the number of processes. The tick's processor does the rest.
 */
@Injectable()
export class ProactiveScheduler implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly queues: QueueService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.queues.enqueueEverySlot('automation', 'tick', this.config.automation.tickIntervalMs);
  }

  /** Adds the tick of the slot the clock is in; false when Redis did not take it (the next slot will). */
  async enqueueTick(): Promise<boolean> {
    return this.queues.tryEnqueueForSlot('automation', 'tick', this.config.automation.tickIntervalMs, this.clock.now());
  }
}
