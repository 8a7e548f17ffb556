import { Inject, Logger, type OnModuleDestroy } from '@nestjs/common';
import { type OnGatewayConnection, type OnGatewayInit, WebSocketGateway, WebSocketServer } from '@nestjs/websockets';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Redis } from 'ioredis';
import type { DefaultEventsMap, ExtendedError, Server, Socket } from 'socket.io';
import { ApiKeyEvents } from '../auth/api-key-events.js';
import { UnauthenticatedException } from '../auth/auth.exceptions.js';
import { CredentialsVerifier } from '../auth/credentials-verifier.js';
import type { TenantContext } from '../auth/tenant-context.js';
import { DomainException } from '../common/domain.exception.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import { type WhatsappEventName, WhatsappEvents } from '../whatsapp/whatsapp-events.js';
import type { RealtimeEventMap, RealtimeEventName } from './realtime-events.js';
import { RealtimeListeners } from './realtime-listeners.js';
import { REALTIME_REDIS, type RealtimeRedisClients } from './realtime-redis.js';

/** Clients send nothing the server listens to: rooms and subscriptions are the server's decision. */
type ClientEvents = Record<string, never>;
/** Emits are typed once, by publish(); Socket.IO's own typing cannot follow a generic event name. */
type ServerEvents = DefaultEventsMap;
/** What the processes tell each other through the adapter. */
interface InterServerEvents {
  'realtime:listening': (organizationId: string) => void;
}
interface SocketData {
  tenant: TenantContext;
}
type RealtimeServer = Server<ClientEvents, ServerEvents, InterServerEvents, SocketData>;
type RealtimeSocket = Socket<ClientEvents, ServerEvents, InterServerEvents, SocketData>;

/** The handshake field a caller puts the token in: `io(url, { auth: { token } })`. */
interface HandshakeAuth {
  token?: unknown;
  /** For a Supabase user in several organizations: the one this connection is for. */
  organizationId?: unknown;
}

export const organizationRoom = (organizationId: string) => `org:${organizationId}`;
export const apiKeyRoom = (apiKeyId: string) => `key:${apiKeyId}`;

/** Every WhatsApp event goes to the organization's sockets; the compiler checks none is forgotten. */
const BROADCAST_WHATSAPP_EVENTS = Object.keys({
  'whatsapp:connected': true,
  'whatsapp:disconnected': true,
  'whatsapp:qr': true,
  'whatsapp:pairing_code': true,
  'whatsapp:alert': true,
  'message:sent': true,
} satisfies Record<WhatsappEventName, true>) as WhatsappEventName[];

/**
 * Socket.IO on the HTTP server (path /socket.io). A connection authenticates in
 * its handshake with the same credentials as REST; the server then puts it in
 * its organization's room (and its API key's, so revoking the key can close it).
 * Events reach every process's sockets through the Redis adapter, so an event
 * raised where an instance's WhatsApp socket lives reaches clients connected anywhere.
 */
// CORS comes from CORS_ORIGINS, through CorsIoAdapter (src/app.factory.ts).
@WebSocketGateway({ serveClient: false })
export class RealtimeGateway implements OnGatewayInit<RealtimeServer>, OnGatewayConnection<RealtimeSocket>, OnModuleDestroy {
  @WebSocketServer()
  private server: RealtimeServer | undefined;

  private readonly logger = new Logger('Realtime');
  private readonly unsubscribers: (() => void)[] = [];
  private readonly listeners: RealtimeListeners;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REALTIME_REDIS) private readonly redis: RealtimeRedisClients,
    @Inject(REDIS) appRedis: Redis,
    private readonly credentials: CredentialsVerifier,
    private readonly whatsappEvents: WhatsappEvents,
    private readonly apiKeyEvents: ApiKeyEvents,
  ) {
    this.listeners = new RealtimeListeners(appRedis, (organizationId) => this.server?.serverSideEmit('realtime:listening', organizationId));
  }

  afterInit(server: RealtimeServer): void {
    // REDIS_PREFIX in the channel names: deployments (and test files) sharing a Redis never see each other's events.
    server.adapter(createAdapter(this.redis.publisher, this.redis.subscriber, { key: `${this.config.redisPrefix}:socket.io` }));
    server.use((socket, next) => {
      this.authenticate(socket).then(
        () => next(),
        (error: unknown) => next(this.connectError(error)),
      );
    });
    server.on('realtime:listening', (organizationId) => this.listeners.heard(organizationId));
    this.listeners.start();
    for (const event of BROADCAST_WHATSAPP_EVENTS) this.unsubscribers.push(this.broadcast(event));
    this.unsubscribers.push(
      // disconnectSockets goes through the adapter: the key's sockets close in every process.
      this.apiKeyEvents.on('api_key:revoked', ({ apiKeyId }) => server.in(apiKeyRoom(apiKeyId)).disconnectSockets(true)),
    );
  }

  async handleConnection(socket: RealtimeSocket): Promise<void> {
    const { tenant } = socket.data;
    const rooms = [organizationRoom(tenant.organizationId)];
    if (tenant.principal.kind === 'api_key') rooms.push(apiKeyRoom(tenant.principal.apiKeyId));
    await socket.join(rooms);
    // Gone while joining: 'disconnect' has fired already and would never undo the count.
    if (socket.disconnected) return;
    socket.once('disconnect', () => this.listeners.left(tenant.organizationId));
    await this.listeners.joined(tenant.organizationId);
    if (tenant.principal.kind === 'user' && tenant.principal.expiresAt !== null) this.endAtExpiry(socket, tenant.principal.expiresAt);
    this.logger.debug({ organizationId: tenant.organizationId, principal: tenant.principal.kind }, 'realtime client connected');
  }

  /**
   * A user's token is checked at the handshake; the connection must not outlive
   * it (a token revoked by expiry would otherwise keep receiving the shop's events).
   * The client reconnects with a fresh token.
   */
  private endAtExpiry(socket: RealtimeSocket, expiresAt: number): void {
    // setTimeout holds at most 2^31-1 ms (~24 days); a longer token is checked again at that point by a reconnect.
    const timer = setTimeout(() => socket.disconnect(true), Math.min(Math.max(0, expiresAt - Date.now()), 2 ** 31 - 1));
    timer.unref();
    socket.once('disconnect', () => clearTimeout(timer));
  }

  onModuleDestroy(): void {
    this.listeners.stop();
    for (const unsubscribe of this.unsubscribers.splice(0)) unsubscribe();
  }

  /**
   * Sends an event to every socket of one organization, in every process. The
   * one way to reach clients. Nothing is published for an organization with no
   * client connected anywhere (see RealtimeListeners).
   */
  publish<E extends RealtimeEventName>(organizationId: string, event: E, payload: RealtimeEventMap[E]): void {
    const server = this.server;
    // Before the gateway is up no client can be connected, so there is no one to tell.
    if (server === undefined) return;
    const emit = () => server.to(organizationRoom(organizationId)).emit(event, payload);
    const listened = this.listeners.listened(organizationId);
    if (listened === true) emit();
    else if (listened !== false) void listened.then((yes) => yes && emit());
  }

  private broadcast<E extends WhatsappEventName>(event: E): () => void {
    return this.whatsappEvents.on(event, ({ organizationId, ...payload }) => {
      // RealtimeEventMap defines each WhatsApp entry as that event without organizationId; the compiler cannot see it through E.
      this.publish(organizationId, event, payload as unknown as RealtimeEventMap[E]);
    });
  }

  private async authenticate(socket: RealtimeSocket): Promise<void> {
    const auth = socket.handshake.auth as HandshakeAuth;
    if (typeof auth.token !== 'string' || auth.token === '') {
      throw new UnauthenticatedException('Missing credentials: connect with auth: { token: "<api key>" }');
    }
    socket.data.tenant = await this.credentials.resolveTenant(auth.token, {
      requested: typeof auth.organizationId === 'string' ? auth.organizationId : undefined,
      howToChoose: 'with auth: { token, organizationId }',
    });
  }

  /** What the client sees as `connect_error`: the message says what is wrong, `data` carries the stable code. */
  private connectError(error: unknown): ExtendedError {
    if (error instanceof DomainException) {
      return Object.assign(new Error(error.message), { data: { code: error.code, statusCode: error.status } });
    }
    this.logger.error({ err: error }, 'realtime authentication failed');
    return Object.assign(new Error('Internal server error'), { data: { code: 'internal_error', statusCode: 500 } });
  }
}
