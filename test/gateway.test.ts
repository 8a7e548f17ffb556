import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { SignJWT } from 'jose';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE, type Database } from '../src/database/database.js';
import { organizationMembers } from '../src/database/schema.js';
import { REALTIME_EVENT_NAMES } from '../src/gateway/realtime-events.js';
import { WhatsappEvents } from '../src/whatsapp/whatsapp-events.js';
import { REDIS_URL, request, startTestApp, type TestApp } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { sleep, waitFor } from './support/processes.js';

const ADMIN_KEY = 'admin-key-for-gateway-tests-0123';
const JWT_SECRET = 'a-supabase-jwt-secret-for-the-gateway-tests';

interface ReceivedEvent {
  event: string;
  payload: { instanceId?: string; at?: string; [field: string]: unknown };
}

/** A connected client and everything the server sent it. */
interface Client {
  socket: Socket;
  received: ReceivedEvent[];
  close(): void;
}

const openSockets: Socket[] = [];

function socketTo(baseUrl: string, auth?: Record<string, string>): Socket {
  const socket = io(baseUrl, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
  openSockets.push(socket);
  return socket;
}

function connect(baseUrl: string, auth?: Record<string, string>): Promise<Client> {
  const socket = socketTo(baseUrl, auth);
  const received: ReceivedEvent[] = [];
  socket.onAny((event: string, payload: ReceivedEvent['payload']) => received.push({ event, payload }));
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve({ socket, received, close: () => socket.disconnect() }));
    socket.once('connect_error', reject);
  });
}

function refusal(baseUrl: string, auth?: Record<string, string>): Promise<Error & { data?: { code?: string } }> {
  const socket = socketTo(baseUrl, auth);
  return new Promise((resolve, reject) => {
    socket.once('connect', () => reject(new Error('the connection was accepted')));
    socket.once('connect_error', resolve);
  });
}

/** How long a test listens to see that an event it must not get does not come. */
const QUIET_MS = 400;

/** The reason a socket was disconnected, or a failure after a few seconds instead of the test's whole timeout. */
function disconnection(client: Client, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the socket was not disconnected')), timeoutMs);
    client.socket.once('disconnect', (reason) => {
      clearTimeout(timer);
      resolve(reason);
    });
  });
}

describe('Socket.IO gateway: per-organization events, handshake auth, revocation, across processes', () => {
  let testDatabase: TestDatabase;
  let server: TestApp;
  let shopA: { id: string; key: string };
  let shopB: { id: string; key: string };

  const api = (method: string, path: string, token: string, body?: unknown, baseUrl = server.baseUrl) =>
    request(baseUrl, method, path, { token, body });

  const createShop = async (name: string) => {
    const response = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name } });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return { id: response.body.organization.id as string, key: response.body.apiKey.key as string };
  };

  const alertFor = (app: TestApp, organizationId: string, instanceId = randomUUID()) => {
    app.app.get(WhatsappEvents).emit('whatsapp:alert', {
      organizationId,
      instanceId,
      alert: 'instance_failed',
      message: 'test alert',
      at: new Date().toISOString(),
    });
    return instanceId;
  };

  const hasEvent = (client: Client, event: string, instanceId: string) =>
    client.received.some((received) => received.event === event && received.payload.instanceId === instanceId);

  beforeAll(async () => {
    testDatabase = await createTestDatabase('gateway');
    server = await startTestApp({ DATABASE_URL: testDatabase.url, ADMIN_API_KEY: ADMIN_KEY, SUPABASE_JWT_SECRET: JWT_SECRET });
    shopA = await createShop('Banho & Tosa A');
    shopB = await createShop('Clínica B');
  });

  afterAll(async () => {
    for (const socket of openSockets) socket.disconnect();
    await server?.close();
    await testDatabase?.drop();
  });

  it("gives each organization's sockets its own WhatsApp events, never another's", async () => {
    const [clientA, clientB] = await Promise.all([connect(server.baseUrl, { token: shopA.key }), connect(server.baseUrl, { token: shopB.key })]);

    const createdA = await api('POST', '/api/whatsapp/instances', shopA.key, { name: 'Recepção', provider: 'sandbox', phoneNumber: '5511987654321' });
    const createdB = await api('POST', '/api/whatsapp/instances', shopB.key, { name: 'Clínica', provider: 'sandbox' });
    expect([createdA.status, createdB.status]).toEqual([201, 201]);
    const instanceA = createdA.body.id as string;
    const instanceB = createdB.body.id as string;

    await waitFor(() => hasEvent(clientA, 'whatsapp:pairing_code', instanceA) && hasEvent(clientB, 'whatsapp:qr', instanceB), 10_000);
    expect((await api('POST', `/api/sandbox/instances/${instanceA}/pair`, shopA.key, {})).status).toBe(200);
    expect((await api('POST', `/api/sandbox/instances/${instanceB}/pair`, shopB.key, {})).status).toBe(200);
    await waitFor(() => hasEvent(clientA, 'whatsapp:connected', instanceA) && hasEvent(clientB, 'whatsapp:connected', instanceB), 15_000);
    await sleep(QUIET_MS);

    const pairingCode = clientA.received.find((received) => received.event === 'whatsapp:pairing_code')!.payload;
    expect(pairingCode).toMatchObject({ instanceId: instanceA, code: expect.stringMatching(/^[1-9A-HJ-NP-TV-Z]{8}$/), expiresAt: expect.any(String) });
    const connected = clientA.received.find((received) => received.event === 'whatsapp:connected')!.payload;
    expect(connected).toMatchObject({ instanceId: instanceA, phoneNumber: '5511987654321' });
    expect(clientB.received.find((received) => received.event === 'whatsapp:qr')!.payload).toMatchObject({ instanceId: instanceB, qr: expect.any(String) });

    for (const [client, own] of [[clientA, instanceA], [clientB, instanceB]] as const) {
      expect(client.received.length).toBeGreaterThan(0);
      for (const { event, payload } of client.received) {
        expect(event).toMatch(/^whatsapp:/);
        expect(payload.instanceId).toBe(own);
        expect(new Date(payload.at!).toISOString()).toBe(payload.at);
        expect(payload).not.toHaveProperty('organizationId');
      }
    }
    clientA.close();
    clientB.close();
  });

  it('refuses a handshake without a token, with a wrong key or with a bad token, saying what is wrong', async () => {
    const missing = await refusal(server.baseUrl);
    expect(missing.message).toBe('Missing credentials: connect with auth: { token: "<api key>" }');
    expect(missing.data).toMatchObject({ code: 'unauthenticated', statusCode: 401 });
    const empty = await refusal(server.baseUrl, { token: '' });
    expect(empty.message).toMatch(/^Missing credentials/);
    const wrongKey = await refusal(server.baseUrl, { token: 'oxy_not-a-real-key' });
    expect(wrongKey.message).toBe('Invalid or revoked API key');
    const garbage = await refusal(server.baseUrl, { token: 'not-a-jwt' });
    expect(garbage.message).toBe('Invalid or expired token');
    const adminKey = await refusal(server.baseUrl, { token: ADMIN_KEY });
    expect(adminKey.message).toBe('Invalid or expired token');
  });

  it('accepts a Supabase user JWT, in the organization the user picks when in several', async () => {
    const userId = randomUUID();
    const database = server.app.get<Database>(DATABASE);
    await database.systemDb.insert(organizationMembers).values({ organizationId: shopA.id, userId, role: 'owner' });
    const token = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(JWT_SECRET));

    const user = await connect(server.baseUrl, { token });
    const instanceId = alertFor(server, shopA.id);
    await waitFor(() => hasEvent(user, 'whatsapp:alert', instanceId), 5000);
    user.close();

    await database.systemDb.insert(organizationMembers).values({ organizationId: shopB.id, userId, role: 'staff' });
    const ambiguous = await refusal(server.baseUrl, { token });
    expect(ambiguous.message).toBe('This user belongs to several organizations: choose one with auth: { token, organizationId }');
    const chosen = await connect(server.baseUrl, { token, organizationId: shopB.id });
    const forB = alertFor(server, shopB.id);
    const forA = alertFor(server, shopA.id);
    await waitFor(() => hasEvent(chosen, 'whatsapp:alert', forB), 5000);
    await sleep(QUIET_MS);
    expect(hasEvent(chosen, 'whatsapp:alert', forA)).toBe(false);
    chosen.close();
  });

  it("ends a user's connection when the user's token expires", async () => {
    const userId = randomUUID();
    await server.app.get<Database>(DATABASE).systemDb.insert(organizationMembers).values({ organizationId: shopA.id, userId, role: 'staff' });
    const token = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(JWT_SECRET));
    const user = await connect(server.baseUrl, { token });
    expect(user.socket.connected).toBe(true);
    expect(await disconnection(user, 5000)).toBe('io server disconnect');
    // And the expired token is refused when the client tries again.
    expect((await refusal(server.baseUrl, { token })).message).toBe('Invalid or expired token');
  });

  it('does not let a socket join another organization by asking', async () => {
    const [clientA, clientB] = await Promise.all([connect(server.baseUrl, { token: shopA.key }), connect(server.baseUrl, { token: shopB.key })]);
    for (const event of ['join', 'subscribe', 'joinRoom', 'room:join']) {
      clientB.socket.emit(event, shopA.id);
      clientB.socket.emit(event, `org:${shopA.id}`);
      clientB.socket.emit(event, { room: `org:${shopA.id}`, organizationId: shopA.id });
    }
    await sleep(200);
    const instanceId = alertFor(server, shopA.id);
    await waitFor(() => hasEvent(clientA, 'whatsapp:alert', instanceId), 5000);
    await sleep(QUIET_MS);
    expect(clientB.received).toEqual([]);
    expect(clientB.socket.connected).toBe(true);
    clientA.close();
    clientB.close();
  });

  it("disconnects a revoked key's sockets and refuses it afterwards, leaving the organization's other keys connected", async () => {
    const created = await api('POST', '/api/api-keys', shopA.key, { name: 'dashboard' });
    expect(created.status).toBe(201);
    const doomed = await connect(server.baseUrl, { token: created.body.key });
    const survivor = await connect(server.baseUrl, { token: shopA.key });
    const disconnected = disconnection(doomed);

    expect((await api('DELETE', `/api/api-keys/${created.body.id}`, shopA.key)).status).toBe(200);
    expect(await disconnected).toBe('io server disconnect');
    const again = await refusal(server.baseUrl, { token: created.body.key });
    expect(again.message).toBe('Invalid or revoked API key');

    const instanceId = alertFor(server, shopA.id);
    await waitFor(() => hasEvent(survivor, 'whatsapp:alert', instanceId), 5000);
    expect(survivor.socket.connected).toBe(true);
    survivor.close();
  });

  describe('across processes', () => {
    let twin: TestApp;
    let stranger: TestApp;

    beforeAll(async () => {
      // Same database and Redis prefix: a second replica of the same deployment.
      twin = await startTestApp({ DATABASE_URL: testDatabase.url, ADMIN_API_KEY: ADMIN_KEY, REDIS_PREFIX: server.config.redisPrefix });
      // Same database, its own prefix: another deployment (or test file) on the same Redis.
      stranger = await startTestApp({ DATABASE_URL: testDatabase.url });
    });

    afterAll(async () => {
      // The twin shares the prefix: closing it must not delete the keys the first app still uses.
      await twin?.app.close();
      if (twin !== undefined) rmSync(twin.config.dataDir, { recursive: true, force: true });
      await stranger?.close();
    });

    it('delivers to a socket on one process an event raised on another with the same REDIS_PREFIX, and only there', async () => {
      const [onFirst, otherShopOnFirst, onTwin, onStranger] = await Promise.all([
        connect(server.baseUrl, { token: shopA.key }),
        connect(server.baseUrl, { token: shopB.key }),
        connect(twin.baseUrl, { token: shopA.key }),
        connect(stranger.baseUrl, { token: shopA.key }),
      ]);

      const raisedOnTwin = alertFor(twin, shopA.id);
      await waitFor(() => hasEvent(onFirst, 'whatsapp:alert', raisedOnTwin) && hasEvent(onTwin, 'whatsapp:alert', raisedOnTwin), 5000);
      const raisedOnFirst = alertFor(server, shopA.id);
      await waitFor(() => hasEvent(onTwin, 'whatsapp:alert', raisedOnFirst), 5000);
      await sleep(QUIET_MS);

      expect(otherShopOnFirst.received).toEqual([]);
      expect(onStranger.received).toEqual([]);
      const raisedOnStranger = alertFor(stranger, shopA.id);
      await waitFor(() => hasEvent(onStranger, 'whatsapp:alert', raisedOnStranger), 5000);
      await sleep(QUIET_MS);
      expect(hasEvent(onFirst, 'whatsapp:alert', raisedOnStranger)).toBe(false);
      for (const client of [onFirst, otherShopOnFirst, onTwin, onStranger]) client.close();
    });

    it('publishes nothing for a shop nobody watches, and reaches a client the moment it connects on another process', async () => {
      const quiet = await createShop('Loja sem painel');
      // What crosses Redis for this deployment's sockets: every publish of the adapter, notices between processes included.
      const observer = new Redis(REDIS_URL);
      const published: string[] = [];
      observer.on('pmessage', (_pattern, channel) => published.push(channel));
      await observer.psubscribe(`${server.config.redisPrefix}:socket.io*`);
      try {
        for (let event = 0; event < 5; event++) alertFor(server, quiet.id);
        await sleep(QUIET_MS);
        expect(published).toEqual([]);

        // The first process has just seen nobody listening; the client connects to the twin, and the next event,
        // raised on the first process right away, still reaches it: the twin told the others when it got the client.
        alertFor(server, quiet.id);
        const watcher = await connect(twin.baseUrl, { token: quiet.key });
        await waitFor(() => published.length > 0, 5000);
        const raised = alertFor(server, quiet.id);
        await waitFor(() => hasEvent(watcher, 'whatsapp:alert', raised), 5000);
        expect(watcher.received).toHaveLength(1);
        watcher.close();
      } finally {
        observer.disconnect();
      }
    });

    it("closes a key's sockets on every process when another process revokes it", async () => {
      const created = await api('POST', '/api/api-keys', shopB.key, { name: 'kiosk' });
      const onFirst = await connect(server.baseUrl, { token: created.body.key });
      const onTwin = await connect(twin.baseUrl, { token: created.body.key });
      const closed = [onFirst, onTwin].map((client) => disconnection(client));

      expect((await api('DELETE', `/api/api-keys/${created.body.id}`, shopB.key, undefined, twin.baseUrl)).status).toBe(200);
      expect(await Promise.all(closed)).toEqual(['io server disconnect', 'io server disconnect']);
    });
  });

  it('documents every realtime event in the README and points to it from the OpenAPI description', async () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('## Realtime events (Socket.IO)'));
    expect(section.length).toBeLessThan(readme.length);
    for (const event of REALTIME_EVENT_NAMES) expect(section).toContain(`\`${event}\``);
    const openApi = await request(server.baseUrl, 'GET', '/docs-json');
    expect(openApi.body.info.description).toContain('Realtime events (Socket.IO)');
  });
});
