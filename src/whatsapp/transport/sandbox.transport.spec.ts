import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SessionRef } from '../../session/auth-state-store.js';
import { FileAuthStateStore } from '../../session/file-auth-state.store.js';
import { SandboxStateException, SandboxTransport } from './sandbox.transport.js';
import type { TransportEvent, WhatsAppConnection } from './whatsapp-transport.js';

let root: string;
let store: FileAuthStateStore;
beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'oxy-sandbox-'));
  store = await FileAuthStateStore.create(root, join(root, 'fallback'), { backups: null });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const newRef = (): SessionRef => ({ organizationId: randomUUID(), instanceId: randomUUID() });

/** Connects with a session opened from the file store, saving creds on creds-update like the manager will. */
async function connect(sandbox: SandboxTransport, ref: SessionRef) {
  const session = await store.open(ref);
  const events: TransportEvent[] = [];
  const connection: WhatsAppConnection = await sandbox.connect({
    ref,
    session,
    sentText: async () => null,
    listener: (event) => {
      events.push(event);
      if (event.type === 'creds-update') void session.saveCreds();
    },
  });
  const ofType = <T extends TransportEvent['type']>(type: T) =>
    events.filter((event): event is Extract<TransportEvent, { type: T }> => event.type === type);
  return { session, connection, events, ofType };
}

/** Pairs an instance and reconnects it, returning the open connection. */
/** vi.waitFor with room for a loaded machine: its 1 s default failed once while the unit files ran side by side. */
function eventually<T>(assertion: () => T | Promise<T>): Promise<T> {
  return vi.waitFor(assertion, { timeout: 10_000 });
}

async function pairedConnection(sandbox: SandboxTransport, ref: SessionRef, phone = '5511987654321') {
  const first = await connect(sandbox, ref);
  await eventually(() => expect(first.ofType('qr')).toHaveLength(1));
  sandbox.pair(ref.instanceId, phone);
  await eventually(() => expect(first.ofType('close')).toHaveLength(1));
  const second = await connect(sandbox, ref);
  await eventually(() => expect(second.ofType('open')).toHaveLength(1));
  return second;
}

describe('SandboxTransport', () => {
  it('shows a QR first when the creds are not registered, and a new one every interval until paired', async () => {
    const sandbox = new SandboxTransport({ qrIntervalMs: 20 });
    const { events, ofType, connection } = await connect(sandbox, newRef());

    expect(events).toEqual([]); // nothing before the caller holds the connection
    await eventually(() => expect(ofType('qr').length).toBeGreaterThanOrEqual(2));
    const [first, second] = ofType('qr');
    expect(first?.qr).toMatch(/^https:\/\/wa\.me\/settings\/linked_devices#2@[^,]+(,[^,]+){4}$/);
    expect(second?.qr).not.toBe(first?.qr);
    expect(events.every((event) => event.type === 'qr')).toBe(true);
    await connection.close();
  });

  it('gives 8-character pairing codes of uppercase letters and digits', async () => {
    const sandbox = new SandboxTransport();
    const { connection } = await connect(sandbox, newRef());
    const codes = await Promise.all([1, 2, 3].map(() => connection.requestPairingCode('+55 11 98765-4321')));
    for (const code of codes) expect(code).toMatch(/^[A-Z0-9]{8}$/);
    expect(new Set(codes).size).toBe(3);
    await connection.close();
  });

  it('pairs like WhatsApp: creds registered, creds-update, then close 515; the phone comes from the pairing code request', async () => {
    const sandbox = new SandboxTransport();
    const ref = newRef();
    const { session, connection, events, ofType } = await connect(sandbox, ref);
    await eventually(() => expect(ofType('qr')).toHaveLength(1));
    await connection.requestPairingCode('5511912345678');

    expect(sandbox.pair(ref.instanceId)).toBe('5511912345678');
    expect(session.state.creds).toMatchObject({ registered: true, me: { id: '5511912345678:1@s.whatsapp.net', name: 'Sandbox' } });
    await eventually(() => expect(ofType('close')).toHaveLength(1));
    expect(events.map((event) => event.type)).toEqual(['qr', 'creds-update', 'close']);
    expect(ofType('close')[0]).toMatchObject({ statusCode: 515 });
    expect(sandbox.hasLiveConnection(ref.instanceId)).toBe(false);
  });

  it('opens with the phone number when reconnecting with registered creds (also after reopening the session)', async () => {
    const sandbox = new SandboxTransport();
    const ref = newRef();
    const paired = await pairedConnection(sandbox, ref, '5521999990000');
    expect(paired.ofType('open')).toEqual([{ type: 'open', phoneNumber: '5521999990000' }]);
    expect(paired.ofType('qr')).toEqual([]);
    await paired.connection.close();

    const restarted = await connect(new SandboxTransport(), ref); // a new process: creds come from the store
    await eventually(() => expect(restarted.ofType('open')).toEqual([{ type: 'open', phoneNumber: '5521999990000' }]));
    await restarted.connection.close();
  });

  it('delivers an inbound message as one Baileys-shaped notify message', async () => {
    const sandbox = new SandboxTransport();
    const ref = newRef();
    const { ofType, connection } = await pairedConnection(sandbox, ref);

    const messageId = sandbox.inbound(ref.instanceId, { from: '+5511911112222', text: 'Oi, tem horário amanhã?', pushName: 'Ana' });
    expect(messageId).toMatch(/^3EB0[0-9A-F]{18}$/);
    const [event] = ofType('messages');
    expect(event?.messages).toEqual([
      {
        key: { remoteJid: '5511911112222@s.whatsapp.net', fromMe: false, id: messageId },
        message: { conversation: 'Oi, tem horário amanhã?' },
        messageTimestamp: expect.any(Number),
        pushName: 'Ana',
      },
    ]);
    expect(Math.abs(Number(event?.messages[0]?.messageTimestamp) - Date.now() / 1000)).toBeLessThan(5);
    expect(sandbox.inbound(ref.instanceId, { from: '5511911112222', text: 'de novo', messageId: 'ABC123' })).toBe('ABC123');
    await connection.close();
  });

  it('records what is sent and follows each send with a delivered receipt', async () => {
    const sandbox = new SandboxTransport({ receiptDelayMs: 1, readReceipts: true });
    const ref = newRef();
    const { connection, ofType } = await pairedConnection(sandbox, ref);

    const text = await connection.send('5511911112222', { kind: 'text', text: 'Temos sim, às 10h.' });
    const image = await connection.send('+55 11 91111-2222', {
      kind: 'image',
      data: Buffer.alloc(1234),
      mimetype: 'image/jpeg',
      caption: 'Tabela de preços',
    });
    const audio = await connection.send('5511911112222', { kind: 'audio', data: Buffer.alloc(99), mimetype: 'audio/ogg; codecs=opus', ptt: true });
    await connection.sendPresence('5511911112222', 'composing');

    expect(sandbox.outbound(ref.instanceId)).toMatchObject([
      { to: '5511911112222', kind: 'text', text: 'Temos sim, às 10h.', bytes: null, messageId: text.messageId },
      { to: '5511911112222', kind: 'image', text: 'Tabela de preços', bytes: 1234, mimetype: 'image/jpeg', messageId: image.messageId },
      { to: '5511911112222', kind: 'audio', text: null, bytes: 99, ptt: true, messageId: audio.messageId },
    ]);
    expect(sandbox.presences(ref.instanceId)).toMatchObject([{ to: '5511911112222', presence: 'composing' }]);

    await eventually(() => expect(ofType('receipts')).toHaveLength(6));
    const receipts = ofType('receipts').flatMap((event) => event.updates);
    expect(receipts.filter((update) => update.status === 'delivered').map((update) => update.messageId)).toEqual([
      text.messageId,
      image.messageId,
      audio.messageId,
    ]);
    expect(receipts.findIndex((update) => update.messageId === text.messageId && update.status === 'delivered')).toBeLessThan(
      receipts.findIndex((update) => update.messageId === text.messageId && update.status === 'read'),
    );
    expect(sandbox.outbound(ref.instanceId).map((record) => record.status)).toEqual(['read', 'read', 'read']);
    await connection.close();
  });

  it('takes a repeated message id as the same message, and remembers every send across a restart of the server', async () => {
    const journal = mkdtempSync(join(tmpdir(), 'oxy-sandbox-journal-'));
    try {
      const ref = newRef();
      const before = new SandboxTransport({ receiptDelayMs: 1, journalDirectory: journal });
      const first = await pairedConnection(before, ref);
      const sent = await first.connection.send('5511911112222', { kind: 'text', text: 'Oi!' }, { messageId: '3EB0AAAA' });
      expect(sent.messageId).toBe('3EB0AAAA');
      // A retry with the same id: acknowledged again, not shown to the customer twice.
      expect(await first.connection.send('5511911112222', { kind: 'text', text: 'Oi!' }, { messageId: '3EB0AAAA' })).toEqual(sent);
      await eventually(() => expect(first.ofType('receipts').flatMap((event) => event.updates)).toHaveLength(2));
      expect(before.outbound(ref.instanceId).map((record) => record.messageId)).toEqual(['3EB0AAAA']);

      // The server process dies (a new transport, as after a restart); WhatsApp still knows what it delivered.
      const after = new SandboxTransport({ receiptDelayMs: 1, journalDirectory: journal });
      const second = await connect(after, ref);
      await eventually(() => expect(second.ofType('open')).toHaveLength(1));
      await second.connection.send('5511911112222', { kind: 'text', text: 'Oi!' }, { messageId: '3EB0AAAA' });
      await second.connection.send('5511911112222', { kind: 'text', text: 'Tudo bem?' }, { messageId: '3EB0BBBB' });
      expect(after.outbound(ref.instanceId).map((record) => [record.messageId, record.text])).toEqual([
        ['3EB0AAAA', 'Oi!'],
        ['3EB0BBBB', 'Tudo bem?'],
      ]);
      await second.connection.close();
    } finally {
      rmSync(journal, { recursive: true, force: true });
    }
  });

  it('remembers only the latest sends by id, and keeps its journal to about that many across restarts', async () => {
    const journal = mkdtempSync(join(tmpdir(), 'oxy-sandbox-journal-'));
    try {
      const ref = newRef();
      const options = { receiptDelayMs: 1, journalDirectory: journal, sentIdsKept: 10 };
      const before = new SandboxTransport(options);
      const { connection } = await pairedConnection(before, ref);
      for (let index = 0; index < 45; index += 1) {
        await connection.send('5511911112222', { kind: 'text', text: `Mensagem ${index}` }, { messageId: `3EB0${String(index).padStart(4, '0')}` });
      }
      await connection.close();
      const lines = readFileSync(join(journal, `${ref.instanceId}.outbound.jsonl`), 'utf8').trim().split('\n');
      // Cut back to the latest 10 each time it passed 20: never more than twice the ids kept.
      expect(lines.length).toBeLessThanOrEqual(20);
      expect(JSON.parse(lines.at(-1)!).messageId).toBe('3EB00044');

      const after = new SandboxTransport(options);
      const second = await connect(after, ref);
      await eventually(() => expect(second.ofType('open')).toHaveLength(1));
      // A recent id is still the same message; one from 40 sends ago is forgotten, as WhatsApp would.
      await second.connection.send('5511911112222', { kind: 'text', text: 'Mensagem 44' }, { messageId: '3EB00044' });
      await second.connection.send('5511911112222', { kind: 'text', text: 'Mensagem 4' }, { messageId: '3EB00004' });
      const sent = after.outbound(ref.instanceId).map((record) => record.messageId);
      expect(sent.filter((id) => id === '3EB00044')).toHaveLength(1);
      expect(sent.at(-1)).toBe('3EB00004');
      await second.connection.close();
    } finally {
      rmSync(journal, { recursive: true, force: true });
    }
  });

  it('acknowledges an inbound message only once the listener has handled it, and not when it failed', async () => {
    const sandbox = new SandboxTransport();
    const ref = newRef();
    const session = await store.open(ref);
    let handled = 0;
    let opened = false;
    let failNext = false;
    const listener = async (event: TransportEvent) => {
      if (event.type === 'creds-update') await session.saveCreds();
      if (event.type === 'open') opened = true;
      if (event.type !== 'messages') return;
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (failNext) throw new Error('could not store');
      handled += 1;
    };
    await sandbox.connect({ ref, session, sentText: async () => null, listener });
    await new Promise((resolve) => setTimeout(resolve, 10));
    sandbox.pair(ref.instanceId, '5511987654321');
    await eventually(() => expect(sandbox.hasLiveConnection(ref.instanceId)).toBe(false));
    const connection = await sandbox.connect({ ref, session, sentText: async () => null, listener });
    await eventually(() => expect(opened).toBe(true));

    expect(await sandbox.inboundAcknowledged(ref.instanceId, { from: '5511911112222', text: 'oi', messageId: 'M1' })).toBe('M1');
    expect(handled).toBe(1);
    failNext = true;
    await expect(sandbox.inboundAcknowledged(ref.instanceId, { from: '5511911112222', text: 'oi', messageId: 'M2' })).rejects.toThrow('could not store');
    expect(handled).toBe(1);
    await connection.close();
  });

  it('refuses to send before pairing and after the connection ended, saying why', async () => {
    const sandbox = new SandboxTransport();
    const ref = newRef();
    const unpaired = await connect(sandbox, ref);
    await expect(unpaired.connection.send('5511911112222', { kind: 'text', text: 'oi' })).rejects.toThrow(/not logged in yet/);
    await unpaired.connection.close();
    await expect(unpaired.connection.send('5511911112222', { kind: 'text', text: 'oi' })).rejects.toThrow(/is closed/);
    expect(() => sandbox.inbound(ref.instanceId, { from: '5511911112222', text: 'oi' })).toThrow(SandboxStateException);
    expect(unpaired.events.filter((event) => event.type !== 'qr')).toEqual([]); // close() reports nothing
  });

  it('disconnect(408) closes the socket with 408 and nothing is emitted after it', async () => {
    const sandbox = new SandboxTransport({ receiptDelayMs: 20 });
    const ref = newRef();
    const { connection, events, ofType } = await pairedConnection(sandbox, ref);
    await connection.send('5511911112222', { kind: 'text', text: 'oi' });

    sandbox.disconnect(ref.instanceId, 408);
    expect(ofType('close')).toEqual([{ type: 'close', statusCode: 408, message: expect.any(String) }]);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(events.at(-1)?.type).toBe('close'); // the pending receipt died with the socket
    await expect(connection.send('5511911112222', { kind: 'text', text: 'oi' })).rejects.toThrow(/closed/);
    expect(() => sandbox.disconnect(ref.instanceId, 408)).toThrow(/no live connection/);
  });

  it('logout closes with 401 and leaves the creds unregistered', async () => {
    const sandbox = new SandboxTransport();
    const ref = newRef();
    const { connection, session, ofType } = await pairedConnection(sandbox, ref);

    await connection.logout();
    expect(ofType('close')).toEqual([{ type: 'close', statusCode: 401, message: expect.any(String) }]);
    expect(session.state.creds.registered).toBe(false);
    expect(session.state.creds.me).toBeUndefined();

    await session.saveCreds();
    const again = await connect(sandbox, ref);
    await eventually(() => expect(again.ofType('qr')).toHaveLength(1)); // unregistered creds: back to pairing
    await again.connection.close();
  });

  it('a second connect of the same instance replaces the first with 440', async () => {
    const sandbox = new SandboxTransport();
    const ref = newRef();
    const first = await connect(sandbox, ref);
    const second = await connect(sandbox, ref);
    expect(first.ofType('close')).toEqual([{ type: 'close', statusCode: 440, message: expect.any(String) }]);
    await eventually(() => expect(second.ofType('qr')).toHaveLength(1));
    expect(first.events.at(-1)?.type).toBe('close');
    sandbox.pair(ref.instanceId, '5511987654321');
    await eventually(() => expect(second.ofType('close')).toHaveLength(1));
    expect(first.ofType('creds-update')).toEqual([]); // only the live connection hears about it
  });
});
