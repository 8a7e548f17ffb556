import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { request } from '../support/app.js';
import { sleep, waitFor } from '../support/processes.js';
import { createChattingShop } from '../support/shop.js';
import { inFlight, phoneOf, query, sentByTransport, tally, textOf, whatsAppIdOf } from './load.js';
import { prepareServerProcess } from './server-process.js';

const ADMIN_KEY = 'admin-key-for-shutdown-tests-0123456789';
const SHUTDOWN_TIMEOUT_MS = 10_000;
const PLAN = { contacts: 20, perContact: 10 };

describe('graceful shutdown (issue #11, item 2)', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('SIGTERM mid-work drains the turns, closes the socket without logging out, releases the lease and exits 0 in time; a restart reconnects without pairing', async () => {
    const server = await prepareServerProcess({
      name: 'graceful',
      adminKey: ADMIN_KEY,
      logLevel: 'info',
      environment: {
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
        // A lease left behind would keep a restarted process off the instance for this long: releasing it is what lets it in at once.
        WHATSAPP_LEASE_TTL_MS: '60000',
        OUTBOUND_MIN_GAP_MS: '0',
        OUTBOUND_JITTER_MS: '0',
        INBOUND_RATE_LIMIT_PER_MINUTE: '10000',
        // Few turns at a time, so a backlog is being worked through when the signal comes.
        INBOUND_CONCURRENCY: '2',
      },
    });
    cleanups.push(() => server.cleanup());
    const { url, dataDir, databaseUrl } = server;
    const first = await server.start();
    const shop = await createChattingShop(url, ADMIN_KEY);
    const sessionFolder = join(dataDir, 'sessions', `${shop.organizationId}_${shop.instanceId}`);
    const instanceRow = async () =>
      (await query<{ status: string; lease_owner: string | null }>(databaseUrl, 'SELECT status, lease_owner FROM whatsapp_instances WHERE id = $1', [shop.instanceId]))[0];
    expect((await instanceRow()).lease_owner).toContain(`:${first.child.pid}:`);

    // A backlog: every message acknowledged (stored), most not answered yet.
    await Promise.all(
      Array.from({ length: PLAN.contacts }, async (_, contact) => {
        for (let index = 0; index < PLAN.perContact; index += 1) {
          const body = { from: phoneOf(contact), text: textOf(contact, index), messageId: whatsAppIdOf(contact, index) };
          const response = await request(url, 'POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, { token: shop.key, body });
          expect(response.status).toBe(200);
        }
      }),
    );
    // Work still in flight when the signal comes; without it there is nothing to drain, and the checks below would say so as a shutdown bug.
    expect(await inFlight(databaseUrl, shop.instanceId), 'nothing in flight at SIGTERM: nothing to drain').toBeGreaterThan(0);
    const sentAtSignal = sentByTransport(dataDir, shop.instanceId).length;
    const signalledAt = Date.now();
    first.child.kill('SIGTERM');
    const code = await first.exited;
    const stopMs = Date.now() - signalledAt;
    const sentDuringDrain = sentByTransport(dataDir, shop.instanceId).length - sentAtSignal;
    const processingAfter = await query<{ count: string }>(
      databaseUrl,
      `SELECT count(*) FROM messages WHERE instance_id = $1 AND status = 'processing'`,
      [shop.instanceId],
    );
    const waitingAfter = await query<{ count: string }>(
      databaseUrl,
      `SELECT count(*) FROM messages WHERE instance_id = $1 AND direction = 'inbound' AND status = 'received'`,
      [shop.instanceId],
    );
    console.log(
      `[faults] SIGTERM with a backlog: exited ${code} in ${stopMs} ms (bound ${SHUTDOWN_TIMEOUT_MS} ms), ` +
        `${sentDuringDrain} replies sent while draining, ${waitingAfter[0].count} messages left waiting for the next start`,
    );
    expect(code).toBe(0);
    expect(stopMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(first.output()).toContain('workers drained');
    // Running turns finished (none cut half-way), and the replies they queued went out before the sockets closed.
    expect(Number(processingAfter[0].count)).toBe(0);
    expect(sentDuringDrain).toBeGreaterThan(0);
    // Closed without logging out: the lease is free, the session intact and still registered.
    expect(await instanceRow()).toMatchObject({ lease_owner: null });
    expect(existsSync(join(sessionFolder, 'creds.json'))).toBe(true);
    expect(readFileSync(join(sessionFolder, 'creds.json'), 'utf8')).toMatch(/"registered":\s*true/);

    // The next start takes the free lease at once and reconnects from the stored session: no QR, no pairing code.
    const restartedAt = Date.now();
    const second = await server.start();
    // The row still says `connected` from before the stop (a stop keeps the status): the live socket is what tells.
    const statusOf = () => request(url, 'GET', `/api/whatsapp/instances/${shop.instanceId}/status`, { token: shop.key });
    await waitFor(async () => (await statusOf()).body.live === true && (await instanceRow()).status === 'connected', 20_000);
    const reconnectMs = Date.now() - restartedAt;
    expect((await instanceRow()).lease_owner).toContain(`:${second.child.pid}:`);
    const status = await statusOf();
    expect(status.body).toMatchObject({ status: 'connected', qr: null, pairingCode: null });

    // And everything written before the stop is answered exactly once, in order.
    await waitFor(async () => tally(PLAN, sentByTransport(dataDir, shop.instanceId), 0).answered === 200, 60_000).catch(() => undefined);
    await sleep(1000);
    const figures = tally(PLAN, sentByTransport(dataDir, shop.instanceId), 200);
    console.log(`[faults] restart after SIGTERM: connected in ${reconnectMs} ms without pairing; answered ${figures.answered}, duplicates ${figures.duplicates}, lost ${figures.lost}`);
    expect(figures).toMatchObject({ answered: 200, duplicates: 0, lost: 0, outOfOrder: 0 });
  }, 240_000);
});
