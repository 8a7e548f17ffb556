import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { join } from 'node:path';
import { GroupCommit } from '../common/group-commit.js';
import { KeyedQueue } from '../common/keyed-queue.js';
import { APP_CONFIG, type AppConfig, fallbackDirectory, holdsSockets } from '../config/app-config.js';
import { isDatabaseUnavailable } from '../database/postgres-errors.js';
import { MEDIA_STORE, type MediaStore } from '../media/media-store.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QueueService } from '../queue/queue.service.js';
import type { JobPayload } from '../queue/queues.js';
import { ConnectionManager } from '../whatsapp/connection/connection-manager.js';
import { BufferJSON } from '../whatsapp/transport/baileys-auth.js';
import { type InboundWhatsAppMessage, MediaTooLargeError } from '../whatsapp/transport/whatsapp-transport.js';
import { InboundRepository, type NewInboundMessage } from './inbound.repository.js';
import { InboundSpool } from './inbound-spool.js';
import { inboundJobOptions } from './inbound-jobs.js';
import { type NormalizedInbound, normalizeInbound } from './inbound-normalizer.js';

type Source = { organizationId: string; instanceId: string };

/** A message held while PostgreSQL was away: stored through the same path once it is back. */
interface SpooledMessage {
  source: Source;
  raw: InboundWhatsAppMessage;
}

/** A normalised message on its way into `messages`. */
interface PendingInsert {
  source: Source;
  raw: InboundWhatsAppMessage;
  message: NormalizedInbound;
}

/**
 * Its row. A group chat's message is stored already answered (not answered at
 * all) and under the group's JID, the sender named in the note: a person's
 * conversation and the agent's history are read by their phone, and what they
 * said in a group is not part of them.
 */
function rowOf({ source, message }: PendingInsert): NewInboundMessage {
  return {
    organizationId: source.organizationId,
    instanceId: source.instanceId,
    waMessageId: message.waMessageId,
    remotePhone: message.group ? message.chatJid : message.phone,
    type: message.type,
    body: message.text,
    mediaMimetype: message.media?.mimetype ?? null,
    pushName: message.pushName,
    ...(message.group ? { status: 'processed' as const, error: `group chat: stored, not answered (sent by ${message.phone})` } : {}),
  };
}

/** Inserts under way at once; messages that come meanwhile wait and go together in the next. */
const INSERT_RUNS_IN_FLIGHT = 2;

/** How often a spool with messages tries the database again. */
const SPOOL_RETRY_MS = 1_000;

/**
 * Where WhatsApp's messages enter: each is normalised and stored before
 * anything else (the unique (instance, WhatsApp id) makes a redelivery stop
 * here), then its media is fetched and its turn job enqueued. The stores of one
 * sender run one after another, so their arrival order is the order of the
 * rows; different senders are stored in parallel, so a burst does not queue up
 * in memory where a crash would lose it. The enqueue never holds a store back
 * when Redis is slow or down: the sweeper finds what it could not queue.
 *
 * When PostgreSQL is down the message is held in a local spool
 * (DATA_DIR/inbound-spool, each append fdatasynced, so it survives a crash)
 * and stored from there, in arrival order, once the database answers again;
 * while the spool holds anything, new messages queue behind it. Its size is
 * bounded (INBOUND_SPOOL_MAX_BYTES): past it `accept` rejects and the message
 * is not acknowledged, so WhatsApp keeps it for a redelivery.
 */
@Injectable()
export class InboundIntakeService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('InboundIntake');
  /** The stores of each sender (by instance and chat), one after another. */
  private readonly senders = new KeyedQueue();
  /**
   * Stores that come while every run is busy (a burst, many senders at once)
   * share the next one: one statement and one Redis round trip for all of them.
   * A lone message still goes at once.
   */
  private readonly inserts = new GroupCommit<PendingInsert>((batch) => this.insertBatch(batch), {
    maxInFlight: INSERT_RUNS_IN_FLIGHT,
    keyOf: (pending) => `${pending.source.instanceId}:${pending.message.phone}`,
    // A database that cannot be reached fails the batch once (each message then goes to the spool).
    splitOnFailure: (error) => !isDatabaseUnavailable(error),
  });
  private openedSpool: InboundSpool<SpooledMessage> | undefined;
  private spoolTimer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly connections: ConnectionManager,
    private readonly inbound: InboundRepository,
    private readonly queues: QueueService,
    @Inject(MEDIA_STORE) private readonly media: MediaStore,
    private readonly metrics: MetricsService,
  ) {
  }

  /**
   * Opened on first use: at start by the processes that hold sockets (every
   * role but `api`), to store what a previous run spooled. An `api` process
   * receives no messages and must not drain a spool that a worker sharing
   * DATA_DIR is appending to.
   */
  private get spool(): InboundSpool<SpooledMessage> {
    this.openedSpool ??= this.openSpool();
    return this.openedSpool;
  }

  /** In DATA_DIR; like the session store, in the OS temp dir (with a warning) when DATA_DIR is not writable. */
  private openSpool(): InboundSpool<SpooledMessage> {
    const preferred = join(this.config.dataDir, 'inbound-spool');
    try {
      return new InboundSpool(preferred, this.config.inbound.spoolMaxBytes, BufferJSON);
    } catch (error) {
      const fallback = fallbackDirectory('inbound-spool');
      this.logger.warn({ preferred, fallback, err: (error as Error).message }, 'inbound spool folder not writable: using the temp dir, which a restart may not keep');
      return new InboundSpool(fallback, this.config.inbound.spoolMaxBytes, BufferJSON);
    }
  }

  onModuleInit(): void {
    if (!holdsSockets(this.config)) return;
    this.connections.onInbound((source, messages) => this.accept(source, messages));
    // Messages a previous run held and did not store before it stopped.
    if (this.spool.hasPending()) {
      this.logger.warn({ bytes: this.spool.size() }, 'inbound spool has messages from a previous run: storing them');
      this.scheduleDrain(0);
    }
  }

  onApplicationShutdown(): void {
    clearTimeout(this.spoolTimer);
    this.openedSpool?.close();
  }

  /** Whether messages wait in the spool for the database (for health and tests). */
  spooled(): { pending: boolean; bytes: number } {
    return { pending: this.openedSpool?.hasPending() ?? false, bytes: this.openedSpool?.size() ?? 0 };
  }

  /**
   * Resolves when every message is stored or spooled (not answered): the moment
   * a transport may acknowledge them. Rejects when one could be neither (the
   * spool full, a refused row); the caller logs it and does not acknowledge.
   */
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
      stores.push(this.senders.run(`${source.instanceId}:${result.message.phone}`, () => this.store(source, raw, result.message)));
    }
    await Promise.all(stores);
  }

  private async store(source: Source, raw: InboundWhatsAppMessage, message: NormalizedInbound): Promise<void> {
    // Behind what the spool holds, so a sender's messages are stored in the order they arrived.
    if (this.spool.hasPending()) return this.hold(source, raw);
    try {
      await this.storeNow(source, raw, message);
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      // Once per outage: what follows queues behind the spool without trying the database.
      if (!this.spool.hasPending()) {
        this.logger.warn({ instanceId: source.instanceId, err: (error as Error).message }, 'database unavailable: inbound messages go to the spool');
      }
      this.hold(source, raw);
    }
  }

  /** Into the spool (throws when it is full), and a drain scheduled. */
  private hold(source: Source, raw: InboundWhatsAppMessage): void {
    this.spool.append({ source, raw });
    this.scheduleDrain(SPOOL_RETRY_MS);
  }

  private scheduleDrain(delayMs: number): void {
    if (this.spoolTimer !== undefined || this.draining !== null) return;
    this.spoolTimer = setTimeout(() => {
      this.spoolTimer = undefined;
      this.draining = this.drainSpool()
        .catch((error: Error) => this.logger.error({ err: error.message }, 'inbound spool drain failed'))
        .finally(() => {
          this.draining = null;
          if (this.spool.hasPending()) this.scheduleDrain(SPOOL_RETRY_MS);
        });
    }, delayMs);
    this.spoolTimer.unref();
  }

  /** Stores the held messages oldest first; stops at the first that the database still cannot take. */
  private async drainSpool(): Promise<void> {
    const before = this.spool.size();
    const emptied = await this.spool.drain(async ({ source, raw }) => {
      const result = normalizeInbound(raw, { ignoreGroups: this.config.inbound.ignoreGroups });
      if (result.kind === 'skip') return;
      try {
        await this.storeNow(source, raw, result.message);
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw error;
        // Refused for itself (not for the database being away): logged and passed, so it cannot block the rest.
        this.logger.error({ instanceId: source.instanceId, waMessageId: raw.key.id, err: (error as Error).message }, 'spooled inbound message refused');
      }
    });
    if (emptied) this.logger.log({ bytes: before }, 'inbound spool stored');
  }

  private async storeNow(source: Source, raw: InboundWhatsAppMessage, message: NormalizedInbound): Promise<void> {
    await this.inserts.submit({ source, raw, message });
  }

  /**
   * The messages stored together, then their turn jobs: the text ones in one
   * Redis round trip, each with media once its media is in (the agent may look
   * at it). A duplicate delivery stops at the insert. Neither the media nor the
   * jobs hold the stores back: a failure leaves the row for the sweeper.
   */
  private async insertBatch(batch: PendingInsert[]): Promise<void> {
    const ids = await this.inbound.insertMany(batch.map(rowOf));
    const turns: { payload: JobPayload<'inbound', 'turn'>; options: ReturnType<typeof inboundJobOptions> }[] = [];
    batch.forEach(({ source, raw, message }, index) => {
      const messageId = ids[index];
      if (messageId === null) return;
      this.metrics.recordMessageIn(source);
      if (message.group) return;
      const payload = { messageId, organizationId: source.organizationId, remotePhone: message.phone };
      if (message.media === null) turns.push({ payload, options: inboundJobOptions(messageId) });
      else void this.storeMedia(source, messageId, raw, message.media).then(() => this.queues.tryEnqueue('inbound', 'turn', payload, inboundJobOptions(messageId)));
    });
    if (turns.length > 0) void this.queues.tryEnqueueBulk('inbound', 'turn', turns);
  }

  private async storeMedia(source: Source, messageId: string, raw: InboundWhatsAppMessage, media: NonNullable<NormalizedInbound['media']>): Promise<void> {
    const maxBytes = this.config.whatsapp.mediaMaxBytes;
    const tooLarge = (declared: string) => `media over MEDIA_MAX_BYTES (${maxBytes} bytes)${declared}: not downloaded`;
    // The declared size spares fetching a file we would refuse; the download itself stops at the limit when it lies.
    if (media.declaredBytes !== null && media.declaredBytes > maxBytes) {
      await this.inbound.setMedia(source.organizationId, messageId, null, tooLarge(`: ${media.declaredBytes} bytes`)).catch(() => undefined);
      return;
    }
    try {
      const data = await this.connections.downloadMedia(source.instanceId, raw, { maxBytes, timeoutMs: this.config.whatsapp.mediaDownloadTimeoutMs });
      await this.inbound.setMedia(source.organizationId, messageId, await this.media.put(source.organizationId, data), null);
    } catch (error) {
      if (error instanceof MediaTooLargeError) {
        await this.inbound.setMedia(source.organizationId, messageId, null, tooLarge('')).catch(() => undefined);
        return;
      }
      this.logger.warn({ instanceId: source.instanceId, messageId, err: (error as Error).message }, 'inbound media download failed');
      await this.inbound.setMedia(source.organizationId, messageId, null, `media download failed: ${(error as Error).message}`).catch(() => undefined);
    }
  }
}
