import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MEDIA_STORE, type MediaStore } from '../media/media-store.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QueueService } from '../queue/queue.service.js';
import { ConnectionManager } from '../whatsapp/connection/connection-manager.js';
import type { InboundWhatsAppMessage } from '../whatsapp/transport/whatsapp-transport.js';
import { InboundRepository } from './inbound.repository.js';
import { inboundJobOptions } from './inbound-jobs.js';
import { type NormalizedInbound, normalizeInbound } from './inbound-normalizer.js';

type Source = { organizationId: string; instanceId: string };

/**
 * Where WhatsApp's messages enter: each is normalised and stored before
 * anything else (the unique (instance, WhatsApp id) makes a redelivery stop
 * here), then its media is fetched and its turn job enqueued. The stores of one
 * sender run one after another, so their arrival order is the order of the
 * rows; different senders are stored in parallel, so a burst does not queue up
 * in memory where a crash would lose it. The enqueue never holds a store back
 * when Redis is slow or down: the sweeper finds what it could not queue.
 */
@Injectable()
export class InboundIntakeService implements OnModuleInit {
  private readonly logger = new Logger('InboundIntake');
  /** The last store of each sender (by instance and chat) still running. */
  private readonly tails = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly connections: ConnectionManager,
    private readonly inbound: InboundRepository,
    private readonly queues: QueueService,
    @Inject(MEDIA_STORE) private readonly media: MediaStore,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.connections.onInbound((source, messages) => this.accept(source, messages));
  }

  /** Resolves when every message is stored (not answered); a store failure rejects, the caller logs it. */
  async accept(source: Source, messages: InboundWhatsAppMessage[]): Promise<void> {
    const stores: Promise<unknown>[] = [];
    for (const raw of messages) {
      const result = normalizeInbound(raw, { ignoreGroups: this.config.inbound.ignoreGroups });
      if (result.kind === 'skip') {
        if (result.reason === 'unresolved-sender') {
          this.logger.warn({ instanceId: source.instanceId, waMessageId: raw.key.id }, 'inbound sender has no phone number: skipped');
        }
        continue;
      }
      stores.push(this.afterPrevious(`${source.instanceId}:${result.message.phone}`, () => this.store(source, raw, result.message)));
    }
    await Promise.all(stores);
  }

  private afterPrevious<T>(sender: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(sender) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(work);
    this.tails.set(sender, current);
    void current
      .catch(() => undefined)
      .then(() => {
        if (this.tails.get(sender) === current) this.tails.delete(sender);
      });
    return current;
  }

  private async store(source: Source, raw: InboundWhatsAppMessage, message: NormalizedInbound): Promise<void> {
    const id = await this.inbound.insert({
      organizationId: source.organizationId,
      instanceId: source.instanceId,
      waMessageId: message.waMessageId,
      remotePhone: message.phone,
      type: message.type,
      body: message.text,
      mediaMimetype: message.media?.mimetype ?? null,
      pushName: message.pushName,
      ...(message.group ? { status: 'processed' as const, error: 'group chat: stored, not answered' } : {}),
    });
    if (id !== null) this.metrics.recordMessageIn(source);
    if (id === null || message.group) return;
    void this.afterStore(source, id, raw, message);
  }

  /** Media first (the agent may look at it), then the job; failures leave the row for the sweeper. */
  private async afterStore(source: Source, messageId: string, raw: InboundWhatsAppMessage, message: NormalizedInbound): Promise<void> {
    if (message.media !== null) await this.storeMedia(source, messageId, raw);
    await this.queues.tryEnqueue(
      'inbound',
      'turn',
      { messageId, organizationId: source.organizationId, remotePhone: message.phone },
      inboundJobOptions(messageId),
    );
  }

  private async storeMedia(source: Source, messageId: string, raw: InboundWhatsAppMessage): Promise<void> {
    try {
      const data = await this.connections.downloadMedia(source.instanceId, raw);
      if (data.length > this.config.whatsapp.mediaMaxBytes) {
        await this.inbound.setMedia(source.organizationId, messageId, null, `media of ${data.length} bytes is over MEDIA_MAX_BYTES`);
        return;
      }
      await this.inbound.setMedia(source.organizationId, messageId, await this.media.put(source.organizationId, data), null);
    } catch (error) {
      this.logger.warn({ instanceId: source.instanceId, messageId, err: (error as Error).message }, 'inbound media download failed');
      await this.inbound.setMedia(source.organizationId, messageId, null, `media download failed: ${(error as Error).message}`).catch(() => undefined);
    }
  }
}
