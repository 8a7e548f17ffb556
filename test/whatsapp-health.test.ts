import { eq, isNull } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DATABASE, type Database } from '../src/database/database.js';
import { alerts, healthRuns, whatsappInstances } from '../src/database/schema.js';
import { HEALTH_JOB_PERIOD_MS, HealthJobScheduler } from '../src/health/health-job.js';
import { ConnectionManager } from '../src/whatsapp/connection/connection-manager.js';
import { deleteRedisPrefix, REDIS_URL, request, startTestApp, type TestApp } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { sleep, waitFor } from './support/processes.js';

const ADMIN_KEY = 'admin-key-for-health-job-tests-0123';

describe('the WhatsApp health job', () => {
  let testDatabase: TestDatabase;
  let first: TestApp;
  let second: TestApp;
  let key: string;
  const prefix = `test:health:${randomBytes(4).toString('hex')}`;

  const api = (method: string, path: string, body?: unknown) => request(first.baseUrl, method, path, { token: key, body });
  const statusOf = async (id: string) => (await api('GET', `/api/whatsapp/instances/${id}/status`)).body;

  async function connectedInstance(name: string): Promise<string> {
    const created = await api('POST', '/api/whatsapp/instances', { name, provider: 'sandbox', phoneNumber: '5511987654321' });
    const id = created.body.id as string;
    await waitFor(async () => (await statusOf(id)).pairingCode !== null, 5000);
    await api('POST', `/api/sandbox/instances/${id}/pair`, {});
    await waitFor(async () => (await statusOf(id)).status === 'connected', 15_000);
    return id;
  }

  /** The 5-minute slot of an instant: the health job runs once per slot. */
  const slotOf = (at: number) => Math.floor(at / HEALTH_JOB_PERIOD_MS);
  /** The slot the replicas booted in (each boot enqueues it). */
  let bootSlot: number;

  beforeAll(async () => {
    bootSlot = slotOf(Date.now());
    testDatabase = await createTestDatabase('health_job');
    // Two replicas on one database and one Redis prefix, as two processes of a deployment.
    const shared = { DATABASE_URL: testDatabase.url, REDIS_PREFIX: prefix, ADMIN_API_KEY: ADMIN_KEY };
    first = await startTestApp(shared);
    second = await startTestApp(shared);
    const organization = await request(first.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Saúde' } });
    key = organization.body.apiKey.key;
  });

  afterAll(async () => {
    await first?.close();
    await second?.close();
    await deleteRedisPrefix(REDIS_URL, prefix);
    await testDatabase?.drop();
  });

  it('runs once per 5-minute slot however many replicas tick', async () => {
    const database = first.app.get<Database>(DATABASE);
    const clusterRuns = async () => (await database.systemDb.select().from(healthRuns).where(isNull(healthRuns.organizationId))).length;
    // Both replicas enqueued the boot slot already; tick both again in the same slot.
    await waitFor(async () => (await clusterRuns()) >= 1, 15_000);
    const tickSlot = slotOf(Date.now());
    await Promise.all([first.app.get(HealthJobScheduler).enqueue(), second.app.get(HealthJobScheduler).enqueue()]);
    await sleep(1500);
    // One run per slot: one in all, unless the clock passed a slot's start since the boot (then the cron and the
    // ticks started the next slot, which runs once too; a slot that began during the wait may not have run yet).
    const runs = await clusterRuns();
    expect(runs).toBeGreaterThanOrEqual(tickSlot - bootSlot + 1);
    expect(runs).toBeLessThanOrEqual(slotOf(Date.now()) - bootSlot + 1);
  });

  it('finds a zombie (database says connected, no live socket), reconnects it and counts it', async () => {
    const id = await connectedInstance('Zumbi');
    const holder = [first, second].find((app) => app.app.get(ConnectionManager).isLive(id))!;
    // The socket goes away without the database hearing of it.
    await holder.app.get(ConnectionManager).stop(id, { logout: false, keepStatus: true });
    expect((await statusOf(id)).status).toBe('connected');
    expect(first.app.get(ConnectionManager).isLive(id) || second.app.get(ConnectionManager).isLive(id)).toBe(false);

    const run = await api('POST', '/api/whatsapp/health-check');
    expect(run.status).toBe(200);
    expect(run.body).toMatchObject({ reconnectedInstances: 1, failedInstances: 0 });
    await waitFor(() => first.app.get(ConnectionManager).isLive(id), 10_000);
    const healthy = await api('POST', '/api/whatsapp/health-check');
    expect(healthy.body).toMatchObject({ totalInstances: 1, healthyInstances: 1, reconnectedInstances: 0 });
  });

  it('marks an instance past its retries failed with one alert, not one per run', async () => {
    const database = first.app.get<Database>(DATABASE);
    const id = await connectedInstance('Sem volta');
    const holder = [first, second].find((app) => app.app.get(ConnectionManager).isLive(id))!;
    await holder.app.get(ConnectionManager).stop(id, { logout: false, keepStatus: true });
    await database.systemDb.update(whatsappInstances).set({ status: 'reconnecting', reconnectAttempts: 10 }).where(eq(whatsappInstances.id, id));

    const firstRun = await api('POST', '/api/whatsapp/health-check');
    expect(firstRun.body.failedInstances).toBe(1);
    expect(firstRun.body.alerts).toEqual([{ instanceId: id, kind: 'instance_failed', message: expect.stringContaining('Sem volta') }]);
    expect((await statusOf(id))).toMatchObject({ status: 'failed', lastDisconnectReason: 'reconnect attempts exhausted' });

    const secondRun = await api('POST', '/api/whatsapp/health-check');
    expect(secondRun.body.failedInstances).toBe(1);
    expect(secondRun.body.alerts).toEqual([]);
    const open = await database.systemDb.select().from(alerts).where(eq(alerts.instanceId, id));
    expect(open).toHaveLength(1);
  });

  it('reports instances by status and the last run at /health/whatsapp', async () => {
    const health = await request(first.baseUrl, 'GET', '/health/whatsapp');
    expect(health.status).toBe(200);
    expect(health.body.details.healthJob).toMatchObject({
      status: 'up',
      instancesByStatus: expect.objectContaining({ connected: 1, failed: 1 }),
      lastRun: expect.objectContaining({ totalInstances: expect.any(Number), durationMs: expect.any(Number) }),
    });
  });

  it('answers 503 at /health/whatsapp once the last run is older than 15 minutes', async () => {
    // Only Date is faked: the app's clock jumps 16 minutes ahead of the last run it recorded.
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 16 * 60_000);
    try {
      const stale = await request(first.baseUrl, 'GET', '/health/whatsapp');
      expect(stale.status).toBe(503);
      expect(stale.body.message).toMatch(/healthJob/);
      expect(stale.body.details.error.healthJob.message).toMatch(/has not run for over 15 minutes/);
    } finally {
      vi.useRealTimers();
    }
    expect((await request(first.baseUrl, 'GET', '/health/whatsapp')).status).toBe(200);
  });

  it('keeps a zombie that two overlapping runs reconnect at once connected, not stopped as replaced', async () => {
    const id = await connectedInstance('Zumbi duplo');
    const holder = [first, second].find((app) => app.app.get(ConnectionManager).isLive(id))!;
    await holder.app.get(ConnectionManager).stop(id, { logout: false, keepStatus: true });

    // A shop's manual run overlapping another (or the 5-minute job), in one process.
    const runs = await Promise.all([api('POST', '/api/whatsapp/health-check'), api('POST', '/api/whatsapp/health-check')]);
    expect(runs.map((run) => run.status)).toEqual([200, 200]);
    await waitFor(() => first.app.get(ConnectionManager).isLive(id), 10_000);
    // The socket a second start would open replaces the first (440); that close must not stop the instance.
    await sleep(1000);
    expect(await statusOf(id)).toMatchObject({ status: 'connected' });
    expect(first.app.get(ConnectionManager).isLive(id)).toBe(true);
    const later = await api('POST', '/api/whatsapp/health-check');
    expect(later.body).toMatchObject({ reconnectedInstances: 0, failedInstances: 1 });
  });
});
