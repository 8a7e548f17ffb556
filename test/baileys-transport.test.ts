import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptedStream, proto, type WAMessage, type WASocket } from '@whiskeysockets/baileys';
import { and, eq } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { messages } from '../src/database/schema.js';
import { FileAuthStateStore } from '../src/session/file-auth-state.store.js';
import { BaileysTransport, closeCodeMismatches, DisconnectReason } from '../src/whatsapp/transport/baileys.transport.js';
import { CloseCode, type InboundWhatsAppMessage, type TransportEvent } from '../src/whatsapp/transport/whatsapp-transport.js';
import { sleep, waitFor } from './support/processes.js';

/**
 * The sockets the adapter makes: Baileys' own makeWASocket, only recorded, so a test can emit on a socket's event
 * emitter what Baileys' receive path (messages-recv.js) emits. No local server gets that far: Baileys checks the
 * server's certificate against WhatsApp's own key before it logs in.
 */
const baileysSockets = vi.hoisted(() => [] as WASocket[]);
vi.mock('@whiskeysockets/baileys', async (importOriginal) => {
  const baileys = await importOriginal<typeof import('@whiskeysockets/baileys')>();
  const makeWASocket: typeof baileys.makeWASocket = (config) => {
    const socket = baileys.makeWASocket(config);
    baileysSockets.push(socket);
    return socket;
  };
  return { ...baileys, makeWASocket, default: makeWASocket };
});

/** A message as Baileys builds it (a WebMessageInfo, its timestamp a Long), sent at `sentAt` seconds. */
function waMessage(fields: Omit<WAMessage, 'messageTimestamp'>, sentAt = Math.floor(Date.now() / 1000) - 600): WAMessage {
  return proto.WebMessageInfo.fromObject({ ...fields, messageTimestamp: sentAt }) as WAMessage;
}
const chatOf = (phone: string) => `${phone}@s.whatsapp.net`;

/** The little of `ws` this test uses: the package ships no types and the project adds none for it. */
interface TestSocket {
  once(event: 'message', listener: (data: Buffer) => void): void;
  close(code?: number): void;
  terminate(): void;
}
interface TestServer {
  on(event: 'connection', listener: (socket: TestSocket) => void): void;
  once(event: 'listening', listener: () => void): void;
  address(): AddressInfo;
  clients: Set<TestSocket>;
  close(callback: () => void): void;
}
const { WebSocketServer } = createRequire(import.meta.url)('ws') as {
  WebSocketServer: new (options: { host: string; port: number }) => TestServer;
};

/** A stand-in for WhatsApp's server on 127.0.0.1 that treats each connection as `behaviour` says. */
async function startServer(behaviour: (socket: TestSocket) => void): Promise<{ url: string; frames: () => number; stop: () => Promise<void> }> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  let frames = 0;
  server.on('connection', (socket) => {
    socket.once('message', () => frames++);
    behaviour(socket);
  });
  return {
    url: `ws://127.0.0.1:${server.address().port}`,
    frames: () => frames,
    stop: () =>
      new Promise<void>((resolve) => {
        server.clients.forEach((socket) => socket.terminate());
        server.close(() => resolve());
      }),
  };
}

let root: string;
let store: FileAuthStateStore;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const servers: { stop: () => Promise<void> }[] = [];

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'oxy-baileys-'));
  store = await FileAuthStateStore.create(root, join(root, 'fallback'), { backups: null });
  process.on('unhandledRejection', onUnhandled);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
});
afterAll(() => {
  process.off('unhandledRejection', onUnhandled);
  rmSync(root, { recursive: true, force: true });
});

/** Connects the real Baileys adapter to `url` with a fresh session; resolves `closed` on the first close event. */
async function connectTo(url: string) {
  const ref = { organizationId: randomUUID(), instanceId: randomUUID() };
  const session = await store.open(ref);
  const transport = new BaileysTransport(pino({ level: 'silent' }), { waWebSocketUrl: url, connectTimeoutMs: 5_000 });
  const events: TransportEvent[] = [];
  let onClose: (event: Extract<TransportEvent, { type: 'close' }>) => void = () => undefined;
  const closed = new Promise<Extract<TransportEvent, { type: 'close' }>>((resolve) => (onClose = resolve));
  const connection = await transport.connect({
    ref,
    session,
    sentText: async () => null,
    listener: (event) => {
      events.push(event);
      if (event.type === 'close') onClose(event);
    },
  });
  return { connection, events, closed };
}

const closeCodes: number[] = Object.values(CloseCode);

describe('BaileysTransport against a local WebSocket server', () => {
  it('reports a close with a WhatsApp close code when the server hangs up at once', async () => {
    const server = await startServer((socket) => socket.close());
    servers.push(server);
    const { closed, events } = await connectTo(server.url);

    const close = await closed;
    expect(closeCodes).toContain(close.statusCode);
    expect(close.statusCode).toBe(CloseCode.connectionClosed);
    expect(close.message).toEqual(expect.any(String));
    await sleep(100);
    expect(events.filter((event) => event.type === 'close')).toHaveLength(1);
    expect(events.some((event) => event.type === 'open' || event.type === 'qr')).toBe(false);
    expect(unhandled).toEqual([]);
  });

  it('reports a close when the server hangs up after the client hello, and refuses to send afterwards', async () => {
    const server = await startServer((socket) => socket.once('message', () => socket.close()));
    servers.push(server);
    const { closed, connection } = await connectTo(server.url);

    const close = await closed;
    expect(server.frames()).toBe(1); // Baileys did start the Noise handshake with us
    expect(closeCodes).toContain(close.statusCode);
    await expect(connection.send('5511987654321', { kind: 'text', text: 'oi' })).rejects.toThrow(/closed/);
    await connection.close(); // harmless on a socket that already ended
    await sleep(100);
    expect(unhandled).toEqual([]);
  });

  it('close() ends the socket quietly: no close event, nothing unhandled', async () => {
    const server = await startServer(() => undefined); // accepts and never answers
    servers.push(server);
    const { connection, events } = await connectTo(server.url);
    await sleep(200);

    await connection.close();
    await sleep(100);
    expect(events).toEqual([]);
    expect(unhandled).toEqual([]);
  });

  it("passes on the messages WhatsApp delivers when the socket comes back after being offline ('append'), as it does live ones", async () => {
    const server = await startServer(() => undefined);
    servers.push(server);
    const { connection, events } = await connectTo(server.url);
    const socket = baileysSockets.at(-1)!;

    const customer = '5511987650001';
    socket.ev.emit('messages.upsert', {
      type: 'notify',
      messages: [waMessage({ key: { remoteJid: chatOf(customer), id: 'LIVE0001', fromMe: false }, message: { conversation: 'oi' } })],
    });
    socket.ev.emit('messages.upsert', {
      type: 'append',
      messages: [waMessage({ key: { remoteJid: chatOf(customer), id: 'OFFLINE0001', fromMe: false }, message: { conversation: 'escrevi de noite' } }, 1_764_000_000)],
    });

    const delivered = events.flatMap((event) => (event.type === 'messages' ? event.messages : []));
    expect(delivered.map((message) => [message.key.id, message.message?.conversation, message.messageTimestamp])).toEqual([
      ['LIVE0001', 'oi', expect.any(Number)],
      ['OFFLINE0001', 'escrevi de noite', 1_764_000_000],
    ]);
    await connection.close();
  });

  it("names the phone of a sender WhatsApp addressed by LID alone, from the session's LID mappings, and keeps the order of delivery", async () => {
    const server = await startServer(() => undefined);
    servers.push(server);
    const { connection, events } = await connectTo(server.url);
    const socket = baileysSockets.at(-1)!;
    // What Baileys stores when an earlier message came with both addresses (or a contact sync named them).
    await socket.signalRepository.lidMapping.storeLIDPNMappings([
      { lid: '246810121416@lid', pn: chatOf('5511987650002') },
      { lid: '135791113151@lid', pn: chatOf('5511987650003') },
    ]);

    const group = '120363000000000001@g.us';
    socket.ev.emit('messages.upsert', {
      type: 'notify',
      messages: [
        waMessage({ key: { remoteJid: '246810121416@lid', id: 'LIDONLY01', fromMe: false }, message: { conversation: 'oi' } }),
        waMessage({ key: { remoteJid: group, participant: '135791113151@lid', id: 'LIDGROUP01', fromMe: false }, message: { conversation: 'bom dia' } }),
        waMessage({ key: { remoteJid: '999999999999@lid', id: 'LIDUNKNOWN', fromMe: false }, message: { conversation: 'quem sou eu' } }),
      ],
    });
    // Delivered after the batch that waits for lookups, with nothing to look up: it still comes second.
    socket.ev.emit('messages.upsert', {
      type: 'notify',
      messages: [waMessage({ key: { remoteJid: chatOf('5511987650004'), id: 'PHONE0001', fromMe: false }, message: { conversation: 'olá' } })],
    });

    await waitFor(() => events.filter((event) => event.type === 'messages').length === 2, 5_000);
    const delivered = events.flatMap((event) => (event.type === 'messages' ? event.messages : []));
    expect(delivered.map(({ key }) => [key.id, key.remoteJidAlt ?? key.participantAlt ?? null])).toEqual([
      ['LIDONLY01', '5511987650002:0@s.whatsapp.net'],
      ['LIDGROUP01', '5511987650003:0@s.whatsapp.net'],
      ['LIDUNKNOWN', null],
      ['PHONE0001', null],
    ]);
    await connection.close();
  });

  /** A stand-in for WhatsApp's media CDN on 127.0.0.1: `serve` answers each request; counts the connections still open. */
  async function startCdn(serve: (response: ServerResponse) => void) {
    let open = 0;
    const cdn = createServer((request, response) => {
      open += 1;
      request.socket.once('close', () => (open -= 1));
      serve(response);
    });
    await new Promise<void>((resolve) => cdn.listen(0, '127.0.0.1', resolve));
    servers.push({
      stop: () =>
        new Promise<void>((resolve) => {
          cdn.closeAllConnections();
          cdn.close(() => resolve());
        }),
    });
    return { url: `http://127.0.0.1:${(cdn.address() as AddressInfo).port}/v/t62/media.enc`, open: () => open };
  }

  /** A voice note as WhatsApp's CDN keeps it: encrypted by Baileys' own upload path (AES-CBC, then the MAC). */
  async function encryptedVoiceNote(plain: Buffer) {
    const encrypted = await encryptedStream(plain, 'audio');
    try {
      return { file: readFileSync(encrypted.encFilePath), mediaKey: encrypted.mediaKey };
    } finally {
      rmSync(encrypted.encFilePath, { force: true });
    }
  }

  const voiceNote = (url: string, mediaKey: Uint8Array, id = 'VOICE00001') =>
    waMessage({ key: { remoteJid: chatOf('5511987650005'), id, fromMe: false }, message: { audioMessage: { url, mediaKey, mimetype: 'audio/ogg; codecs=opus', fileLength: 4096 } } }) as InboundWhatsAppMessage;

  it("downloads and decrypts a customer's voice note as WhatsApp stores it, and refuses one whose bytes were changed", async () => {
    const server = await startServer(() => undefined);
    servers.push(server);
    const plain = randomBytes(100_000);
    const { file, mediaKey } = await encryptedVoiceNote(plain);
    let served = file;
    const cdn = await startCdn((response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.end(served);
    });
    const { connection } = await connectTo(server.url);
    expect(await connection.downloadMedia(voiceNote(cdn.url, mediaKey), { maxBytes: 1024 * 1024, timeoutMs: 10_000 })).toEqual(plain);

    served = Buffer.from(file);
    served[500] ^= 0xff;
    await expect(connection.downloadMedia(voiceNote(cdn.url, mediaKey), { maxBytes: 1024 * 1024, timeoutMs: 10_000 })).rejects.toThrow("the media's MAC does not match");
    await connection.close();
  });

  it('stops downloading a media past maxBytes, whatever size the message declares, instead of holding it all in memory', async () => {
    const server = await startServer(() => undefined);
    servers.push(server);
    // 8 MiB for a document that says it has 1 KiB.
    let served = 0;
    const cdn = await startCdn((response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024);
      const write = () => {
        while (served < 8 * 1024 * 1024) {
          served += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', write);
        }
        response.end();
      };
      write();
    });
    const { connection } = await connectTo(server.url);
    const document = waMessage({
      key: { remoteJid: chatOf('5511987650005'), id: 'BIGDOC0001', fromMe: false },
      message: { documentMessage: { url: cdn.url, mediaKey: randomBytes(32), mimetype: 'application/pdf', fileLength: 1024 } },
    });

    await expect(connection.downloadMedia(document as InboundWhatsAppMessage, { maxBytes: 1024 * 1024, timeoutMs: 30_000 })).rejects.toThrow('media is larger than 1048576 bytes');
    // The rest is not fetched: the connection is closed.
    await waitFor(() => cdn.open() === 0, 5_000);
    expect(served).toBeLessThan(8 * 1024 * 1024);
    await connection.close();
  });

  it('gives up on a media download the CDN stops sending once the timeout has passed, and closes the connection', async () => {
    const server = await startServer(() => undefined);
    servers.push(server);
    // The headers and the first bytes, then nothing more.
    const cdn = await startCdn((response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream' });
      response.write(Buffer.alloc(1024));
    });
    const { connection } = await connectTo(server.url);

    const started = Date.now();
    await expect(connection.downloadMedia(voiceNote(cdn.url, randomBytes(32)), { maxBytes: 1024 * 1024, timeoutMs: 500 })).rejects.toThrow('the media did not arrive within 500 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
    await waitFor(() => cdn.open() === 0, 5_000);
    await connection.close();
  });

  it('fails a download whose connection the CDN drops halfway, and the process goes on', async () => {
    const server = await startServer(() => undefined);
    servers.push(server);
    const { file, mediaKey } = await encryptedVoiceNote(randomBytes(200_000));
    const cdn = await startCdn((response) => {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(file.length) });
      response.write(file.subarray(0, 50_000), () => response.socket?.destroy());
    });
    const { connection } = await connectTo(server.url);

    await expect(connection.downloadMedia(voiceNote(cdn.url, mediaKey), { maxBytes: 1024 * 1024, timeoutMs: 10_000 })).rejects.toThrow();
    await sleep(200);
    // Before, the dropped response stream's error had no listener: an uncaught exception, which stops a server.
    expect(unhandled).toEqual([]);
    await connection.close();
  });

  it('close() right after connect, before the WebSocket is even open, is just as quiet', async () => {
    const server = await startServer(() => undefined);
    servers.push(server);
    const { connection, events } = await connectTo(server.url);

    await connection.close();
    await sleep(200);
    expect(events).toEqual([]);
    expect(unhandled).toEqual([]);
  });
});

describe('CloseCode', () => {
  it("matches Baileys' DisconnectReason name for name", () => {
    expect(closeCodeMismatches()).toEqual([]);
    const baileysCodes = Object.fromEntries(Object.entries(DisconnectReason).filter(([, code]) => typeof code === 'number'));
    expect(baileysCodes).toEqual({ ...CloseCode });
  });
});

describe('the connection manager on the real Baileys adapter', () => {
  it('records the close code Baileys reports and schedules a reconnect with backoff', async () => {
    const { request, startTestApp } = await import('./support/app.js');
    const { waitFor } = await import('./support/processes.js');
    const server = await startServer((socket) => socket.close());
    servers.push(server);
    const admin = 'admin-key-for-baileys-manager-test-01';
    const app = await startTestApp({ WHATSAPP_WS_URL: server.url, ADMIN_API_KEY: admin });
    try {
      const organization = await request(app.baseUrl, 'POST', '/api/admin/organizations', { token: admin, body: { name: 'Baileys' } });
      const key = organization.body.apiKey.key as string;
      const created = await request(app.baseUrl, 'POST', '/api/whatsapp/instances', { token: key, body: { name: 'Real' } });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const status = async () => (await request(app.baseUrl, 'GET', `/api/whatsapp/instances/${id}/status`, { token: key })).body;
      await waitFor(async () => (await status()).status === 'reconnecting', 15_000);
      const after = await status();
      const knownCodes = Object.values(CloseCode).map(String);
      expect(after.reconnectAttempts).toBe(1);
      expect(knownCodes).toContain(/\((\d+)\)/.exec(after.lastDisconnectReason)?.[1]);
    } finally {
      await app.close();
    }
  }, 60_000);
});

describe("a customer's message WhatsApp delivers after the socket was offline, on the real Baileys adapter", () => {
  it('is stored and answered; the newsletter post, missed call and own send delivered with it are not answered', async () => {
    const { startChattingApp } = await import('./support/chatting-app.js');
    const { createChattingShop } = await import('./support/shop.js');
    const { request } = await import('./support/app.js');
    // Accepts and never answers: the socket stays connecting, which is when Baileys emits what it was sent while offline.
    const server = await startServer(() => undefined);
    servers.push(server);
    const admin = 'admin-key-for-baileys-append-test-01';
    const app = await startChattingApp('baileys_append', { WHATSAPP_WS_URL: server.url, ADMIN_API_KEY: admin });
    try {
      const shop = await createChattingShop(app.baseUrl, admin);
      const socketsBefore = baileysSockets.length;
      const created = await request(app.baseUrl, 'POST', '/api/whatsapp/instances', { token: shop.key, body: { name: 'Real' } });
      expect(created.status).toBe(201);
      const instanceId = created.body.id as string;
      await waitFor(() => baileysSockets.length > socketsBefore, 10_000);

      const customer = '5511987650002';
      const caller = '5511987650003';
      const ownChat = '5511987650004';
      // One replay, as messages-recv.js builds each kind: an offline message, a newsletter's plaintext post, a missed
      // call (a stub with no content) and our own send echoed back.
      baileysSockets.at(-1)!.ev.emit('messages.upsert', {
        type: 'append',
        messages: [
          waMessage({ key: { remoteJid: chatOf(customer), id: 'OFFLINE0002', fromMe: false }, message: { conversation: 'Oi, vocês abrem amanhã?' }, pushName: 'Ana' }),
          waMessage({ key: { remoteJid: '120363000000000001@newsletter', id: 'NEWS0001', fromMe: false }, message: { conversation: 'Promoção de banho' } }),
          waMessage({ key: { remoteJid: chatOf(caller), id: 'CALL0001', fromMe: false }, messageStubType: proto.WebMessageInfo.StubType.CALL_MISSED_VOICE }),
          waMessage({ key: { remoteJid: chatOf(ownChat), id: 'OWN0001', fromMe: true }, message: { conversation: 'Seu banho está confirmado' } }),
        ],
      });

      const rows = (direction: 'inbound' | 'outbound') =>
        app.db.systemDb
          .select()
          .from(messages)
          .where(and(eq(messages.instanceId, instanceId), eq(messages.direction, direction)));
      await waitFor(async () => (await rows('outbound')).length > 0, 20_000);
      await sleep(1200); // long enough for a reply to anything else to show up, were there one

      expect(await rows('inbound')).toEqual([
        expect.objectContaining({ waMessageId: 'OFFLINE0002', remotePhone: `+${customer}`, body: 'Oi, vocês abrem amanhã?', pushName: 'Ana', status: 'processed' }),
      ]);
      // Queued: the socket never opens here; the answer goes out once the instance is connected.
      const replies = await rows('outbound');
      expect(replies).toEqual(replies.map(() => expect.objectContaining({ remotePhone: `+${customer}`, status: 'queued' })));
      expect(replies.map((reply) => reply.body).join('\n')).toContain('Pet Shop Teste');
    } finally {
      await app.close();
    }
  }, 60_000);
});
