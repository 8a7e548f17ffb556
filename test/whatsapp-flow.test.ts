import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DATABASE, type Database } from '../src/database/database.js';
import { messages } from '../src/database/schema.js';
import { QueueService } from '../src/queue/queue.service.js';
import { ConnectionManager } from '../src/whatsapp/connection/connection-manager.js';
import { MessagesRepository } from '../src/whatsapp/messages.repository.js';
import { outboundJobOptions } from '../src/whatsapp/outbound/outbound.service.js';
import { AUTH_STATE_STORE, type AuthStateStore } from '../src/session/auth-state-store.js';
import { request, startTestApp, type TestApp } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { sleep, waitFor } from './support/processes.js';

const ADMIN_KEY = 'admin-key-for-whatsapp-tests-01234';
const PIXEL = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

describe('WhatsApp instances through the REST API, on the sandbox transport', () => {
  let testDatabase: TestDatabase;
  let server: TestApp;
  let keyA: string;
  let orgA: string;

  const api = (method: string, path: string, token: string, body?: unknown) => request(server.baseUrl, method, path, { token, body });
  const database = () => server.app.get<Database>(DATABASE);
  const statusOf = async (id: string, key = keyA) => (await api('GET', `/api/whatsapp/instances/${id}/status`, key)).body;
  const waitForStatus = (id: string, status: string, timeoutMs = 20_000, key = keyA) =>
    waitFor(async () => (await statusOf(id, key)).status === status, timeoutMs);
  /** An instance paired through the sandbox with a pairing code, connected. */
  const connectedInstance = async (name: string, phoneNumber: string, key = keyA) => {
    const created = await api('POST', '/api/whatsapp/instances', key, { name, provider: 'sandbox', phoneNumber });
    const id = created.body.id as string;
    await waitFor(async () => (await statusOf(id, key)).pairingCode !== null, 5000);
    await api('POST', `/api/sandbox/instances/${id}/pair`, key, {});
    await waitForStatus(id, 'connected', 20_000, key);
    return id;
  };

  beforeAll(async () => {
    testDatabase = await createTestDatabase('whatsapp');
    server = await startTestApp({
      DATABASE_URL: testDatabase.url,
      ADMIN_API_KEY: ADMIN_KEY,
      OUTBOUND_MIN_GAP_MS: '0',
      OUTBOUND_JITTER_MS: '0',
      MEDIA_MAX_BYTES: '2048',
      // The lease heartbeat (a third of this) adopts instances nobody holds; here it must not, within a test,
      // take back the socket one test takes away on purpose to queue a reply while it is gone.
      WHATSAPP_LEASE_TTL_MS: '600000',
    });
    const a = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Shop A' } });
    keyA = a.body.apiKey.key;
    orgA = a.body.organization.id;
  });

  afterAll(async () => {
    await server?.close();
    await testDatabase?.drop();
  });

  it('pairs with a code, sends text, image and audio, and comes back after a dropped connection', async () => {
    const created = await api('POST', '/api/whatsapp/instances', keyA, { name: 'Recepção', provider: 'sandbox', phoneNumber: '5511987654321' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    await waitFor(async () => (await statusOf(id)).pairingCode !== null, 5000);
    const pairing = await statusOf(id);
    expect(pairing.status).toBe('pairing');
    expect(pairing.pairingCode).toMatch(/^[1-9A-HJ-NP-TV-Z]{8}$/);
    expect(new Date(pairing.pairingCodeExpiresAt).getTime()).toBeGreaterThan(Date.now());

    const paired = await api('POST', `/api/sandbox/instances/${id}/pair`, keyA, {});
    expect(paired.status).toBe(200);
    await waitForStatus(id, 'connected');
    const connected = await statusOf(id);
    expect(connected).toMatchObject({ phoneNumber: '5511987654321', live: true, pairingCode: null, qr: null, reconnectAttempts: 0 });

    const text = await api('POST', '/api/whatsapp/send/text', keyA, { instanceId: id, to: '5511912345678', text: 'Olá! Banho confirmado.' });
    const image = await api('POST', '/api/whatsapp/send/image', keyA, { instanceId: id, to: '+5511912345678', base64: PIXEL, caption: 'O Rex' });
    const audio = await api('POST', '/api/whatsapp/send/audio', keyA, { instanceId: id, to: '551112345678', base64: PIXEL, ptt: true });
    for (const accepted of [text, image, audio]) {
      expect(accepted.status).toBe(202);
      expect(accepted.body).toMatchObject({ messageId: expect.any(String), status: 'queued' });
    }
    await waitFor(async () => (await api('GET', `/api/sandbox/instances/${id}/outbound`, keyA)).body.data.length === 3, 10_000);
    const outbound = (await api('GET', `/api/sandbox/instances/${id}/outbound`, keyA)).body.data;
    expect(outbound.map((sent: { kind: string; to: string }) => [sent.kind, sent.to])).toEqual([
      ['text', '5511912345678'],
      ['image', '5511912345678'],
      ['audio', '551112345678'],
    ]);
    expect(outbound[1]).toMatchObject({ text: 'O Rex', bytes: Buffer.from(PIXEL, 'base64').length });
    expect(outbound[2].ptt).toBe(true);

    await waitFor(async () => {
      const rows = await database().systemDb.select().from(messages).where(eq(messages.instanceId, id));
      return rows.length === 3 && rows.every((row) => row.status === 'delivered' && row.waMessageId !== null);
    }, 10_000);
    // What a recipient whose phone failed to decrypt a message gets re-sent: the text by WhatsApp's id; media is not rebuilt.
    const sentMessages = server.app.get(MessagesRepository);
    expect(await sentMessages.sentText(id, outbound[0].messageId)).toBe('Olá! Banho confirmado.');
    expect(await sentMessages.sentText(id, outbound[1].messageId)).toBeNull();
    expect(await sentMessages.sentText(randomUUID(), outbound[0].messageId)).toBeNull();

    const dropped = await api('POST', `/api/sandbox/instances/${id}/disconnect`, keyA, { statusCode: 408 });
    expect(dropped.status).toBe(200);
    await waitFor(async () => (await statusOf(id)).status === 'reconnecting', 5000);
    expect((await statusOf(id))).toMatchObject({ lastDisconnectReason: 'connection lost (408)', reconnectAttempts: 1 });
    await waitForStatus(id, 'connected', 30_000);
  }, 60_000);

  it('shows a QR (string, data URL and PNG) when no phone number is given, and refuses sends until connected', async () => {
    const created = await api('POST', '/api/whatsapp/instances', keyA, { name: 'QR', provider: 'sandbox' });
    const id = created.body.id as string;
    await waitFor(async () => (await statusOf(id)).qr !== null, 5000);
    const status = await statusOf(id);
    expect(status.qrDataUrl).toMatch(/^data:image\/png;base64,/);
    expect(status.pairingCode).toBeNull();
    const png = await fetch(`${server.baseUrl}/api/whatsapp/instances/${id}/qr`, { headers: { authorization: `Bearer ${keyA}` } });
    expect(png.status).toBe(200);
    expect(png.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await png.arrayBuffer()).subarray(1, 4).toString()).toBe('PNG');

    const refused = await api('POST', '/api/whatsapp/send/text', keyA, { instanceId: id, to: '5511912345678', text: 'oi' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'instance_not_connected', details: { status: 'pairing' } });
  });

  it('a reply queued while the socket is away (its server restarting) waits for it without spending retries, and goes out once', async () => {
    const id = await connectedInstance('Restart', '5511987651111');
    // What a server killed mid-run leaves behind: the database says connected, and no process holds the socket.
    const connections = server.app.get(ConnectionManager);
    await connections.stop(id, { logout: false, keepStatus: true });
    expect(await statusOf(id)).toMatchObject({ status: 'connected', live: false });

    // A reply the pipeline stored meanwhile, as a turn stores it.
    const [reply] = await database().systemDb
      .insert(messages)
      .values({ organizationId: orgA, instanceId: id, remotePhone: '+5511912340000', direction: 'outbound', origin: 'agent', type: 'text', body: 'Seu banho está marcado.', status: 'queued' })
      .returning({ id: messages.id });
    await server.app.get(QueueService).enqueue('outbound', 'send', { messageId: reply.id, organizationId: orgA }, outboundJobOptions(reply.id));
    // Until a worker has taken the job twice and put it back each time: two failed attempts, were the missing
    // socket counted as the message's failure (a fixed wait proves nothing on a machine too slow to take it).
    const outboundQueue = server.app.get<Queue>(getQueueToken('outbound'));
    await waitFor(async () => {
      const taken = await outboundQueue.getJob(reply.id);
      return taken !== undefined && taken.attemptsStarted >= 2 && (await taken.getState()) === 'delayed';
    }, 15_000);
    const job = await outboundQueue.getJob(reply.id);
    expect(job?.attemptsMade).toBe(0);
    const rowOf = async () => (await database().systemDb.select().from(messages).where(eq(messages.id, reply.id)))[0];
    expect(await rowOf()).toMatchObject({ status: 'queued', error: null });

    await connections.reconnect(id);
    await waitFor(async () => ['sent', 'delivered'].includes((await rowOf()).status), 15_000);
    const outbound = (await api('GET', `/api/sandbox/instances/${id}/outbound`, keyA)).body.data;
    expect(outbound.map((sent: { to: string; text: string }) => [sent.to, sent.text])).toEqual([['5511912340000', 'Seu banho está marcado.']]);
  }, 40_000);

  it('a burst of sends to one person goes out in the order accepted, each as soon as the one before has left', async () => {
    const id = await connectedInstance('Burst', '5511987652222');
    const texts = Array.from({ length: 60 }, (_, index) => `Foto ${index + 1} do Rex no banho`);
    const started = performance.now();
    // All at once, as a shop's system posting an album would: most of them queue behind an earlier one.
    const accepted = await Promise.all(texts.map((text) => api('POST', '/api/whatsapp/send/text', keyA, { instanceId: id, to: '5511912342222', text })));
    expect(accepted.map((response) => response.status)).toEqual(texts.map(() => 202));
    const sentTexts = async () => (await api('GET', `/api/sandbox/instances/${id}/outbound`, keyA)).body.data.map((sent: { text: string }) => sent.text);
    await waitFor(async () => (await sentTexts()).length === texts.length, 30_000);
    const seconds = (performance.now() - started) / 1000;
    const inAcceptedOrder = await database().systemDb
      .select({ body: messages.body })
      .from(messages)
      .where(eq(messages.instanceId, id))
      .orderBy(messages.createdAt, messages.id);
    expect(await sentTexts()).toEqual(inAcceptedOrder.map((row) => row.body));
    // Waiting sends used to poll the database on a growing back-off, and a burst trickled out over many seconds.
    expect(seconds).toBeLessThan(4);
  }, 60_000);

  it('sends posted together share their storing, and each gets its own answer: 202, 404 or 409', async () => {
    const connected = await connectedInstance('Together', '5511987653333');
    const pairing = (await api('POST', '/api/whatsapp/instances', keyA, { name: 'Not yet paired', provider: 'sandbox' })).body.id as string;
    const other = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Shop B' } });
    const keyB = other.body.apiKey.key as string;
    const connectedB = await connectedInstance('B', '5511987655555', keyB);
    const targets = [connected, pairing, randomUUID(), connectedB];
    const posts = Array.from({ length: 40 }, (_, index) => ({ instanceId: targets[index % targets.length], to: `55119123${String(index).padStart(5, '0')}`, text: `Aviso ${index}` }));
    // Shop B's own sends arrive at the same time, to its own instance.
    const postsB = Array.from({ length: 10 }, (_, index) => ({ instanceId: connectedB, to: `55119124${String(index).padStart(5, '0')}`, text: `Aviso B ${index}` }));
    const storing = vi.spyOn(server.app.get(MessagesRepository), 'insertOutbound');

    const [answers, answersB] = await Promise.all([
      Promise.all(posts.map((body) => api('POST', '/api/whatsapp/send/text', keyA, body))),
      Promise.all(postsB.map((body) => api('POST', '/api/whatsapp/send/text', keyB, body))),
    ]);

    // Shop A's sends to shop B's instance are 404, as an unknown id: no shop sees another's instances.
    expect(answers.map((answer) => answer.status)).toEqual(posts.map((_, index) => [202, 409, 404, 404][index % 4]));
    expect(answers[1].body).toMatchObject({ code: 'instance_not_connected', details: { status: 'pairing' } });
    expect(answersB.map((answer) => answer.status)).toEqual(postsB.map(() => 202));
    // Fewer transactions than sends: they were stored together, each organization in runs of its own.
    expect(storing.mock.calls.length).toBeLessThan(posts.length + postsB.length);
    expect(storing.mock.calls.every(([organizationId, drafts]) => drafts.every((draft) => draft.body!.startsWith('Aviso B') === (organizationId !== orgA)))).toBe(true);
    storing.mockRestore();
    // Each accepted send got its own message id, and that row holds its own text, in its own organization.
    const storedOf = async (instanceId: string) =>
      database().systemDb.select({ id: messages.id, body: messages.body, organizationId: messages.organizationId }).from(messages).where(eq(messages.instanceId, instanceId));
    const acceptedOf = (responses: typeof answers, bodies: typeof posts) =>
      new Map(responses.flatMap((answer, index) => (answer.status === 202 ? [[answer.body.messageId as string, bodies[index].text] as const] : [])));
    expect(new Map((await storedOf(connected)).map((row) => [row.id, row.body]))).toEqual(acceptedOf(answers, posts));
    expect(new Map((await storedOf(connectedB)).map((row) => [row.id, row.body]))).toEqual(acceptedOf(answersB, postsB));
    expect((await storedOf(connectedB)).every((row) => row.organizationId === other.body.organization.id)).toBe(true);
    await waitFor(async () => (await api('GET', `/api/sandbox/instances/${connected}/outbound`, keyA)).body.data.length === 10, 15_000);
    await waitFor(async () => (await api('GET', `/api/sandbox/instances/${connectedB}/outbound`, keyB)).body.data.length === 10, 15_000);
  });

  it('a send stored behind an earlier one to the same person waits for it only while that one is still queued', async () => {
    const id = await connectedInstance('Behind', '5511987654444');
    const store = server.app.get(MessagesRepository);
    const draft = (text: string) => ({ id: randomUUID(), instanceId: id, remotePhone: '+5511912344444', origin: 'api' as const, type: 'text' as const, body: text, mediaRef: null, mediaMimetype: null });
    const [first, second, third] = [draft('um'), draft('dois'), draft('três')];
    // Two in one batch: the second is behind the first of its own batch.
    const together = await store.insertOutbound(orgA, [first, second]);
    expect([together.get(first.id), together.get(second.id)]).toEqual([
      { stored: true, waitsForEarlier: false },
      { stored: true, waitsForEarlier: true },
    ]);
    // A later batch sees both as earlier.
    expect((await store.insertOutbound(orgA, [third])).get(third.id)).toEqual({ stored: true, waitsForEarlier: true });
    expect(await store.stillWaitingForEarlier(orgA, [second.id, third.id])).toEqual(new Set([second.id, third.id]));

    // The earlier sends leave before the later ones' queue step looks again: nothing is left asleep behind them.
    // Each one leaving names the next in line, to be woken.
    expect(await store.markSent(orgA, first.id, 'WAID-FIRST', id)).toBe(second.id);
    expect(await store.stillWaitingForEarlier(orgA, [second.id, third.id])).toEqual(new Set([third.id]));
    expect(await store.markSent(orgA, second.id, 'WAID-SECOND', id)).toBe(third.id);
    expect(await store.stillWaitingForEarlier(orgA, [third.id])).toEqual(new Set());
    expect(await store.markSent(orgA, third.id, 'WAID-THIRD', id)).toBeNull();
  });

  it('a send that fails for good records why and names the next in line, as a sent one does', async () => {
    const id = await connectedInstance('Failed for good', '5511987656666');
    const store = server.app.get(MessagesRepository);
    const draft = (text: string) => ({ id: randomUUID(), instanceId: id, remotePhone: '+5511912346666', origin: 'api' as const, type: 'text' as const, body: text, mediaRef: null, mediaMimetype: null });
    const [first, second] = [draft('um'), draft('dois')];
    await store.insertOutbound(orgA, [first, second]);
    expect(await store.markFailed(orgA, first.id, 'recusado pelo WhatsApp')).toBe(second.id);
    const [row] = await database().systemDb.select({ status: messages.status, error: messages.error }).from(messages).where(eq(messages.id, first.id));
    expect(row).toEqual({ status: 'failed', error: 'recusado pelo WhatsApp' });
    expect(await store.stillWaitingForEarlier(orgA, [second.id])).toEqual(new Set());
    // Ended already: neither a second failure nor a late stamp changes it or names anyone.
    expect(await store.markFailed(orgA, first.id, 'de novo')).toBeNull();
    expect(await store.markSent(orgA, first.id, 'WAID-LATE', id)).toBeNull();
  });

  it('a check meeting a stamp under way waits for it and reads it sent; a stamp held up still finds a send stored meanwhile', async () => {
    const id = await connectedInstance('Stamp race', '5511987655555');
    const store = server.app.get(MessagesRepository);
    const draft = (to: string, text: string) => ({ id: randomUUID(), instanceId: id, remotePhone: to, origin: 'api' as const, type: 'text' as const, body: text, mediaRef: null, mediaMimetype: null });
    const settledWithin = async (promise: Promise<unknown>, ms: number) => Promise.race([promise.then(() => true), sleep(ms).then(() => false)]);
    const other = new pg.Client({ connectionString: testDatabase.url });
    await other.connect();
    try {
      // The first send's stamp has locked its row and not committed yet. The second's check must not answer
      // "still queued" from its snapshot (it would sleep, and the stamp's look for the next one could miss it):
      // it waits for the stamp and reads the first send gone.
      const [first, second] = [draft('+5511912345551', 'um'), draft('+5511912345551', 'dois')];
      await store.insertOutbound(orgA, [first, second]);
      await other.query('BEGIN');
      await other.query("UPDATE messages SET status = 'sent' WHERE id = $1", [first.id]);
      const check = store.findForSend(orgA, second.id);
      expect(await settledWithin(check, 300)).toBe(false);
      await other.query('COMMIT');
      expect((await check)?.waitsForEarlier).toBe(false);

      // A check that saw the third send queued still holds its row when the stamp starts: the stamp waits for it,
      // and a send stored meanwhile (committed after the stamp began) is the next in line it names.
      const third = draft('+5511912345552', 'três');
      await store.insertOutbound(orgA, [third]);
      await other.query('BEGIN');
      await other.query('SELECT 1 FROM messages WHERE id = $1 FOR SHARE', [third.id]);
      const stamp = store.markSent(orgA, third.id, 'WAID-STAMP-RACE', id);
      expect(await settledWithin(stamp, 300)).toBe(false);
      const [fourth] = await database()
        .systemDb.insert(messages)
        .values({ organizationId: orgA, instanceId: id, remotePhone: third.remotePhone, direction: 'outbound', origin: 'api', type: 'text', body: 'quatro', status: 'queued' })
        .returning({ id: messages.id });
      await other.query('COMMIT');
      expect(await stamp).toBe(fourth.id);
    } finally {
      await other.end();
    }
  });

  it('a refused pairing-code request leaves the stored phone number as it was; an issued code stores it', async () => {
    const id = await connectedInstance('Pareada', '5511987651111');
    const again = await api('POST', `/api/whatsapp/instances/${id}/pairing-code`, keyA, { phoneNumber: '5511987652222' });
    expect(again.status).toBe(409);
    expect((await api('GET', `/api/whatsapp/instances/${id}`, keyA)).body).toMatchObject({ status: 'connected', phoneNumber: '5511987651111' });
    expect(again.body).toMatchObject({ code: 'instance_already_connected', message: expect.stringContaining('already connected as 5511987651111') });

    // Not live (logged out): refused by the connection, not by the status check, and nothing is stored either.
    await api('POST', `/api/sandbox/instances/${id}/disconnect`, keyA, { statusCode: 401 });
    await waitForStatus(id, 'logged_out', 5000);
    const notLive = await api('POST', `/api/whatsapp/instances/${id}/pairing-code`, keyA, { phoneNumber: '5511987652222' });
    expect(notLive.status).toBe(409);
    expect(notLive.body.code).toBe('instance_not_connected');
    expect((await api('GET', `/api/whatsapp/instances/${id}`, keyA)).body.phoneNumber).toBe('5511987651111');

    const qrOnly = await api('POST', '/api/whatsapp/instances', keyA, { name: 'Sem número', provider: 'sandbox' });
    await waitFor(async () => (await statusOf(qrOnly.body.id)).qr !== null, 5000);
    const issued = await api('POST', `/api/whatsapp/instances/${qrOnly.body.id}/pairing-code`, keyA, { phoneNumber: '5511987653333' });
    expect(issued.status).toBe(200);
    expect(issued.body).toMatchObject({ phoneNumber: '5511987653333', pairingCode: expect.stringMatching(/^[1-9A-HJ-NP-TV-Z]{8}$/) });
  });

  it('on 401 (logged out) wipes the session and never reconnects', async () => {
    const id = await connectedInstance('Logout', '5511987650000');
    const store = server.app.get<AuthStateStore>(AUTH_STATE_STORE);
    expect(await store.exists({ organizationId: orgA, instanceId: id })).toBe(true);

    await api('POST', `/api/sandbox/instances/${id}/disconnect`, keyA, { statusCode: 401 });
    await waitForStatus(id, 'logged_out', 5000);
    expect(await store.exists({ organizationId: orgA, instanceId: id })).toBe(false);
    await sleep(1000);
    expect((await statusOf(id))).toMatchObject({ status: 'logged_out', live: false, lastDisconnectReason: 'logged out (401)' });

    // Pairing again, as the runbook says: a code needs a connection, which the answer says how to start.
    const refused = await api('POST', `/api/whatsapp/instances/${id}/pairing-code`, keyA, { phoneNumber: '5511987650000' });
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ code: 'instance_not_connected', details: { status: 'logged_out' } });
    expect(refused.body.message).toContain(`POST /api/whatsapp/instances/${id}/reconnect, then pair it`);
    expect((await api('POST', `/api/whatsapp/instances/${id}/reconnect`, keyA)).status).toBeLessThan(300);
    await waitFor(async () => (await statusOf(id)).qr !== null, 10_000);
    const code = await api('POST', `/api/whatsapp/instances/${id}/pairing-code`, keyA, { phoneNumber: '5511987650000' });
    expect(code.status, JSON.stringify(code.body)).toBe(200);
    await api('POST', `/api/sandbox/instances/${id}/pair`, keyA, {});
    await waitForStatus(id, 'connected', 20_000);
  });

  it('refuses oversized media with 413, media given twice with 400, and media URLs into the private network with 400', async () => {
    const list = await api('GET', '/api/whatsapp/instances', keyA);
    const connected = list.body.data.find((instance: { status: string }) => instance.status === 'connected');
    const big = Buffer.alloc(4096, 1).toString('base64');
    const tooBig = await api('POST', '/api/whatsapp/send/image', keyA, { instanceId: connected.id, to: '5511912345678', base64: big });
    expect(tooBig.status).toBe(413);
    expect(tooBig.body.code).toBe('media_too_large');
    const both = await api('POST', '/api/whatsapp/send/image', keyA, { instanceId: connected.id, to: '5511912345678', base64: PIXEL, url: 'http://127.0.0.1:1/x.png' });
    expect(both.status).toBe(400);
    // The cloud metadata service is not media: the server never fetches inside its own network for a caller.
    const metadata = await api('POST', '/api/whatsapp/send/image', keyA, { instanceId: connected.id, to: '5511912345678', url: 'http://169.254.169.254/latest/meta-data/' });
    expect(metadata.status).toBe(400);
    expect(metadata.body).toMatchObject({ code: 'invalid_media', message: expect.stringContaining('private or local address (169.254.169.254)') });
  });

  it('names the bad field: phone numbers, unknown fields, provider, status codes', async () => {
    const badPhone = await api('POST', '/api/whatsapp/instances', keyA, { name: 'x', phoneNumber: '+55 (11) 9876' });
    expect(badPhone.status).toBe(400);
    expect(badPhone.body.details[0].field).toBe('phoneNumber');
    const unknown = await api('POST', '/api/whatsapp/instances', keyA, { name: 'x', color: 'blue', provider: 'telegram' });
    expect(unknown.body.details.map((detail: { field: string }) => detail.field).sort()).toEqual(['color', 'provider']);
    const badTo = await api('POST', '/api/whatsapp/send/text', keyA, { instanceId: '00000000-0000-4000-8000-000000000000', to: 'banana', text: 'x' });
    expect(badTo.status).toBe(400);
    expect(badTo.body.details[0].field).toBe('to');
    const duplicate = await api('POST', '/api/whatsapp/instances', keyA, { name: 'Recepção', provider: 'sandbox' });
    expect(duplicate.status).toBe(409);
    // Names are trimmed first: spaces alone are no name, and spaces around one do not make another.
    const blank = await api('POST', '/api/whatsapp/instances', keyA, { name: '  ', provider: 'sandbox' });
    expect(blank.status).toBe(400);
    expect(blank.body).toMatchObject({ message: 'name must have 1 to 60 characters besides spaces at either end', details: [{ field: 'name' }] });
    const padded = await api('POST', '/api/whatsapp/instances', keyA, { name: ' Recepção ', provider: 'sandbox' });
    expect(padded.status).toBe(409);
  });

  it("keeps a conversation's history when the instance it came through is deleted", async () => {
    const id = await connectedInstance('Old number', '5511977770001');
    const customer = '5511977770002';
    await api('POST', `/api/sandbox/instances/${id}/inbound`, keyA, { from: customer, text: 'oi', pushName: 'Bia' });
    const conversationOfCustomer = async () => {
      const contacts = (await api('GET', `/api/contacts?q=${customer}`, keyA)).body.data as { id: string }[];
      if (contacts.length === 0) return null;
      return ((await api('GET', `/api/conversations?contactId=${contacts[0].id}`, keyA)).body.data as { id: string }[])[0] ?? null;
    };
    const history = async (conversationId: string) =>
      (await api('GET', `/api/conversations/${conversationId}/messages`, keyA)).body.data as { direction: string; text: string | null }[];
    let conversation: { id: string } | null = null;
    await waitFor(async () => {
      conversation = await conversationOfCustomer();
      return conversation !== null && (await history(conversation.id)).some((message) => message.direction === 'outbound');
    }, 20_000);
    const before = await history(conversation!.id);

    expect((await api('DELETE', `/api/whatsapp/instances/${id}`, keyA)).status).toBe(204);
    const after = await history(conversation!.id);
    expect(after).toEqual(before);
    expect(after.map((message) => message.text)).toContain('oi');
  });

  it('deletes an instance: logs out, removes its session, and answers 404 afterwards', async () => {
    const created = await api('POST', '/api/whatsapp/instances', keyA, { name: 'Temp', provider: 'sandbox' });
    const id = created.body.id as string;
    await waitFor(async () => (await statusOf(id)).qr !== null, 5000);
    const removed = await api('DELETE', `/api/whatsapp/instances/${id}`, keyA);
    expect(removed.status).toBe(204);
    expect((await api('GET', `/api/whatsapp/instances/${id}`, keyA)).status).toBe(404);
    const store = server.app.get<AuthStateStore>(AUTH_STATE_STORE);
    expect(await store.exists({ organizationId: orgA, instanceId: id })).toBe(false);
  });
});
