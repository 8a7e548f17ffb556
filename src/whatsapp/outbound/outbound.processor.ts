import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MEDIA_STORE, type MediaStore } from '../../media/media-store.js';
import { LoggedWorkerHost } from '../../queue/logged-worker-host.js';
import { QueueService } from '../../queue/queue.service.js';
import type { JobPayload } from '../../queue/queues.js';
import { ConnectionManager, InstanceNotLiveError } from '../connection/connection-manager.js';
import { INSTANCE_DELETED, InstancesRepository } from '../instances.repository.js';
import { type MessageRow, MessagesRepository, TAKEN_OVER_BEFORE_SENT } from '../messages.repository.js';
import type { OutboundContent } from '../transport/whatsapp-transport.js';
import { WhatsappEvents } from '../whatsapp-events.js';
import { BEHIND_EARLIER_SEND_MS } from './outbound.service.js';
import { SendPacer } from './send-pacer.js';

/**
 * WhatsApp's id for one of our outgoing rows, stable across retries: "3EB0"
 * (the prefix WhatsApp Web's ids carry) and the row's UUID in hex.
 */
export function whatsAppMessageIdFor(messageId: string): string {
  return `3EB0${messageId.replace(/-/g, '').toUpperCase()}`;
}

/** How soon a send picked up by a process without the instance's socket is offered again. */
const NOT_HERE_RETRY_MS = 100;
/** Statuses of an instance whose socket is expected back on its own: a restart restores it, the manager reconnects it. */
const COMING_BACK: readonly string[] = ['connected', 'connecting', 'reconnecting'];

/**
 * How soon a send whose socket is away looks again: soon after a quick drop,
 * less often the longer the outage, so a backlog behind it does not poll the database.
 */
export function socketWaitDelayMs(waitedMs: number): number {
  return Math.min(15_000, Math.max(200, Math.floor(waitedMs / 4)));
}

/**
 * Locks short enough that a send taken by a process that died is offered again
 * within seconds, not BullMQ's default minute; a live worker renews its locks.
 * A send is safe to run again (its WhatsApp id is stable, see below), so a job
 * stalled by several crashes is still run rather than failed.
 */
@Processor('outbound', { concurrency: 20, lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 10 })
export class OutboundProcessor extends LoggedWorkerHost {
  private readonly pacer: SendPacer;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly messages: MessagesRepository,
    private readonly connections: ConnectionManager,
    private readonly events: WhatsappEvents,
    private readonly instances: InstancesRepository,
    @Inject(MEDIA_STORE) private readonly media: MediaStore,
    private readonly queues: QueueService,
  ) {
    super();
    this.pacer = new SendPacer(config.whatsapp.outboundMinGapMs, config.whatsapp.outboundJitterMs);
  }

  async process(job: Job, token?: string): Promise<void> {
    const { messageId, organizationId } = job.data as JobPayload<'outbound', 'send'>;
    const message = await this.messages.findForSend(organizationId, messageId);
    // Sent already (a retried job after a crash between send and ack) or gone: nothing to do.
    if (message === null || message.status !== 'queued') return;
    // The assistant's reply, stored before a person took the conversation over: the person answers now. Ended
    // failed with the reason (a conversation's messages show it), never retried; the next send to the person goes.
    if (message.takenByPerson) return this.wake(await this.messages.markFailed(organizationId, messageId, TAKEN_OVER_BEFORE_SENT));
    const { instanceId } = message;
    // Its instance was deleted after it was queued (the delete fails what is queued; this one raced it): no number sends it.
    if (instanceId === null) return this.wake(await this.messages.markFailed(organizationId, messageId, INSTANCE_DELETED));
    if (message.waitsForEarlier) {
      // An earlier message to the same person goes first (its job may be retrying after a crash): wait for it to
      // wake this one, without spending an attempt and without polling.
      await this.queues.sleepUntilWoken(job, token, BEHIND_EARLIER_SEND_MS);
      throw new DelayedError();
    }
    if (!this.connections.holds(instanceId) && (await this.instances.heldByAnother(instanceId, this.connections.owner))) {
      // Every worker takes jobs from the one queue, but only the process holding the socket can send:
      // hand the job back for it, without spending an attempt.
      await job.moveToDelayed(Date.now() + NOT_HERE_RETRY_MS, token);
      throw new DelayedError();
    }
    const waMessageId = whatsAppMessageIdFor(message.id);
    this.messages.sending(waMessageId);
    try {
      await this.pacer.wait(instanceId);
      // A process killed between this send and markSent leaves the row queued, and the job is run again:
      // the id WhatsApp gets is derived from our row, so the second send is the same message to WhatsApp
      // (which dedupes by the sender's id) and the customer sees it once. A claim before the send could
      // not do that: after a crash it cannot tell "sent" from "not sent", and would lose or repeat.
      const sent = await this.connections.send(instanceId, message.remotePhone.replace(/^\+/, ''), await this.contentOf(message), {
        messageId: waMessageId,
      });
      const next = await this.messages.markSent(organizationId, messageId, sent.messageId, instanceId);
      this.events.emit('message:sent', { organizationId, instanceId, messageId, status: 'sent', at: new Date().toISOString() });
      await this.wake(next);
    } catch (error) {
      // The socket went away (a reconnect, a restart after a crash): that is the instance's state, not this
      // message's failure. Its retries are kept for real send errors, or a few restarts in a row would use them up.
      if (error instanceof InstanceNotLiveError && (await this.socketComingBack(instanceId, message.createdAt))) {
        await job.moveToDelayed(Date.now() + socketWaitDelayMs(Date.now() - message.createdAt.getTime()), token);
        throw new DelayedError();
      }
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (lastAttempt) await this.wake(await this.messages.markFailed(organizationId, messageId, (error as Error).message));
      throw error;
    } finally {
      this.messages.notSending(waMessageId);
    }
  }

  /** The next message to the same person may go now; a failure here is logged, never the send's (it has left). */
  private async wake(next: string | null): Promise<void> {
    if (next === null) return;
    await this.queues.wake('outbound', next).catch((error: Error) => {
      this.logger.warn({ messageId: next, err: error.message }, 'next send to the same person not woken: it goes within 30 s');
    });
  }

  /** Whether the instance is expected to connect again, and the message has not waited for it past the limit. */
  private async socketComingBack(instanceId: string, queuedAt: Date): Promise<boolean> {
    if (Date.now() - queuedAt.getTime() > this.config.whatsapp.outboundReconnectWaitMs) return false;
    const instance = await this.instances.findAny(instanceId);
    return instance !== null && COMING_BACK.includes(instance.status);
  }

  private async contentOf(message: MessageRow): Promise<OutboundContent> {
    if (message.type === 'text') return { kind: 'text', text: message.body ?? '' };
    const data = await this.media.get(message.mediaRef ?? '');
    const mimetype = message.mediaMimetype ?? 'application/octet-stream';
    if (message.type === 'image') return { kind: 'image', data, mimetype, caption: message.body ?? undefined };
    return { kind: 'audio', data, mimetype, ptt: message.body === 'ptt' };
  }
}
