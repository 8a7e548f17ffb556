import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/database/database.js';
import { migrate } from '../src/database/migrator.js';
import { PostgresDatabase } from '../src/database/postgres-database.js';
import { organizations } from '../src/database/schema.js';
import { type AuthStateStore, KEY_TYPES, type SessionRef } from '../src/session/auth-state-store.js';
import { FileAuthStateStore } from '../src/session/file-auth-state.store.js';
import { PostgresAuthStateStore } from '../src/session/postgres-auth-state.store.js';
import { InvalidSessionKeyError } from '../src/session/session-codec.js';
import type { SignalDataSet } from '../src/whatsapp/transport/baileys-auth.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

/** A value of every key type Baileys 7 stores, with the Buffers it really carries. */
function sampleValues(): Required<SignalDataSet> {
  const values = {
    'pre-key': { '1': { public: randomBytes(32), private: randomBytes(32) } },
    session: { '5511987654321.0': randomBytes(1500) },
    'sender-key': { '120363@g.us::5511987654321::0': randomBytes(400) },
    'sender-key-memory': { '120363@g.us': { '5511987654321:2@s.whatsapp.net': true } },
    'app-state-sync-key': { 'AAAAAKs/': { keyData: randomBytes(32), fingerprint: { rawId: 7, currentIndex: 2, deviceIndexes: [0, 1] }, timestamp: 1700000000 } },
    'app-state-sync-version': { critical_block: { version: 3, hash: randomBytes(128), indexValueMap: { abc: { valueMac: randomBytes(32) } } } },
    'lid-mapping': { '5511987654321': '123456789012345@lid' },
    'device-list': { '5511987654321': ['0', '2'] },
    tctoken: { '5511987654321@s.whatsapp.net': { token: randomBytes(24), timestamp: '1700000000' } },
    'identity-key': { '5511987654321.0': randomBytes(33) },
  };
  expect(Object.keys(values).sort()).toEqual([...KEY_TYPES].sort());
  return values as unknown as Required<SignalDataSet>;
}

/** Decoded values compared as plain data (protobuf objects and Buffers included). */
const plain = (value: unknown) => JSON.parse(JSON.stringify(value, (_key, inner) => (inner?.type === 'Buffer' ? Buffer.from(inner.data).toString('base64') : inner)));

interface Engine {
  name: string;
  setUp(): Promise<{ store: AuthStateStore; organizationId: string; reopen(): Promise<AuthStateStore>; tearDown(): Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'file',
    async setUp() {
      const root = mkdtempSync(join(tmpdir(), 'oxy-sessions-'));
      const create = () => FileAuthStateStore.create(root, join(root, 'fallback'), { backups: null });
      return { store: await create(), organizationId: randomUUID(), reopen: create, tearDown: async () => rmSync(root, { recursive: true, force: true }) };
    },
  },
  {
    name: 'postgres',
    async setUp() {
      const testDatabase: TestDatabase = await createTestDatabase('sessions');
      const databases: Database[] = [];
      const connect = async () => {
        const database = PostgresDatabase.connect(testDatabase.url, 8);
        databases.push(database);
        await migrate(database);
        return new PostgresAuthStateStore(database);
      };
      const store = await connect();
      const [organization] = await databases[0].systemDb.insert(organizations).values({ name: 'Sessions' }).returning();
      return {
        store,
        organizationId: organization.id,
        reopen: connect,
        tearDown: async () => {
          await Promise.all(databases.map((database) => database.close()));
          await testDatabase.drop();
        },
      };
    },
  },
];

describe.each(engines)('AuthStateStore conformance: $name', (engine) => {
  let store: AuthStateStore;
  let organizationId: string;
  let reopen: () => Promise<AuthStateStore>;
  let tearDown: () => Promise<void>;
  const ref = (): SessionRef => ({ organizationId, instanceId: randomUUID() });

  beforeAll(async () => {
    ({ store, organizationId, reopen, tearDown } = await engine.setUp());
  });
  afterAll(async () => {
    await tearDown?.();
  });

  it('creates fresh, valid creds for a new session and says it exists', async () => {
    const session = ref();
    expect(await store.exists(session)).toBe(false);
    const opened = await store.open(session, { phoneNumber: '+5511987654321' });
    expect(opened.state.creds.registered).toBe(false);
    expect(Buffer.isBuffer(opened.state.creds.noiseKey.private)).toBe(true);
    expect(await store.exists(session)).toBe(true);
    expect(await store.metadata(session)).toMatchObject({ ...session, phoneNumber: '+5511987654321', formatVersion: 1 });
  });

  it('round-trips every key type, Buffers included, across a reopen of the store', async () => {
    const session = ref();
    const values = sampleValues();
    const first = await store.open(session);
    await first.state.keys.set(values);
    await first.close();

    const again = await (await reopen()).open(session);
    for (const type of KEY_TYPES.filter((type) => type !== 'app-state-sync-key')) {
      const ids = Object.keys(values[type]);
      const read = await again.state.keys.get(type, ids);
      expect(plain(read), type).toEqual(plain(values[type]));
    }
    // Baileys hands app-state keys back as protobuf objects, as its own file store does.
    const [syncId] = Object.keys(values['app-state-sync-key']);
    const syncKey = (await again.state.keys.get('app-state-sync-key', [syncId]))[syncId];
    const written = values['app-state-sync-key'][syncId]!;
    expect(Buffer.from(syncKey.keyData!)).toEqual(written.keyData);
    expect(syncKey.fingerprint?.rawId).toBe(7);
    expect(syncKey.fingerprint?.deviceIndexes).toEqual([0, 1]);
    const [id] = Object.keys(values.session);
    const session0 = (await again.state.keys.get('session', [id]))[id];
    expect(Buffer.isBuffer(session0)).toBe(true);
  });

  it('keeps creds changes saved with saveCreds across a reopen', async () => {
    const session = ref();
    const opened = await store.open(session);
    opened.state.creds.registered = true;
    opened.state.creds.me = { id: '5511987654321:7@s.whatsapp.net', name: 'Pet Shop' };
    opened.state.creds.nextPreKeyId = 813;
    await opened.saveCreds();
    const reopened = await (await reopen()).open(session);
    expect(reopened.state.creds).toMatchObject({ registered: true, me: { id: '5511987654321:7@s.whatsapp.net' }, nextPreKeyId: 813 });
    expect(Buffer.from(reopened.state.creds.noiseKey.private)).toEqual(Buffer.from(opened.state.creds.noiseKey.private));
  });

  it('deletes a key set to null', async () => {
    const session = ref();
    const opened = await store.open(session);
    await opened.state.keys.set({ 'pre-key': { '5': { public: randomBytes(32), private: randomBytes(32) } } });
    await opened.state.keys.set({ 'pre-key': { '5': null } });
    expect(await opened.state.keys.get('pre-key', ['5'])).toEqual({});
    const fresh = await (await reopen()).open(session);
    expect(await fresh.state.keys.get('pre-key', ['5'])).toEqual({});
  });

  it('loses nothing when many callers set keys at once, and the last write of a key wins', async () => {
    const session = ref();
    const opened = await store.open(session);
    const last = randomBytes(64);
    await Promise.all([
      ...Array.from({ length: 200 }, (_, index) => opened.state.keys.set({ session: { [`contact-${index}.0`]: randomBytes(200) } })),
      ...Array.from({ length: 20 }, () => opened.state.keys.set({ 'sender-key': { shared: randomBytes(64) } })),
    ]);
    await opened.state.keys.set({ 'sender-key': { shared: last } });
    const fresh = await (await reopen()).open(session);
    const ids = Array.from({ length: 200 }, (_, index) => `contact-${index}.0`);
    expect(Object.keys(await fresh.state.keys.get('session', ids))).toHaveLength(200);
    expect((await fresh.state.keys.get('sender-key', ['shared'])).shared).toEqual(last);
  });

  it("stores a history sync's 20,000 keys in one set, and a batch that deletes and rewrites together", async () => {
    const session = ref();
    const opened = await store.open(session);
    // More keys than one statement of five parameters per key could carry (65,535).
    const mappings = Object.fromEntries(Array.from({ length: 20_000 }, (_, index) => [`55119${String(index).padStart(8, '0')}`, `${index}@lid`]));
    await opened.state.keys.set({ 'lid-mapping': mappings });
    await opened.state.keys.set({ 'lid-mapping': { '5511900000000': null, '5511900000001': 'rewritten@lid' }, 'pre-key': { '9': { public: randomBytes(32), private: randomBytes(32) } } });
    const fresh = await (await reopen()).open(session);
    const read = await fresh.state.keys.get('lid-mapping', Object.keys(mappings));
    expect(Object.keys(read)).toHaveLength(19_999);
    expect(read['5511900000001']).toBe('rewritten@lid');
    expect(read['5511900019999']).toBe('19999@lid');
    expect(Object.keys(await fresh.state.keys.get('pre-key', ['9']))).toEqual(['9']);
  });

  it('keeps every write of 30 sessions writing keys and creds at the same time', async () => {
    const sessions = Array.from({ length: 30 }, ref);
    const opened = await Promise.all(sessions.map((session) => store.open(session)));
    const records = sessions.map(() => Array.from({ length: 20 }, () => randomBytes(300)));
    await Promise.all(
      opened.map(async (session, index) => {
        for (const [contact, record] of records[index].entries()) {
          await session.state.keys.set({ session: { [`contact-${contact}.0`]: record } });
          if (contact % 5 === 4) {
            session.state.creds.accountSyncCounter = contact;
            await session.saveCreds();
          }
        }
      }),
    );
    const reopened = await reopen();
    for (const [index, session] of sessions.entries()) {
      const fresh = await reopened.open(session);
      const ids = records[index].map((_, contact) => `contact-${contact}.0`);
      const read = await fresh.state.keys.get('session', ids);
      expect(ids.map((id) => read[id])).toEqual(records[index]);
      expect(fresh.state.creds.accountSyncCounter).toBe(19);
    }
  });

  it('keeps two instances apart', async () => {
    const a = ref();
    const b = ref();
    const sessionA = await store.open(a);
    const sessionB = await store.open(b);
    await sessionA.state.keys.set({ session: { same: Buffer.from('a') } });
    await sessionB.state.keys.set({ session: { same: Buffer.from('b') } });
    expect((await (await (await reopen()).open(a)).state.keys.get('session', ['same'])).same).toEqual(Buffer.from('a'));
    expect((await (await (await reopen()).open(b)).state.keys.get('session', ['same'])).same).toEqual(Buffer.from('b'));
    expect(Buffer.from(sessionA.state.creds.noiseKey.private)).not.toEqual(Buffer.from(sessionB.state.creds.noiseKey.private));
  });

  it.each(['../../etc/passwd', 'a/../../b', 'nul\0byte', '..', 'back\\slash'])('refuses the key id %j', async (id) => {
    const opened = await (await reopen()).open(ref());
    await expect(opened.state.keys.set({ session: { [id]: randomBytes(8) } })).rejects.toThrow(InvalidSessionKeyError);
    await expect(opened.state.keys.get('session', [id])).rejects.toThrow(InvalidSessionKeyError);
  });

  it.each(['../other', 'a/b', 'x\0y', ''])('refuses the instance id %j', async (instanceId) => {
    await expect(store.open({ organizationId, instanceId })).rejects.toThrow(InvalidSessionKeyError);
    await expect(store.open({ organizationId: instanceId, instanceId: randomUUID() })).rejects.toThrow(InvalidSessionKeyError);
  });

  it('deletes a session completely', async () => {
    const session = ref();
    const opened = await store.open(session);
    await opened.state.keys.set({ session: { one: randomBytes(8) } });
    await store.delete(session);
    expect(await store.exists(session)).toBe(false);
    expect(await store.metadata(session)).toBeNull();
    const fresh = await store.open(session);
    expect(await fresh.state.keys.get('session', ['one'])).toEqual({});
  });

  it('lists sessions idle for a number of days', async () => {
    const session = ref();
    await store.open(session);
    expect((await store.listIdle(30)).map((idle) => idle.instanceId)).not.toContain(session.instanceId);
    expect((await store.listIdle(0)).map((idle) => idle.instanceId)).toContain(session.instanceId);
  });
});
