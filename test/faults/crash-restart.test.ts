import { afterAll, describe, expect, it } from 'vitest';
import { SandboxTransport } from '../../src/whatsapp/transport/sandbox.transport.js';
import { request, startTestApp } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';
import { sleep, stopProcess, ThrowawayPostgres, ThrowawayRedis, waitFor } from '../support/processes.js';
import { createChattingShop } from '../support/shop.js';
import { type Deliver, type Delivery, driveCustomers, inFlight, type LoadPlan, report, sentByTransport, storedCount, type Tally, tally, whereLost } from './load.js';
import { prepareServerProcess } from './server-process.js';

const ADMIN_KEY = 'admin-key-for-fault-tests-0123456789';
/**
 * The pipeline as a shop runs it, except: no send pacing, and a rate limit far
 * above the load (INBOUND_RATE_LIMIT_PER_MINUTE), so the runs measure crashes
 * and outages, not throttling; sweeps every 500 ms for what lost jobs left.
 */
const PIPELINE = {
  OUTBOUND_MIN_GAP_MS: '0',
  OUTBOUND_JITTER_MS: '0',
  INBOUND_RATE_LIMIT_PER_MINUTE: '10000',
  // The simulated phone reaches the server through REST from one address with one key: these runs measure faults, not the REST limits.
  RATE_LIMIT_PER_KEY_PER_MINUTE: '0',
  RATE_LIMIT_PER_IP_PER_MINUTE: '0',
  INBOUND_SWEEP_INTERVAL_MS: '500',
  INBOUND_SWEEP_AFTER_MS: '2000',
  WHATSAPP_RESTORE_STAGGER_MS: '0',
};
const PLAN: LoadPlan = { contacts: 100, perContact: 10 };

/** Until every message is answered at the transport and nothing is on its way, then a little longer for late duplicates. */
async function settle(dataDir: string, databaseUrl: string, instanceId: string, timeoutMs: number) {
  const total = PLAN.contacts * PLAN.perContact;
  await waitFor(async () => tally(PLAN, sentByTransport(dataDir, instanceId), 0).answered === total, timeoutMs).catch(() => undefined);
  await waitFor(async () => (await inFlight(databaseUrl, instanceId).catch(() => 1)) === 0, 15_000).catch(() => undefined);
  await sleep(1500);
  const sent = sentByTransport(dataDir, instanceId);
  for (const line of await whereLost(PLAN, sent, databaseUrl, instanceId)) console.log(`[faults] unanswered ${line}`);
  return tally(PLAN, sent, await storedCount(databaseUrl, instanceId));
}

function expectExactlyOnceInOrder(figures: Tally) {
  expect(figures).toMatchObject({ sent: 1000, stored: 1000, answered: 1000, duplicates: 0, lost: 0, outOfOrder: 0 });
}

interface OutageRun<Figures extends Record<string, number>> {
  label: string;
  databaseUrl: string;
  /** Where the app finds Redis (and its prefix); DATABASE_URL is databaseUrl. */
  environment: Record<string, string>;
  /** Takes a dependency away and brings it back while customers write; returns what it counted, for the report. */
  outage: (delivery: Delivery) => Promise<Figures>;
}

/**
 * The app in this process (so the test can stop what it depends on), its
 * customers writing straight to the sandbox socket, and the outage once 300
 * messages are acknowledged; settles, reports, and returns the counts.
 */
async function runThroughOutage<Figures extends Record<string, number>>(
  cleanups: (() => Promise<void>)[],
  run: OutageRun<Figures>,
): Promise<{ figures: Tally; outage: Figures }> {
  const app = await startTestApp({ DATABASE_URL: run.databaseUrl, ...run.environment, ADMIN_API_KEY: ADMIN_KEY, ...PIPELINE });
  cleanups.push(() => app.close());
  const shop = await createChattingShop(app.baseUrl, ADMIN_KEY);
  const sandbox = app.app.get(SandboxTransport);

  const started = Date.now();
  // WhatsApp reaches the socket directly, as it does in production: no HTTP route in the way.
  const delivery = driveCustomers(PLAN, async (message) => void (await sandbox.inboundAcknowledged(shop.instanceId, message)), 120_000);
  await Promise.race([delivery.reached(300), delivery.done]);
  const outage = await run.outage(delivery);
  await delivery.done;
  const figures = await settle(app.config.dataDir, run.databaseUrl, shop.instanceId, 60_000);
  report(run.label, { ...figures, ...outage, redeliveries: delivery.redeliveries(), seconds: ((Date.now() - started) / 1000).toFixed(1) });
  return { figures, outage };
}

describe('crash and restart of a running system (issue #11, item 1)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('1,000 messages from 100 contacts through a server killed with SIGKILL 5 times: each stored once, answered once, in order', async () => {
    const server = await prepareServerProcess({
      name: 'faults-kill',
      adminKey: ADMIN_KEY,
      logLevel: 'warn',
      environment: {
        // A lease that a loaded process still renews in time (every third of it); a killed one's lapses while its successor boots.
        WHATSAPP_LEASE_TTL_MS: '8000',
        ...PIPELINE,
      },
    });
    cleanups.push(() => server.cleanup());
    const { url, dataDir } = server;
    /** Sends the sandbox took as repeats of a message id (a crash between a send and its stamp): shown once. */
    let resendsDeduplicated = 0;
    const countResends = (output: string) => (output.match(/message id sent again/g) ?? []).length;
    let running = await server.start();
    const shop = await createChattingShop(url, ADMIN_KEY);

    const started = Date.now();
    const deliver: Deliver = async (message) => {
      const response = await request(url, 'POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, { token: shop.key, body: message });
      if (response.status !== 200) throw new Error(`not acknowledged: ${response.status}`);
    };
    const delivery = driveCustomers(PLAN, deliver, 300_000);
    // Five kills at random points of the run (by messages acknowledged), each at a random instant after it.
    const total = PLAN.contacts * PLAN.perContact;
    const killAt = Array.from({ length: 5 }, (_, kill) => Math.floor(total * (0.08 + 0.16 * kill + Math.random() * 0.1)));
    let kills = 0;
    for (const threshold of killAt) {
      await waitFor(() => delivery.acknowledged() >= threshold, 120_000);
      await sleep(Math.random() * 400);
      await stopProcess(running.child, 'SIGKILL');
      resendsDeduplicated += countResends(running.output());
      kills += 1;
      running = await server.start();
    }
    await delivery.done;
    const figures = await settle(dataDir, server.databaseUrl, shop.instanceId, 90_000);
    report('kill -9 x5, 1,000 messages / 100 contacts', {
      ...figures,
      kills,
      resendsDeduplicated: resendsDeduplicated + countResends(running.output()),
      redeliveries: delivery.redeliveries(),
      seconds: ((Date.now() - started) / 1000).toFixed(1),
    });
    expectExactlyOnceInOrder(figures);
  }, 420_000);

  it('1,000 messages from 100 contacts with Redis restarted (and emptied) mid-run: each stored once, answered once, in order', async () => {
    const redis = await ThrowawayRedis.start();
    cleanups.push(() => redis.stop());
    const database = await createTestDatabase('faults_redis');
    cleanups.push(() => database.drop());
    const { figures } = await runThroughOutage(cleanups, {
      label: 'Redis restarted mid-run (3 s down, data lost), 1,000 messages / 100 contacts',
      databaseUrl: database.url,
      environment: { REDIS_URL: redis.url },
      outage: async (delivery) => {
        await redis.stop();
        await sleep(3000);
        const acknowledgedByRestart = delivery.acknowledged();
        await redis.restart();
        return { acknowledgedByRestart };
      },
    });
    expectExactlyOnceInOrder(figures);
  }, 180_000);

  it('1,000 messages from 100 contacts with PostgreSQL restarted mid-run: those that arrive while it is down are spooled, none lost', async () => {
    const postgres = await ThrowawayPostgres.start();
    cleanups.push(() => postgres.destroy());
    // The shared Redis, under the test app's own prefix (startTestApp makes it and deletes it on close).
    const { figures, outage } = await runThroughOutage(cleanups, {
      label: 'PostgreSQL restarted mid-run (4 s down), 1,000 messages / 100 contacts',
      databaseUrl: postgres.url,
      environment: {},
      outage: async (delivery) => {
        // Counted from the signal, not from the process's exit: the spool takes what arrives at once, and the
        // 100 customers' remaining messages can all be acknowledged in the quarter second PostgreSQL takes to exit.
        const atStop = delivery.acknowledged();
        await postgres.stop();
        await sleep(4000);
        // Acknowledged while PostgreSQL was away: held in the spool, not lost.
        const acknowledgedWhileDatabaseDown = delivery.acknowledged() - atStop;
        await postgres.restart();
        return { acknowledgedWhileDatabaseDown };
      },
    });
    expect(outage.acknowledgedWhileDatabaseDown).toBeGreaterThan(0);
    expectExactlyOnceInOrder(figures);
  }, 180_000);
});
