import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../src/config/app-config.js';
import { importBaileysFolder } from '../src/session/baileys-folder-import.js';
import { CredsBackups } from '../src/session/creds-backup.js';
import { FileAuthStateStore } from '../src/session/file-auth-state.store.js';
import { SessionCorruptedError, SessionStoreCounters } from '../src/session/session-events.js';
import { useMultiFileAuthState } from '../src/whatsapp/transport/baileys-auth.js';
import { request, startTestApp } from './support/app.js';
import { runNode } from './support/processes.js';

const folders: string[] = [];
function temporaryFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'oxy-file-store-'));
  folders.push(folder);
  return folder;
}
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

const ref = () => ({ organizationId: randomUUID(), instanceId: randomUUID() });

describe('file session store: backups and integrity', () => {
  const key = Buffer.from(generateEncryptionKey(), 'hex');

  async function storeWithBackups() {
    const counters = new SessionStoreCounters();
    const root = temporaryFolder();
    const store = await FileAuthStateStore.create(root, join(root, 'fallback'), { backups: new CredsBackups(key, 3), events: counters });
    return { store, counters };
  }

  it('restores torn creds from the newest valid backup, counts it, and keeps the same identity', async () => {
    const { store, counters } = await storeWithBackups();
    const session = ref();
    const opened = await store.open(session);
    opened.state.creds.registered = true;
    opened.state.creds.me = { id: '5511987654321:3@s.whatsapp.net' };
    await opened.saveCreds();
    expect(await store.backup(session)).toBe(true);

    const credsPath = join(store.folderOf(session), 'creds.json');
    writeFileSync(credsPath, readFileSync(credsPath, 'utf8').slice(0, 40)); // a write cut short
    const reopened = await store.open(session);
    expect(reopened.state.creds).toMatchObject({ registered: true, me: { id: '5511987654321:3@s.whatsapp.net' } });
    expect(Buffer.from(reopened.state.creds.noiseKey.private)).toEqual(Buffer.from(opened.state.creds.noiseKey.private));
    expect(counters.restoredFromBackup).toBe(1);
    expect(JSON.parse(readFileSync(credsPath, 'utf8')).registered).toBe(true);
  });

  it('keeps only the configured number of encrypted generations, none of them readable as plain text', async () => {
    const { store } = await storeWithBackups();
    const session = ref();
    const opened = await store.open(session);
    for (let generation = 0; generation < 5; generation++) {
      opened.state.creds.nextPreKeyId = generation;
      await opened.saveCreds();
      await store.backup(session);
    }
    const backups = readdirSync(join(store.folderOf(session), 'backups'));
    expect(backups).toHaveLength(3);
    const sealed = readFileSync(join(store.folderOf(session), 'backups', backups[0]), 'utf8');
    expect(sealed).not.toContain('noiseKey');
  });

  it('refuses to load creds it cannot validate when no backup opens, instead of pairing again silently', async () => {
    const { store, counters } = await storeWithBackups();
    const session = ref();
    await store.open(session);
    writeFileSync(join(store.folderOf(session), 'creds.json'), '');
    await expect(store.open(session)).rejects.toThrow(SessionCorruptedError);
    expect(counters.unrecoverable).toBe(1);
  });

  it('does not restore from a backup sealed with another key', async () => {
    const { store } = await storeWithBackups();
    const session = ref();
    await store.open(session);
    await store.backup(session);
    const other = await FileAuthStateStore.create(store.root, join(store.root, 'fallback'), {
      backups: new CredsBackups(randomBytes(32), 3),
    });
    writeFileSync(join(store.folderOf(session), 'creds.json'), '{"torn":');
    await expect(other.open(session)).rejects.toThrow(SessionCorruptedError);
  });

  it('refuses an encryption key of the wrong length', () => {
    expect(() => new CredsBackups(randomBytes(16), 3)).toThrow(/32 bytes/);
  });
});

describe('file session store: where it writes', () => {
  it('falls back to the temp folder when the configured one cannot be written, and says so', async () => {
    const base = temporaryFolder();
    writeFileSync(join(base, 'not-a-folder'), 'x');
    const fallback = join(base, 'fallback');
    const warnings: unknown[] = [];
    const logger = { warn: (...args: unknown[]) => warnings.push(args) } as never;
    const store = await FileAuthStateStore.create(join(base, 'not-a-folder', 'sessions'), fallback, { backups: null, logger });
    expect(store.usingFallback).toBe(true);
    expect(store.root).toBe(fallback);
    expect(warnings).toHaveLength(1);
    const session = ref();
    await store.open(session);
    expect(readdirSync(fallback)).toContain(`${session.organizationId}_${session.instanceId}`);
  });

  it('shows the fallback as a degraded /health/whatsapp, still 200', async () => {
    const base = temporaryFolder();
    writeFileSync(join(base, 'file'), 'x');
    const server = await startTestApp({ WHATSAPP_SESSION_PATH: join(base, 'file', 'sessions') });
    try {
      const health = await request(server.baseUrl, 'GET', '/health/whatsapp');
      expect(health.status).toBe(200);
      expect(health.body.status).toBe('degraded');
      expect(health.body.details.sessionStore).toMatchObject({ status: 'degraded', kind: 'file', warning: expect.stringMatching(/not writable/) });
    } finally {
      await server.close();
    }
  });

  it('lays a session out as creds.json, keys/ and metadata.json under {org}_{instance}', async () => {
    const root = temporaryFolder();
    const store = await FileAuthStateStore.create(root, join(root, 'fallback'), { backups: null });
    const session = ref();
    const opened = await store.open(session, { phoneNumber: '+5511987654321' });
    await opened.state.keys.set({ session: { '5511987654321:2.0': randomBytes(10) }, 'app-state-sync-key': { 'a/b': { keyData: randomBytes(4) } } });
    const folder = join(root, `${session.organizationId}_${session.instanceId}`);
    expect(readdirSync(folder).sort()).toEqual(['creds.json', 'keys', 'metadata.json']);
    expect(readdirSync(join(folder, 'keys')).sort()).toEqual(['app-state-sync-key-a__b.json', 'session-5511987654321-2.0.json']);
    expect(JSON.parse(readFileSync(join(folder, 'metadata.json'), 'utf8'))).toMatchObject({
      instanceId: session.instanceId,
      organizationId: session.organizationId,
      phoneNumber: '+5511987654321',
      formatVersion: 1,
    });
  });
});

describe("importing a Baileys useMultiFileAuthState folder", () => {
  it('loads with the same creds (me, registered, identity) and keys it had', async () => {
    const baileysFolder = temporaryFolder();
    const { state, saveCreds } = await useMultiFileAuthState(baileysFolder);
    state.creds.registered = true;
    state.creds.me = { id: '5511987654321:4@s.whatsapp.net', name: 'Pet Shop Bom Banho' };
    await saveCreds();
    const session = randomBytes(700);
    await state.keys.set({
      'pre-key': { '1': { public: randomBytes(32), private: randomBytes(32) } },
      session: { '5511911112222.0': session },
      'app-state-sync-key': { 'AAAAAKs/': { keyData: randomBytes(32) } as never },
      'sender-key-memory': { '120363@g.us': { '5511911112222@s.whatsapp.net': true } },
    });
    mkdirSync(join(baileysFolder, 'unrelated'), { recursive: true });

    const root = temporaryFolder();
    const store = await FileAuthStateStore.create(root, join(root, 'fallback'), { backups: null });
    const target = ref();
    const result = await importBaileysFolder(store, target, baileysFolder);
    expect(result).toMatchObject({ keys: 4, registered: true, me: '5511987654321:4@s.whatsapp.net' });

    const loaded = await (await FileAuthStateStore.create(root, join(root, 'fallback'), { backups: null })).open(target);
    expect(loaded.state.creds).toMatchObject({ registered: true, me: { id: '5511987654321:4@s.whatsapp.net' } });
    expect(Buffer.from(loaded.state.creds.noiseKey.private)).toEqual(Buffer.from(state.creds.noiseKey.private));
    expect(Buffer.from(loaded.state.creds.signedIdentityKey.private)).toEqual(Buffer.from(state.creds.signedIdentityKey.private));
    expect((await loaded.state.keys.get('session', ['5511911112222.0']))['5511911112222.0']).toEqual(session);
    expect(Object.keys(await loaded.state.keys.get('app-state-sync-key', ['AAAAAKs/']))).toEqual(['AAAAAKs/']);
    expect(await store.metadata(target)).toMatchObject({ phoneNumber: '+5511987654321' });

    // The same through the CLI, as an operator moving from another gateway would run it.
    const dataDir = temporaryFolder();
    const cliTarget = ref();
    const cli = runNode(join(import.meta.dirname, '..', 'dist', 'cli.js'), ['session:import', '--instance', cliTarget.instanceId, '--organization', cliTarget.organizationId, '--from', baileysFolder], {
      DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    });
    expect(await cli.exited, cli.output()).toBe(0);
    expect(JSON.parse(cli.output())).toMatchObject({ store: 'file', keys: 4, registered: true });
    const viaCli = await (await FileAuthStateStore.create(join(dataDir, 'sessions'), join(dataDir, 'fallback'), { backups: null })).open(cliTarget);
    expect(Buffer.from(viaCli.state.creds.noiseKey.private)).toEqual(Buffer.from(state.creds.noiseKey.private));

    const missing = runNode(join(import.meta.dirname, '..', 'dist', 'cli.js'), ['session:import', '--instance', randomUUID(), '--from', baileysFolder], { DATA_DIR: dataDir });
    expect(await missing.exited).toBe(2);
    expect(missing.output()).toMatch(/create it first, or pass --organization/);
  });
});

describe('session cleanup and the metadata cache', () => {
  it('lists sessions idle for 30+ days, deletes them only with --delete, and keeps recent ones', async () => {
    const dataDir = temporaryFolder();
    const store = await FileAuthStateStore.create(join(dataDir, 'sessions'), join(dataDir, 'fallback'), { backups: null });
    const idle = ref();
    const recent = ref();
    await store.open(idle);
    await store.open(recent);
    const metadataPath = join(store.folderOf(idle), 'metadata.json');
    const metadata = JSON.parse(readFileSync(metadataPath, 'utf8'));
    writeFileSync(metadataPath, JSON.stringify({ ...metadata, lastUsedAt: new Date(Date.now() - 40 * 24 * 3600 * 1000).toISOString() }));

    const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
    const report = runNode(cli, ['session:cleanup'], { DATA_DIR: dataDir });
    expect(await report.exited, report.output()).toBe(0);
    expect(JSON.parse(report.output())).toMatchObject({ days: 30, deleted: 0, idle: [{ instanceId: idle.instanceId }] });
    expect(await store.exists(idle)).toBe(true);

    const remove = runNode(cli, ['session:cleanup', '--delete'], { DATA_DIR: dataDir });
    expect(await remove.exited).toBe(0);
    expect(JSON.parse(remove.output()).deleted).toBe(1);
    expect(await store.exists(idle)).toBe(false);
    expect(await store.exists(recent)).toBe(true);
  });

  it('serves metadata from Redis until the session is deleted', async () => {
    const { Redis } = await import('ioredis');
    const { SessionMetadataCache } = await import('../src/session/session-metadata.cache.js');
    const { REDIS_URL, deleteRedisPrefix } = await import('./support/app.js');
    const prefix = `test:meta:${randomBytes(4).toString('hex')}`;
    const redis = new Redis(REDIS_URL, { keyPrefix: `${prefix}:` });
    try {
      const root = temporaryFolder();
      const store = await FileAuthStateStore.create(root, join(root, 'fallback'), { backups: null });
      const cache = new SessionMetadataCache(redis, store);
      const session = ref();
      await store.open(session, { phoneNumber: '+5511987654321' });
      expect(await cache.get(session)).toMatchObject({ phoneNumber: '+5511987654321' });
      expect(await redis.ttl(`session:meta:${session.instanceId}`)).toBeGreaterThan(0);
      rmSync(join(store.folderOf(session), 'metadata.json'));
      expect(await cache.get(session)).toMatchObject({ phoneNumber: '+5511987654321' });
      await store.delete(session);
      await cache.forget(session);
      expect(await cache.get(session)).toBeNull();
    } finally {
      redis.disconnect();
      await deleteRedisPrefix(REDIS_URL, prefix);
    }
  });
});

describe('file session store: leftovers of a killed writer', () => {
  it('removes stray temp files at open and keeps the real ones', async () => {
    const root = temporaryFolder();
    const store = await FileAuthStateStore.create(root, join(root, 'fallback'), { backups: null });
    const session = ref();
    const opened = await store.open(session);
    await opened.state.keys.set({ session: { a: randomBytes(8) } });
    const folder = store.folderOf(session);
    writeFileSync(join(folder, 'keys', 'session-a.json.99999.3.tmp'), '{"half');
    writeFileSync(join(folder, 'creds.json.99999.4.tmp'), '');
    await store.open(session);
    expect(readdirSync(join(folder, 'keys'))).toEqual(['session-a.json']);
    expect(readdirSync(folder).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });
});
