import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MESSAGE_DIRECTIONS, type MessageDirection } from '../database/schema.js';
import { QueueService } from '../queue/queue.service.js';
import { outboundJobOptions } from '../whatsapp/outbound/outbound.service.js';
import { ConversationEvents } from './conversation-events.js';
import { ConversationsRepository } from './conversations.repository.js';
import { InboundRepository } from './inbound.repository.js';
import { inboundJobOptions } from './inbound-jobs.js';

/** Messages of each direction one sweep looks at. */
export const SWEEP_BATCH = 1000;

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
 *
 * Most unfinished messages are not stranded: a campaign's thousands of sends
 * wait their turn at the pacer with live jobs. So each direction is swept on
 * its own (a backlog of sends never delays a customer's message), and a sweep
 * that read a full batch leaves its place for the next, which reads on from
 * there; one that reached the end sends the next back to the oldest. Every
 * unfinished message is thus looked at within a cycle of sweeps, however many
 * live ones are older. The place is this process's alone: a process that
 * restarts, or runs only some of the sweeps, merely starts over or reads on
 * from its own place.
 */
@Injectable()
export class InboundSweeper implements OnApplicationBootstrap {
  private readonly logger = new Logger('InboundSweeper');
  /** Per direction, the last message the previous sweep read when its batch was full (null: start from the oldest). */
  private readonly resumeAfter: Record<MessageDirection, string | null> = { inbound: null, outbound: null };

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly inbound: InboundRepository,
    private readonly conversations: ConversationsRepository,
    private readonly conversationEvents: ConversationEvents,
    private readonly queues: QueueService,
    private readonly clock: Clock,
  ) {}

  onApplicationBootstrap(): void {
    this.queues.enqueueEverySlot('inbound', 'sweep', this.config.inbound.sweepIntervalMs);
  }

  async sweep(): Promise<{ requeued: number; handoffsExpired: number }> {
    // The app's clock, as the turns that judge the same handoff timeout read it.
    const now = this.clock.now().getTime();
    const olderThan = new Date(now - this.config.inbound.sweepAfterMs);
    let stranded = 0;
    let requeued = 0;
    for (const direction of MESSAGE_DIRECTIONS) {
      const batch = await this.inbound.stranded(direction, olderThan, this.resumeAfter[direction], SWEEP_BATCH);
      this.resumeAfter[direction] = batch.length === SWEEP_BATCH ? batch[batch.length - 1].id : null;
      stranded += batch.length;
      for (const message of batch) {
        const payload = { messageId: message.id, organizationId: message.organizationId };
        const queued =
          direction === 'inbound'
            ? await this.queues.tryRequeue('inbound', 'turn', { ...payload, remotePhone: message.remotePhone }, inboundJobOptions(message.id))
            : await this.queues.tryRequeue('outbound', 'send', payload, outboundJobOptions(message.id));
        if (queued) requeued += 1;
      }
    }
    const expired = await this.conversations.expireHandoffs(new Date(now - this.config.inbound.handoffTimeoutMs), new Date(now));
    this.conversationEvents.changed(expired, 'timeout', new Date(now));
    const handoffsExpired = expired.length;
    if (stranded > 0 || handoffsExpired > 0) {
      this.logger.log({ stranded, requeued, handoffsExpired }, 'inbound sweep');
    }
    return { requeued, handoffsExpired };
  }
}
