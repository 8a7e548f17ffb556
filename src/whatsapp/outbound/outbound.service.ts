import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { ResourceNotFoundException } from '../../common/domain.exception.js';
import { GroupCommit } from '../../common/group-commit.js';
import { isDatabaseUnavailable } from '../../database/postgres-errors.js';
import type { Db } from '../../database/database.js';
import type { MessageType } from '../../database/schema.js';
import { MEDIA_STORE, type MediaStore } from '../../media/media-store.js';
import { QueueService } from '../../queue/queue.service.js';
import { InstancesRepository } from '../instances.repository.js';
import { MessagesRepository, type OutboundDraft, type OutboundStored } from '../messages.repository.js';
import { InstanceNotConnectedException, InvalidMediaException, MediaTooLargeException } from '../whatsapp.exceptions.js';
import { fetchMediaUrl } from './media-url-fetcher.js';

export interface MediaInput {
  url?: string;
  base64?: string;
  mimetype?: string;
}

export type OutgoingMessage =
  | { kind: 'text'; text: string }
  | ({ kind: 'image'; caption?: string } & MediaInput)
  | ({ kind: 'audio'; ptt?: boolean } & MediaInput);

/**
 * Every send job: keyed by its message id (queued once however often it is
 * enqueued while it exists), retried with backoff, removed once sent: a sent
 * message is never queued again (the sweeper only looks at unsent ones).
 */
export function outboundJobOptions(messageId: string) {
  return { jobId: messageId, attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true };
}

/**
 * How long a send behind an earlier one to the same person sleeps: the earlier
 * send wakes it as it leaves (or fails), so this only bounds the wait when that
 * wake-up is lost (the process killed between the two).
 */
export const BEHIND_EARLIER_SEND_MS = 30_000;

/**
 * Told about the messages staff sent through the API (their conversations move
 * to `human`), inside the transaction that stores them: both commit or neither.
 * What it returns runs once that transaction committed (to announce the change).
 */
export type StaffSendListener = (
  tx: Db,
  sends: { organizationId: string; instanceId: string; to: string }[],
) => Promise<(() => void) | undefined>;

/**
 * A send on its way into the database and onto the queue. The run that stores
 * it fills `outcome`, and `queued` once stored: settled when its batch has
 * been offered to the queue (never rejected: a send Redis did not take is the
 * sweeper's).
 */
interface PendingSend {
  organizationId: string;
  draft: OutboundDraft;
  outcome?: OutboundStored;
  queued?: Promise<void>;
}

/** Store runs under way at once, each one organization's transaction; more callers wait and share the next. */
const STORE_RUNS_IN_FLIGHT = 4;

const DEFAULT_MIMETYPE = { image: 'image/jpeg', audio: 'audio/ogg; codecs=opus' } as const;
const FETCH_TIMEOUT_MS = 15_000;

/**
 * Accepts a send: stores the message row (status queued) and puts one job on the
 * outbound queue, keyed by the message id so it is sent once. The socket work
 * happens in the outbound processor, paced per instance.
 *
 * Sends that arrive together share the work (group commit): one transaction
 * per organization stores them all, and one Redis round trip queues them, so
 * a busy endpoint does not pay a commit and a queue write per request. Each
 * caller still gets its own answer; a shared run that fails is retried one send
 * at a time, so only the faulty one fails.
 */
@Injectable()
export class OutboundService {
  private readonly logger = new Logger('Outbound');
  private readonly staffSendListeners: StaffSendListener[] = [];
  private readonly storing = new GroupCommit<PendingSend>((sends) => this.store(sends), {
    maxInFlight: STORE_RUNS_IN_FLIGHT,
    // One run per organization at a time: the sends that came meanwhile go together in the next.
    keyOf: (send) => send.organizationId,
    batchKeyOf: (send) => send.organizationId,
    // A database that cannot be reached fails the batch once, not once per send after a wait each.
    splitOnFailure: (error) => !isDatabaseUnavailable(error),
  });

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly instances: InstancesRepository,
    private readonly messages: MessagesRepository,
    private readonly queues: QueueService,
    @Inject(MEDIA_STORE) private readonly media: MediaStore,
  ) {}

  onStaffSend(listener: StaffSendListener): void {
    this.staffSendListeners.push(listener);
  }

  async accept(organizationId: string, instanceId: string, to: string, message: OutgoingMessage): Promise<{ id: string; status: string }> {
    // Media is stored only for an instance that can send it; text goes straight to the one transaction below.
    if (message.kind !== 'text') await this.requireConnected(organizationId, instanceId);
    const stored = message.kind === 'text' ? null : await this.storeMedia(organizationId, message);
    const send: PendingSend = {
      organizationId,
      draft: {
        id: randomUUID(),
        instanceId,
        remotePhone: `+${to.replace(/^\+/, '')}`,
        origin: 'api',
        type: message.kind satisfies MessageType,
        body: message.kind === 'text' ? message.text : message.kind === 'image' ? (message.caption ?? null) : message.ptt ? 'ptt' : null,
        mediaRef: stored?.ref ?? null,
        mediaMimetype: stored?.mimetype ?? null,
      },
    };
    await this.storing.submit(send);
    const outcome = send.outcome!;
    if (!outcome.stored) {
      if (outcome.instanceStatus === null) throw new ResourceNotFoundException('WhatsApp instance', instanceId);
      throw new InstanceNotConnectedException(instanceId, outcome.instanceStatus);
    }
    await send.queued;
    return { id: send.draft.id, status: 'queued' };
  }

  /**
   * One organization's sends, in one transaction with what the listeners change
   * (a failure fails the run, which GroupCommit retries one send at a time).
   * The stored ones are then queued outside the run, so a slow or absent Redis
   * does not hold the organization's next sends back from being stored.
   */
  private async store(sends: PendingSend[]): Promise<void> {
    const organizationId = sends[0].organizationId;
    const afterCommit: (() => void)[] = [];
    const outcomes = await this.messages.insertOutbound(
      organizationId,
      sends.map((send) => send.draft),
      async (tx, stored) => {
        // Filled afresh on each try: a retried transaction must not announce the first try's changes.
        afterCommit.length = 0;
        const staffSends = stored.map((draft) => ({ organizationId, instanceId: draft.instanceId, to: draft.remotePhone }));
        for (const listener of this.staffSendListeners) {
          const committed = await listener(tx, staffSends);
          if (committed !== undefined) afterCommit.push(committed);
        }
      },
    );
    for (const announce of afterCommit) announce();
    for (const send of sends) send.outcome = outcomes.get(send.draft.id);
    const stored = sends.filter((send) => send.outcome?.stored === true);
    if (stored.length === 0) return;
    const queued = this.queue(organizationId, stored);
    for (const send of stored) send.queued = queued;
  }

  /**
   * Stored sends onto the queue, in one Redis round trip. One behind an earlier
   * send to the same person goes on asleep, for that send to wake as it leaves;
   * whether it still waits is read after its commit, since the earlier one may
   * have left in between. Once stored a send is accepted: if Redis does not take
   * it within 2 s, its row stays queued and the sweeper queues it
   * (INBOUND_SWEEP_AFTER_MS), as it does a turn's replies.
   */
  private async queue(organizationId: string, sends: PendingSend[]): Promise<void> {
    const behind = sends.filter((send) => send.outcome?.stored === true && send.outcome.waitsForEarlier).map((send) => send.draft.id);
    const stillBehind =
      behind.length === 0
        ? new Set<string>()
        : await this.messages.stillWaitingForEarlier(organizationId, behind).catch((error: Error) => {
            // Queued awake instead: the worker checks again before sending, as for any send.
            this.logger.warn({ err: error.message }, 'outbound wait check failed');
            return new Set<string>();
          });
    const queued = await this.queues.tryEnqueueBulk(
      'outbound',
      'send',
      sends.map(({ draft: { id } }) => ({
        payload: { messageId: id, organizationId },
        options: outboundJobOptions(id),
        asleepForMs: stillBehind.has(id) ? BEHIND_EARLIER_SEND_MS : undefined,
      })),
    );
    if (!queued) this.logger.warn({ messageIds: sends.map((send) => send.draft.id) }, 'sends stored but not queued: the sweeper queues them');
  }

  private async requireConnected(organizationId: string, instanceId: string): Promise<void> {
    const instance = await this.instances.find(organizationId, instanceId);
    if (instance === null) throw new ResourceNotFoundException('WhatsApp instance', instanceId);
    if (instance.status !== 'connected') throw new InstanceNotConnectedException(instanceId, instance.status);
  }

  private async storeMedia(organizationId: string, input: MediaInput & { kind: 'image' | 'audio' }) {
    if ((input.url === undefined) === (input.base64 === undefined)) {
      throw new InvalidMediaException('Send the media either as url or as base64 (exactly one of them)');
    }
    const limit = this.config.whatsapp.mediaMaxBytes;
    let data: Buffer;
    let mimetype = input.mimetype;
    if (input.base64 !== undefined) {
      // base64 is 4/3 of the bytes: refuse before decoding something huge.
      if (input.base64.length * 0.75 > limit) throw new MediaTooLargeException(Math.floor(input.base64.length * 0.75), limit);
      data = Buffer.from(input.base64, 'base64');
    } else {
      const fetched = await fetchMediaUrl(input.url!, {
        limitBytes: limit,
        timeoutMs: FETCH_TIMEOUT_MS,
        allowPrivateAddresses: this.config.whatsapp.mediaUrlAllowPrivate,
      });
      data = fetched.data;
      mimetype ??= fetched.mimetype ?? undefined;
    }
    if (data.length === 0) throw new InvalidMediaException('The media is empty');
    if (data.length > limit) throw new MediaTooLargeException(data.length, limit);
    return { ref: await this.media.put(organizationId, data), mimetype: mimetype ?? DEFAULT_MIMETYPE[input.kind] };
  }

}
