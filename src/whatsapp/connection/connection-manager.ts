import { type BeforeApplicationShutdown, Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { APP_CONFIG, type AppConfig, holdsSockets } from '../../config/app-config.js';
import { REDIS } from '../../redis/redis.module.js';
import { AUTH_STATE_STORE, type AuthStateStore, type OpenSession, type SessionRef } from '../../session/auth-state-store.js';
import { type InstanceRow, InstancesRepository } from '../instances.repository.js';
import { MessagesRepository } from '../messages.repository.js';
import { TransportRegistry } from '../transport/transport.registry.js';
import type {
  InboundWhatsAppMessage,
  MediaDownloadLimits,
  OutboundContent,
  SentMessage,
  TransportEvent,
  WhatsAppConnection,
} from '../transport/whatsapp-transport.js';
import { WhatsappEvents } from '../whatsapp-events.js';
import { type ReconnectPlan, ReconnectScheduler } from './reconnect-scheduler.js';

const QR_TTL_MS = 20_000;
const PAIRING_CODE_TTL_MS = 60_000;

interface LiveInstance {
  instance: InstanceRow;
  ref: SessionRef;
  session: OpenSession;
  connection: WhatsAppConnection | null;
  open: boolean;
  pairingRequested: boolean;
  /** The number of its current connection (process-wide): events of any other connection must not act on it. */
  generation: number;
}

export interface PairingView {
  qr: string | null;
  qrExpiresAt: string | null;
  pairingCode: string | null;
  pairingCodeExpiresAt: string | null;
}

/** Where the messages of a socket go: the inbound pipeline registers one per process. */
export type InboundHandler = (
  source: { organizationId: string; instanceId: string },
  messages: InboundWhatsAppMessage[],
) => Promise<void>;

export class InstanceNotLiveError extends Error {
  override name = 'InstanceNotLiveError';
}

/**
 * Owns the live sockets of the instances whose lease this process holds: opens
 * them, follows the close-reason policy, keeps status in the database, renews
 * leases, adopts instances whose holder died, and closes without logging out
 * when the process stops.
 */
@Injectable()
export class ConnectionManager implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Connections');
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly live = new Map<string, LiveInstance>();
  /** Starts under way, by instance: a second start (a health run overlapping another, the heartbeat) joins the first. */
  private readonly starting = new Map<string, Promise<boolean>>();
  /**
   * Connections are numbered across the process, not per instance entry: a socket
   * of an entry that was replaced must never pass for its successor's, or its
   * close (440, connection replaced) would stop the instance.
   */
  private connections = 0;
  private readonly scheduler: ReconnectScheduler;
  private heartbeat: NodeJS.Timeout | undefined;
  private stopping = false;
  private ticking = false;
  private inboundHandler: InboundHandler | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly instances: InstancesRepository,
    private readonly messages: MessagesRepository,
    private readonly transports: TransportRegistry,
    @Inject(AUTH_STATE_STORE) private readonly sessions: AuthStateStore,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly events: WhatsappEvents,
  ) {
    this.scheduler = new ReconnectScheduler({ reconnect: (instanceId) => void this.reconnectNow(instanceId) });
  }

  onApplicationBootstrap(): void {
    if (!holdsSockets(this.config)) return;
    const interval = Math.max(1000, Math.floor(this.config.whatsapp.leaseTtlMs / 3));
    this.heartbeat = setInterval(() => void this.tick(), interval);
    this.heartbeat.unref();
    void this.tick();
  }

  /**
   * On a stop, after the workers drained (their onModuleDestroy) and while the
   * database is still open (it closes in onApplicationShutdown): every socket
   * closes without logging out, so the session stays valid for the next start,
   * and every lease is given back, so another process adopts the instance at
   * once instead of after WHATSAPP_LEASE_TTL_MS.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    clearInterval(this.heartbeat);
    await Promise.all([...this.live.keys()].map((instanceId) => this.stop(instanceId, { logout: false, keepStatus: true })));
  }

  /** The inbound pipeline subscribes here (the WhatsApp layer does not know who reads its messages). */
  onInbound(handler: InboundHandler): void {
    this.inboundHandler = handler;
  }

  /** The bytes of a received media message, through the socket that received it. */
  async downloadMedia(instanceId: string, message: InboundWhatsAppMessage, options: MediaDownloadLimits): Promise<Buffer> {
    return this.requireLive(instanceId, true).connection!.downloadMedia(message, options);
  }

  /** Whether this process holds the instance's socket (open or between connections). */
  holds(instanceId: string): boolean {
    return this.live.has(instanceId);
  }

  isLive(instanceId: string): boolean {
    return this.live.get(instanceId)?.open === true;
  }

  /** Opens the socket of an instance if no other process holds it. */
  start(instance: InstanceRow): Promise<boolean> {
    const underway = this.starting.get(instance.id);
    if (underway !== undefined) return underway;
    const started = this.startOnce(instance).finally(() => this.starting.delete(instance.id));
    this.starting.set(instance.id, started);
    return started;
  }

  private async startOnce(instance: InstanceRow): Promise<boolean> {
    if (this.stopping || this.live.has(instance.id)) return this.live.has(instance.id);
    if (!(await this.instances.acquireLease(instance.id, this.owner, this.config.whatsapp.leaseTtlMs))) return false;
    const ref = { organizationId: instance.organizationId, instanceId: instance.id };
    const session = await this.sessions.open(ref, { phoneNumber: instance.phoneNumber });
    this.live.set(instance.id, { instance, ref, session, connection: null, open: false, pairingRequested: false, generation: 0 });
    await this.connect(instance.id);
    return true;
  }

  async reconnect(instanceId: string): Promise<void> {
    this.scheduler.cancel(instanceId);
    const live = this.live.get(instanceId);
    if (live === undefined) {
      const instance = await this.instances.findAny(instanceId);
      if (instance !== null) await this.start(instance);
      return;
    }
    await live.connection?.close();
    live.connection = null;
    live.open = false;
    await this.connect(instanceId);
  }

  /** Closes the socket (logging the device out when asked) and gives the lease back. */
  async stop(instanceId: string, options: { logout: boolean; keepStatus?: boolean }): Promise<void> {
    this.scheduler.forget(instanceId);
    const live = this.live.get(instanceId);
    this.live.delete(instanceId);
    if (live !== undefined) {
      await (options.logout ? live.connection?.logout() : live.connection?.close())?.catch((error: Error) =>
        this.logger.warn({ instanceId, err: error.message }, 'closing socket failed'),
      );
      await live.session.close();
    }
    // With the database away (a stop during an outage) the lease cannot be given back: it lapses by itself.
    await this.instances
      .releaseLease(instanceId, this.owner)
      .catch((error: Error) => this.logger.warn({ instanceId, err: error.message }, 'lease not released: it will lapse'));
    if (!options.keepStatus) await this.instances.update(instanceId, { status: 'disconnected' }).catch(() => undefined);
  }

  async requestPairingCode(instanceId: string, phoneNumber: string): Promise<string> {
    const live = this.requireLive(instanceId, false);
    if (live.connection === null) throw new InstanceNotLiveError('the instance is between connections; try again in a moment');
    live.pairingRequested = true;
    const code = await live.connection.requestPairingCode(phoneNumber);
    await this.publishPairingCode(live, code);
    return code;
  }

  async send(instanceId: string, to: string, content: OutboundContent, options?: { messageId?: string }): Promise<SentMessage> {
    const live = this.requireLive(instanceId, true);
    if (content.kind === 'text') await live.connection!.sendPresence(to, 'composing').catch(() => undefined);
    return live.connection!.send(to, content, options);
  }

  async pairingView(instanceId: string): Promise<PairingView> {
    const [qr, pairing] = await Promise.all([
      this.redis.get(`whatsapp:qr:${instanceId}`).catch(() => null),
      this.redis.get(`whatsapp:pairing:${instanceId}`).catch(() => null),
    ]);
    const parse = (value: string | null) => (value === null ? null : (JSON.parse(value) as { value: string; expiresAt: string }));
    const qrEntry = parse(qr);
    const pairingEntry = parse(pairing);
    return {
      qr: qrEntry?.value ?? null,
      qrExpiresAt: qrEntry?.expiresAt ?? null,
      pairingCode: pairingEntry?.value ?? null,
      pairingCodeExpiresAt: pairingEntry?.expiresAt ?? null,
    };
  }

  private requireLive(instanceId: string, mustBeOpen: boolean): LiveInstance {
    const live = this.live.get(instanceId);
    if (live === undefined) throw new InstanceNotLiveError('no process of this deployment holds a socket for the instance');
    if (mustBeOpen && (!live.open || live.connection === null)) throw new InstanceNotLiveError('the instance is not connected');
    return live;
  }

  private async connect(instanceId: string): Promise<void> {
    const live = this.live.get(instanceId);
    if (live === undefined || this.stopping) return;
    await this.instances.update(instanceId, { status: live.session.state.creds.registered ? 'connecting' : 'pairing' });
    const generation = ++this.connections;
    live.generation = generation;
    try {
      const connection = await this.transports.for(live.instance.provider).connect({
        ref: live.ref,
        session: live.session,
        listener: (event) => this.onEvent(instanceId, event, generation),
        sentText: (messageId) => this.messages.sentText(instanceId, messageId),
      });
      if (this.live.get(instanceId) !== live || live.generation !== generation) {
        // Stopped (lease lost, process stopping) while connecting: a socket nobody would follow must not stay open,
        // or the next connect of the instance would replace it (440) and take that for its own close.
        await connection.close().catch(() => undefined);
        return;
      }
      live.connection = connection;
    } catch (error) {
      this.logger.warn({ instanceId, err: (error as Error).message }, 'connect failed');
      await this.onClose(instanceId, null, (error as Error).message);
    }
  }

  private async reconnectNow(instanceId: string): Promise<void> {
    const live = this.live.get(instanceId);
    if (live === undefined || this.stopping) return;
    live.connection = null;
    live.open = false;
    await this.connect(instanceId);
  }

  /**
   * Settles once the event is handled. Rejects only for messages that could not
   * be stored nor held, so a transport that acknowledges late (the sandbox)
   * leaves them to WhatsApp's redelivery; every other failure is logged here.
   */
  private async onEvent(instanceId: string, event: TransportEvent, generation: number): Promise<void> {
    const live = this.live.get(instanceId);
    if (live === undefined) {
      if (event.type === 'messages') throw new InstanceNotLiveError('messages arrived on a socket this process no longer holds');
      return;
    }
    // A replaced connection's close (440) or late QR must not end or confuse the current one; its messages are still messages.
    if (live.generation !== generation && event.type !== 'messages') return;
    try {
      switch (event.type) {
        case 'qr':
          await this.onQr(live, event.qr);
          return;
        case 'open':
          await this.onOpen(live, event.phoneNumber);
          return;
        case 'close':
          await this.onClose(instanceId, event.statusCode, event.message);
          return;
        case 'creds-update':
          await live.session.saveCreds();
          return;
        case 'receipts':
          await this.messages.applyReceipts(instanceId, event.updates);
          return;
        case 'messages':
          if (this.inboundHandler === null) {
            this.logger.warn({ instanceId, count: event.messages.length }, 'messages received with no inbound pipeline in this process');
            return;
          }
          await this.inboundHandler(this.ids(live), event.messages);
          return;
      }
    } catch (error) {
      this.logger.error({ instanceId, event: event.type, err: (error as Error).message }, 'connection event failed');
      if (event.type === 'messages') throw error;
    }
  }

  private async onQr(live: LiveInstance, qr: string): Promise<void> {
    const expiresAt = new Date(Date.now() + QR_TTL_MS).toISOString();
    await this.redis.set(`whatsapp:qr:${live.instance.id}`, JSON.stringify({ value: qr, expiresAt }), 'PX', QR_TTL_MS);
    this.events.emit('whatsapp:qr', { ...this.ids(live), qr, expiresAt, at: new Date().toISOString() });
    // Pairing code first: asked for once, after the first QR, while the creds are not registered.
    const phone = live.instance.phoneNumber;
    if (phone !== null && !live.pairingRequested && !live.session.state.creds.registered && live.connection !== null) {
      live.pairingRequested = true;
      const code = await live.connection.requestPairingCode(phone);
      await this.publishPairingCode(live, code);
    }
  }

  private async publishPairingCode(live: LiveInstance, code: string): Promise<void> {
    const expiresAt = new Date(Date.now() + PAIRING_CODE_TTL_MS).toISOString();
    await this.redis.set(`whatsapp:pairing:${live.instance.id}`, JSON.stringify({ value: code, expiresAt }), 'PX', PAIRING_CODE_TTL_MS);
    this.events.emit('whatsapp:pairing_code', { ...this.ids(live), code, expiresAt, at: new Date().toISOString() });
  }

  private async onOpen(live: LiveInstance, phoneNumber: string | null): Promise<void> {
    live.open = true;
    this.scheduler.onOpen(live.instance.id);
    await this.instances.update(live.instance.id, {
      status: 'connected',
      phoneNumber: phoneNumber ?? live.instance.phoneNumber,
      lastConnectedAt: new Date(),
      lastSeenAt: new Date(),
      reconnectAttempts: 0,
      lastDisconnectReason: null,
    });
    await this.redis.del(`whatsapp:qr:${live.instance.id}`, `whatsapp:pairing:${live.instance.id}`).catch(() => undefined);
    await this.sessions.backup(live.ref).catch((error: Error) => this.logger.warn({ err: error.message }, 'creds backup failed'));
    this.events.emit('whatsapp:connected', { ...this.ids(live), phoneNumber, at: new Date().toISOString() });
  }

  private async onClose(instanceId: string, statusCode: number | null, message: string): Promise<void> {
    const live = this.live.get(instanceId);
    if (live === undefined || this.stopping) return;
    live.open = false;
    live.connection = null;
    const plan = this.scheduler.onClose(instanceId, statusCode);
    // Retire first (wipe, release) so that whoever reads the new status sees its consequences done.
    if (plan.kind === 'stop' || plan.kind === 'give-up') await this.retire(live, plan);
    await this.instances.update(instanceId, {
      status: plan.status,
      lastDisconnectReason: plan.reason,
      reconnectAttempts: plan.kind === 'reconnect-later' ? plan.attempt : plan.kind === 'reconnect-now' ? this.scheduler.attemptsOf(instanceId) : 0,
    });
    this.logger.log({ instanceId, statusCode, plan: plan.kind, reason: plan.reason, message }, 'whatsapp connection closed');
    const at = new Date().toISOString();
    this.events.emit('whatsapp:disconnected', { ...this.ids(live), statusCode, reason: plan.reason, status: plan.status, at });
    if ((plan.kind === 'stop' || plan.kind === 'give-up') && plan.alert !== undefined) {
      this.events.emit('whatsapp:alert', { ...this.ids(live), alert: plan.alert, message: plan.reason, at });
    }
  }

  /** No more reconnects: forget the socket, wipe the session when WhatsApp ended it, give the lease back. */
  private async retire(live: LiveInstance, plan: Extract<ReconnectPlan, { kind: 'stop' | 'give-up' }>): Promise<void> {
    this.live.delete(live.instance.id);
    await live.session.close();
    if (plan.kind === 'stop' && plan.wipeSession) await this.sessions.delete(live.ref);
    await this.instances.releaseLease(live.instance.id, this.owner);
  }

  /** Heartbeat: renew leases, drop sockets whose lease was lost, adopt instances nobody holds. */
  private async tick(): Promise<void> {
    if (this.stopping || this.ticking) return;
    this.ticking = true;
    try {
      const held = new Set(await this.instances.renewLeases(this.owner, this.config.whatsapp.leaseTtlMs));
      for (const instanceId of this.live.keys()) {
        if (!held.has(instanceId)) {
          this.logger.warn({ instanceId }, 'instance lease lost: closing its socket');
          await this.stop(instanceId, { logout: false, keepStatus: true });
        }
      }
      for (const instance of await this.instances.orphaned()) {
        if (this.stopping) return;
        await this.start(instance).catch((error: Error) => this.logger.warn({ instanceId: instance.id, err: error.message }, 'restore failed'));
        // Staggered, so a process adopting 100 instances does not open 100 sockets in the same second.
        await new Promise((resolve) => setTimeout(resolve, this.config.whatsapp.restoreStaggerMs));
      }
    } catch (error) {
      this.logger.warn({ err: (error as Error).message }, 'lease heartbeat failed');
    } finally {
      this.ticking = false;
    }
  }

  private ids(live: LiveInstance) {
    return { organizationId: live.instance.organizationId, instanceId: live.instance.id };
  }
}
