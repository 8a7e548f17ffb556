import { eq } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE, type Database } from '../src/database/database.js';
import { whatsappInstances } from '../src/database/schema.js';
import { ConnectionManager } from '../src/whatsapp/connection/connection-manager.js';
import { deleteRedisPrefix, REDIS_URL, request, startTestApp } from './support/app.js';
import { createTestDatabase } from './support/postgres.js';
import { freePort, runNode, sleep, stopProcess, waitFor } from './support/processes.js';

const MAIN = join(import.meta.dirname, '..', 'dist', 'main.js');
const ADMIN_KEY = 'admin-key-for-lease-tests-0123456789';

describe('exactly one socket per instance across processes', () => {
  const sessions = mkdtempSync(join(tmpdir(), 'oxy-lease-sessions-'));
  const prefix = `test:lease:${randomBytes(4).toString('hex')}`;
  afterAll(async () => {
    rmSync(sessions, { recursive: true, force: true });
    await deleteRedisPrefix(REDIS_URL, prefix);
  });

  it('a second process leaves a held instance alone, and takes it over without pairing when the holder is killed', async () => {
    const database = await createTestDatabase('lease');
    const shared = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      ADMIN_API_KEY: ADMIN_KEY,
      WHATSAPP_SESSION_PATH: sessions,
      WHATSAPP_LEASE_TTL_MS: '3000',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
    };
    const port = await freePort();
    const holder = runNode(MAIN, [], { ...shared, PORT: String(port), DATA_DIR: mkdtempSync(join(tmpdir(), 'oxy-lease-a-')) });
    const other = await startTestApp(shared);
    try {
      const holderUrl = `http://127.0.0.1:${port}`;
      await waitFor(async () => (await fetch(`${holderUrl}/health`).catch(() => null))?.status === 200, 30_000);
      const organization = await request(holderUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Lease' } });
      const key = organization.body.apiKey.key as string;
      const created = await request(holderUrl, 'POST', '/api/whatsapp/instances', {
        token: key,
        body: { name: 'Balcão', provider: 'sandbox', phoneNumber: '5511987654321' },
      });
      const id = created.body.id as string;
      const statusAt = async (base: string) => (await request(base, 'GET', `/api/whatsapp/instances/${id}/status`, { token: key })).body;
      await waitFor(async () => (await statusAt(holderUrl)).pairingCode !== null, 10_000);
      await request(holderUrl, 'POST', `/api/sandbox/instances/${id}/pair`, { token: key, body: {} });
      await waitFor(async () => (await statusAt(holderUrl)).status === 'connected', 15_000);

      const db = other.app.get<Database>(DATABASE);
      const leaseOwner = async () =>
        (await db.systemDb.select({ owner: whatsappInstances.leaseOwner }).from(whatsappInstances).where(eq(whatsappInstances.id, id)))[0].owner;
      expect(await leaseOwner()).toContain(`:${holder.child.pid}:`);
      const manager = other.app.get(ConnectionManager);
      // Several heartbeats of the second process: it must not open a second socket (WhatsApp would answer 440).
      await sleep(2500);
      expect(manager.isLive(id)).toBe(false);

      await stopProcess(holder.child, 'SIGKILL');
      await waitFor(() => manager.isLive(id), 15_000);
      expect(await leaseOwner()).toBe(manager.owner);
      const after = await statusAt(other.baseUrl);
      expect(after).toMatchObject({ status: 'connected', phoneNumber: '5511987654321', live: true, pairingCode: null });
    } finally {
      await stopProcess(holder.child, 'SIGKILL');
      await other.close();
      await database.drop();
    }
  }, 90_000);
});
