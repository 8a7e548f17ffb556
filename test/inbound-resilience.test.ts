import { and, asc, eq, inArray } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE, type Database } from '../src/database/database.js';
import { messages } from '../src/database/schema.js';
import { SandboxTransport } from '../src/whatsapp/transport/sandbox.transport.js';
import { deleteRedisPrefix, REDIS_URL, request, startTestApp } from './support/app.js';
import { createTestDatabase } from './support/postgres.js';
import { freePort, runNode, stopProcess, ThrowawayRedis, waitFor } from './support/processes.js';
import { createChattingShop } from './support/shop.js';

const MAIN = join(import.meta.dirname, '..', 'dist', 'main.js');
const ADMIN_KEY = 'admin-key-for-resilience-tests-012345';
/** Fast sweeps, and no rate limit in the way of a flood. */
const PIPELINE = {
  OUTBOUND_MIN_GAP_MS: '0',
  OUTBOUND_JITTER_MS: '0',
  INBOUND_RATE_LIMIT_PER_MINUTE: '10000',
  INBOUND_SWEEP_INTERVAL_MS: '500',
  INBOUND_SWEEP_AFTER_MS: '1000',
};

/** The menu quotes what it did not understand, so each reply shows which messages it answered, in order. */
const numbered = (contact: number, index: number) => `pedido-${contact}-${String(index).padStart(2, '0')}`;

async function conversationRows(db: Database, instanceId: string) {
  return db.systemDb
    .select({
      id: messages.id,
      direction: messages.direction,
      remotePhone: messages.remotePhone,
      body: messages.body,
      status: messages.status,
      turnId: messages.turnId,
    })
    .from(messages)
    .where(eq(messages.instanceId, instanceId))
    .orderBy(asc(messages.createdAt), asc(messages.id));
}

/**
 * Every numbered message stored once and answered once, in order per contact:
 * the replies of each contact, oldest first, quote its numbered messages in the
 * order they were written, each exactly once.
 */
async function expectAnsweredOnceInOrder(db: Database, instanceId: string, contacts: number, perContact: number, phoneOf: (contact: number) => string) {
  const rows = await conversationRows(db, instanceId);
  const inbound = rows.filter((row) => row.direction === 'inbound' && row.body?.startsWith('pedido-'));
  expect(inbound).toHaveLength(contacts * perContact);
  expect(inbound.every((row) => row.status === 'processed' && row.turnId !== null)).toBe(true);
  const repliesPerTurn = new Map<string, number>();
  for (const row of rows) if (row.direction === 'outbound' && row.turnId !== null) repliesPerTurn.set(row.turnId, (repliesPerTurn.get(row.turnId) ?? 0) + 1);
  // One answer per turn, and every answered message in exactly one turn.
  expect([...new Set(inbound.map((row) => row.turnId!))].every((turnId) => repliesPerTurn.get(turnId) === 1)).toBe(true);
  for (let contact = 0; contact < contacts; contact += 1) {
    const replies = rows.filter((row) => row.direction === 'outbound' && row.remotePhone === `+${phoneOf(contact)}`);
    expect(replies.every((row) => ['sent', 'delivered', 'read'].includes(row.status))).toBe(true);
    const quoted = replies.flatMap((row) => row.body?.match(/pedido-\d+-\d+/g) ?? []);
    expect(quoted).toEqual(Array.from({ length: perContact }, (_, index) => numbered(contact, index)));
  }
}

describe('inbound pipeline when Redis or a worker dies', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('answers 100 messages that arrived while Redis was down, once each and in order per contact, after it is back', async () => {
    const redis = await ThrowawayRedis.start();
    cleanups.push(() => redis.stop());
    const database = await createTestDatabase('inbound_redis');
    cleanups.push(() => database.drop());
    const server = await startTestApp({ DATABASE_URL: database.url, REDIS_URL: redis.url, ADMIN_API_KEY: ADMIN_KEY, ...PIPELINE });
    cleanups.push(() => server.close());
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY);
    const sandbox = server.app.get(SandboxTransport);
    const db = server.app.get<Database>(DATABASE);
    const phoneOf = (contact: number) => `5511981000${String(contact).padStart(3, '0')}`;
    const contacts = 10;
    const perContact = 10;
    // Each contact greets first, so the numbered messages reach the menu, which quotes what it does not understand.
    for (let contact = 0; contact < contacts; contact += 1) sandbox.inbound(shop.instanceId, { from: phoneOf(contact), text: 'oi' });
    await waitFor(async () => (await conversationRows(db, shop.instanceId)).filter((row) => row.direction === 'outbound' && row.status !== 'queued').length === contacts, 20_000);

    await redis.stop();
    for (let index = 0; index < perContact; index += 1) {
      for (let contact = 0; contact < contacts; contact += 1) sandbox.inbound(shop.instanceId, { from: phoneOf(contact), text: numbered(contact, index) });
    }
    // Every message is in PostgreSQL while Redis is away, none answered.
    await waitFor(async () => (await conversationRows(db, shop.instanceId)).filter((row) => row.body?.startsWith('pedido-')).length === 100, 20_000);
    expect((await conversationRows(db, shop.instanceId)).filter((row) => row.body?.startsWith('pedido-') && row.status === 'processed')).toHaveLength(0);
    // A send through the API meanwhile is stored and accepted at once, not held until Redis answers: it goes out once Redis is back.
    const posted = performance.now();
    const send = await request(server.baseUrl, 'POST', '/api/whatsapp/send/text', {
      token: shop.key,
      body: { instanceId: shop.instanceId, to: '5511981999999', text: 'Aviso enviado com o Redis fora' },
    });
    expect(send.status, JSON.stringify(send.body)).toBe(202);
    expect(performance.now() - posted).toBeLessThan(5_000);
    // Stored and waiting for the queue, not given up on.
    expect((await conversationRows(db, shop.instanceId)).find((row) => row.id === send.body.messageId)).toMatchObject({ status: 'queued' });

    await redis.restart();
    await waitFor(async () => {
      const rows = await conversationRows(db, shop.instanceId);
      return rows.every((row) => ['processed', 'sent', 'delivered', 'read'].includes(row.status));
    }, 60_000);
    await expectAnsweredOnceInOrder(db, shop.instanceId, contacts, perContact, phoneOf);
    const sent = sandbox.outbound(shop.instanceId).filter((message) => message.to === '5511981999999');
    expect(sent.map((message) => message.text)).toEqual(['Aviso enviado com o Redis fora']);
  }, 120_000);

  it('answers the messages of a worker killed mid-turn after another process takes over, and none twice', async () => {
    const database = await createTestDatabase('inbound_kill');
    cleanups.push(() => database.drop());
    const prefix = `test:kill:${randomBytes(4).toString('hex')}`;
    cleanups.push(() => deleteRedisPrefix(REDIS_URL, prefix));
    const sessions = mkdtempSync(join(tmpdir(), 'oxy-kill-sessions-'));
    cleanups.push(async () => rmSync(sessions, { recursive: true, force: true }));
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      ADMIN_API_KEY: ADMIN_KEY,
      WHATSAPP_SESSION_PATH: sessions,
      WHATSAPP_LEASE_TTL_MS: '3000',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      ...PIPELINE,
      // One turn at a time per process, so the flood is still being answered when the first process dies.
      INBOUND_CONCURRENCY: '1',
    };
    const port = await freePort();
    const first = runNode(MAIN, [], { ...shared, PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), 'oxy-kill-a-')) });
    cleanups.push(() => stopProcess(first.child));
    const firstUrl = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${firstUrl}/health`).catch(() => null))?.status === 200, 30_000);
    const shop = await createChattingShop(firstUrl, ADMIN_KEY);
    const phoneOf = (contact: number) => `5511982000${String(contact).padStart(3, '0')}`;
    const contacts = 20;
    const perContact = 10;
    const post = (contact: number, text: string) =>
      request(firstUrl, 'POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, { token: shop.key, body: { from: phoneOf(contact), text } });
    for (let contact = 0; contact < contacts; contact += 1) await post(contact, 'oi');

    // The second process shares the database and Redis: its workers take turns too, and it adopts the instance when the first dies.
    const second = await startTestApp({ ...shared });
    cleanups.push(() => second.close());
    const db = second.app.get<Database>(DATABASE);
    await waitFor(async () => (await conversationRows(db, shop.instanceId)).filter((row) => row.direction === 'outbound' && row.status !== 'queued').length >= contacts, 30_000);

    // A flood faster than one turn at a time per process can answer; the first process dies once it is all stored.
    await Promise.all(
      Array.from({ length: contacts }, async (_, contact) => {
        for (let index = 0; index < perContact; index += 1) expect((await post(contact, numbered(contact, index))).status).toBe(200);
      }),
    );
    await waitFor(async () => (await conversationRows(db, shop.instanceId)).filter((row) => row.body?.startsWith('pedido-')).length === contacts * perContact, 20_000);
    await stopProcess(first.child, 'SIGKILL');
    const atKill = (await conversationRows(db, shop.instanceId)).filter((row) => row.body?.startsWith('pedido-'));
    expect(atKill.filter((row) => row.status !== 'processed').length).toBeGreaterThan(0);

    await waitFor(async () => {
      const rows = await conversationRows(db, shop.instanceId);
      return rows.every((row) => ['processed', 'sent', 'delivered', 'read'].includes(row.status));
    }, 90_000);
    await expectAnsweredOnceInOrder(db, shop.instanceId, contacts, perContact, phoneOf);
    // What the first process had stored but not answered was answered by the second.
    const stillPending = atKill.filter((row) => row.status !== 'processed').map((row) => row.id);
    if (stillPending.length > 0) {
      const answeredLater = await db.systemDb
        .select({ id: messages.id })
        .from(messages)
        .where(and(inArray(messages.id, stillPending), eq(messages.status, 'processed')));
      expect(answeredLater).toHaveLength(stillPending.length);
    }
  }, 180_000);
});
