import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CampaignsRepository } from '../src/campaigns/campaigns.repository.js';
import type { PostgresDatabase } from '../src/database/postgres-database.js';
import { openShopDatabase, rowsRead, type ShopDatabase } from './support/postgres.js';

const FINISHED = 3_000;

/**
 * The campaign sweeper asks, every minute and across every organization, for
 * the campaigns still to send. A deployment keeps every campaign it ever sent;
 * the question must read the few unfinished ones, not that history.
 */
describe('the campaigns still to send, among a history of sent ones', () => {
  let opened: ShopDatabase;
  let database: PostgresDatabase;

  beforeAll(async () => {
    // One pooled connection: the test's transaction below then holds the repository's statement too.
    opened = await openShopDatabase('campaign_sweep_plan', 1, 'Shop With History');
    ({ database } = opened);
    await database.systemDb.execute(sql`
      INSERT INTO campaigns (organization_id, code, objective, audience, text, status, created_by_kind)
      SELECT ${opened.organizationId}::uuid, 'S' || n, 'Reativar', '{"kind":"all"}', 'Olá!',
             CASE n WHEN 1 THEN 'approved' WHEN 2 THEN 'sending' ELSE 'sent' END, 'system'
        FROM generate_series(1, ${FINISHED + 2}) AS n`);
    await database.systemDb.execute(sql`ANALYZE campaigns`);
  });

  afterAll(async () => {
    await opened?.close();
  });

  it('reads only the approved and sending ones', async () => {
    const { systemDb } = database;
    await systemDb.execute(sql`BEGIN`);
    let read: number;
    let unfinished: { id: string }[];
    try {
      const before = await rowsRead(systemDb, 'campaigns');
      unfinished = await new CampaignsRepository(database).unfinished();
      read = (await rowsRead(systemDb, 'campaigns')) - before;
    } finally {
      await systemDb.execute(sql`COMMIT`);
    }
    expect(unfinished).toHaveLength(2);
    expect(read).toBeLessThan(10);
  });
});
