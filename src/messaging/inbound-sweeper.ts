import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { QueueService } from '../queue/queue.service.js';
import { outboundJobOptions } from '../whatsapp/outbound/outbound.service.js';
import { ConversationsRepository } from './conversations.repository.js';
import { InboundRepository } from './inbound.repository.js';
import { inboundJobOptions } from './inbound-jobs.js';

const SWEEP_BATCH = 1000;

/**
 * The safety net under the queues: every INBOUND_SWEEP_INTERVAL_MS one sweep
 * job is enqueued (keyed by its time slot, so replicas add it once), and the
 * sweep re-enqueues messages whose job was lost: customer messages not answered
 * and replies not sent, older than INBOUND_SWEEP_AFTER_MS. Jobs are keyed by the
 * message id, so a message whose job still exists is not queued twice; a job
 * that failed for good is replaced, or its message would never be answered.
 * (A message answered after its turn's retries ran out was answered by giveUp:
 * it is no longer waiting, so the sweep does not see it.) It also
 * returns conversations left with a person past HANDOFF_TIMEOUT_HOURS to the bot.
 */
@Injectable()
export class InboundSweeper implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('InboundSweeper');
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly inbound: InboundRepository,
    private readonly conversations: ConversationsRepository,
    private readonly queues: QueueService,
  ) {}

  onApplicationBootstrap(): void {
    const interval = this.config.inbound.sweepIntervalMs;
    this.timer = setInterval(() => void this.queues.tryEnqueueForSlot('inbound', 'sweep', interval, new Date()), interval);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async sweep(): Promise<{ requeued: number; handoffsExpired: number }> {
    const now = Date.now();
    const stranded = await this.inbound.stranded(new Date(now - this.config.inbound.sweepAfterMs), SWEEP_BATCH);
    let requeued = 0;
    for (const message of stranded) {
      const payload = { messageId: message.id, organizationId: message.organizationId };
      const queued =
        message.direction === 'inbound'
          ? await this.queues.tryRequeue('inbound', 'turn', { ...payload, remotePhone: message.remotePhone }, inboundJobOptions(message.id))
          : await this.queues.tryRequeue('outbound', 'send', payload, outboundJobOptions(message.id));
      if (queued) requeued += 1;
    }
    const handoffsExpired = await this.conversations.expireHandoffs(new Date(now - this.config.inbound.handoffTimeoutMs));
    if (stranded.length > 0 || handoffsExpired > 0) {
      this.logger.log({ stranded: stranded.length, requeued, handoffsExpired }, 'inbound sweep');
    }
    return { requeued, handoffsExpired };
  }
}
