import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { ResourceNotFoundException } from '../../common/domain.exception.js';
import type { Db } from '../../database/database.js';
import type { MessageType } from '../../database/schema.js';
import { MEDIA_STORE, type MediaStore } from '../../media/media-store.js';
import { QueueService } from '../../queue/queue.service.js';
import { InstancesRepository } from '../instances.repository.js';
import { MessagesRepository } from '../messages.repository.js';
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
 * Told about every message staff sent through the API (the conversation moves
 * to `human`), inside the transaction that stores it: both commit or neither.
 */
export type StaffSendListener = (tx: Db, send: { organizationId: string; instanceId: string; to: string }) => Promise<void>;

const DEFAULT_MIMETYPE = { image: 'image/jpeg', audio: 'audio/ogg; codecs=opus' } as const;
const FETCH_TIMEOUT_MS = 15_000;

/**
 * Accepts a send: stores the message row (status queued) and puts one job on the
 * outbound queue, keyed by the message id so it is sent once. The socket work
 * happens in the outbound processor, paced per instance.
 */
@Injectable()
export class OutboundService {
  private readonly logger = new Logger('Outbound');
  private readonly staffSendListeners: StaffSendListener[] = [];

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
    const remotePhone = `+${to.replace(/^\+/, '')}`;
    const { status, message: row } = await this.messages.insertIfConnected(
      {
        organizationId,
        instanceId,
        remotePhone,
        direction: 'outbound',
        origin: 'api',
        type: message.kind satisfies MessageType,
        body: message.kind === 'text' ? message.text : message.kind === 'image' ? (message.caption ?? null) : message.ptt ? 'ptt' : null,
        mediaRef: stored?.ref ?? null,
        mediaMimetype: stored?.mimetype ?? null,
        status: 'queued',
      },
      async (tx) => {
        for (const listener of this.staffSendListeners) await listener(tx, { organizationId, instanceId, to: remotePhone });
      },
    );
    if (status === null) throw new ResourceNotFoundException('WhatsApp instance', instanceId);
    if (row === null) throw new InstanceNotConnectedException(instanceId, status);
    try {
      await this.queues.enqueue('outbound', 'send', { messageId: row.id, organizationId }, outboundJobOptions(row.id));
    } catch (error) {
      await this.messages.markFailed(organizationId, row.id, 'queue unavailable: not sent');
      this.logger.error({ messageId: row.id, err: (error as Error).message }, 'outbound enqueue failed');
      throw error;
    }
    return row;
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
