import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InboundIntakeService } from '../../src/messaging/inbound-intake.service.js';
import { SandboxTransport } from '../../src/whatsapp/transport/sandbox.transport.js';
import { deleteRedisPrefix, REDIS_URL, startTestApp } from '../support/app.js';
import { sleep, ThrowawayPostgres, waitFor } from '../support/processes.js';
import { createChattingShop } from '../support/shop.js';
import { phoneOf, sentByTransport, storedCount, tally, textOf, whatsAppIdOf } from './load.js';

const ADMIN_KEY = 'admin-key-for-spool-tests-0123456789';
const PLAN = { contacts: 5, perContact: 4 };

describe('the inbound spool across a stop', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('messages spooled while PostgreSQL is down and the server stops are stored and answered once by the next start', async () => {
    const postgres = await ThrowawayPostgres.start();
    cleanups.push(() => postgres.destroy());
    const prefix = `test:spool:${randomBytes(4).toString('hex')}`;
    cleanups.push(() => deleteRedisPrefix(REDIS_URL, prefix));
    const dataDir = mkdtempSync(join(tmpdir(), 'oxy-spool-restart-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const environment = {
      DATABASE_URL: postgres.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      ADMIN_API_KEY: ADMIN_KEY,
      DATA_DIR: dataDir,
      OUTBOUND_MIN_GAP_MS: '0',
      OUTBOUND_JITTER_MS: '0',
      INBOUND_RATE_LIMIT_PER_MINUTE: '10000',
      // The stop cannot give the lease back while the database is down: it lapses quickly for the next start.
      WHATSAPP_LEASE_TTL_MS: '3000',
    };
    const first = await startTestApp(environment);
    // The test closes the first app itself, keeping its data folder and Redis prefix for the second (so app.close, not close);
    // this closes it only if the test failed before that.
    let firstClosed = false;
    cleanups.push(async () => {
      if (!firstClosed) await first.app.close();
    });
    const shop = await createChattingShop(first.baseUrl, ADMIN_KEY);
    const sandbox = first.app.get(SandboxTransport);

    await postgres.stop();
    for (let index = 0; index < PLAN.perContact; index += 1) {
      for (let contact = 0; contact < PLAN.contacts; contact += 1) {
        // Acknowledged although the database is away: held in the spool.
        await sandbox.inboundAcknowledged(shop.instanceId, { from: phoneOf(contact), text: textOf(contact, index), messageId: whatsAppIdOf(contact, index) });
      }
    }
    expect(first.app.get(InboundIntakeService).spooled().pending).toBe(true);
    // The server stops (a deploy, say) before the database is back; its spool stays on the disk.
    await first.app.close();
    firstClosed = true;
    const spoolFolder = join(dataDir, 'inbound-spool');
    expect(readdirSync(spoolFolder).length).toBeGreaterThan(0);

    await postgres.restart();
    const second = await startTestApp(environment);
    cleanups.push(() => second.close());
    const total = PLAN.contacts * PLAN.perContact;
    await waitFor(async () => tally(PLAN, sentByTransport(dataDir, shop.instanceId), 0).answered === total, 60_000).catch(() => undefined);
    await sleep(1000);
    const figures = tally(PLAN, sentByTransport(dataDir, shop.instanceId), await storedCount(postgres.url, shop.instanceId));
    console.log(`[faults] spooled while PostgreSQL was down, across a stop: sent ${figures.sent}, stored ${figures.stored}, answered ${figures.answered}, duplicates ${figures.duplicates}, lost ${figures.lost}`);
    expect(figures).toMatchObject({ sent: total, stored: total, answered: total, duplicates: 0, lost: 0, outOfOrder: 0 });
    expect(existsSync(spoolFolder) && readdirSync(spoolFolder)).toEqual([]);
  }, 180_000);
});
