import { and, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresDatabase } from '../src/database/postgres-database.js';
import { messages } from '../src/database/schema.js';
import { MessagesRepository } from '../src/whatsapp/messages.repository.js';
import { indexEntriesRead, openShopDatabase, type ShopDatabase } from './support/postgres.js';

const HISTORY = 5_000;

/**
 * A batch of receipts names its messages by (instance, WhatsApp id). Every
 * statement of the app is prepared, so after a few runs PostgreSQL may plan it
 * once for any instance; with statistics from when the instance had few
 * messages (a new number, a server without autovacuum) that plan read all of
 * the instance's messages to find the batch's few. A generic plan, made against
 * such statistics, must still read only the batch's rows.
 */
describe("receipts with statistics older than the instance's history", () => {
  let opened: ShopDatabase;
  let database: PostgresDatabase;
  let instanceId: string;

  beforeAll(async () => {
    // One pooled connection: the test's transaction below then holds the repository's statement too.
    opened = await openShopDatabase('receipts_plan', 1, 'Big Shop');
    ({ database, instanceId } = opened);
    // Statistics of the empty table, then a history they do not know about.
    await database.systemDb.execute(sql`ANALYZE messages`);
    await database.systemDb.execute(sql`
      INSERT INTO messages (organization_id, instance_id, wa_message_id, remote_phone, direction, origin, type, body, status)
      SELECT ${opened.organizationId}::uuid, ${instanceId}::uuid, '3EB0HISTORY' || n, '+55119' || lpad((n % 500)::text, 8, '0'),
             'outbound', 'agent', 'text', 'Olá!', 'sent'
        FROM generate_series(1, ${HISTORY}) AS n`);
  });

  afterAll(async () => {
    await opened?.close();
  });

  it('moves the batch forward reading only its own messages', async () => {
    const repository = new MessagesRepository(database);
    const { systemDb } = database;
    await systemDb.execute(sql`BEGIN`);
    let read: number;
    try {
      await systemDb.execute(sql`SET LOCAL plan_cache_mode = force_generic_plan`);
      const before = await indexEntriesRead(systemDb);
      await repository.applyReceipts(instanceId, [
        { messageId: '3EB0HISTORY10', status: 'delivered' },
        { messageId: '3EB0HISTORY20', status: 'read' },
      ]);
      read = (await indexEntriesRead(systemDb)) - before;
    } finally {
      await systemDb.execute(sql`COMMIT`);
    }

    const rows = await systemDb
      .select({ waMessageId: messages.waMessageId, status: messages.status })
      .from(messages)
      .where(and(eq(messages.instanceId, instanceId), inArray(messages.waMessageId, ['3EB0HISTORY10', '3EB0HISTORY20', '3EB0HISTORY30'])))
      .orderBy(messages.waMessageId);
    expect(rows).toEqual([
      { waMessageId: '3EB0HISTORY10', status: 'delivered' },
      { waMessageId: '3EB0HISTORY20', status: 'read' },
      { waMessageId: '3EB0HISTORY30', status: 'sent' },
    ]);
    // Through the instance alone this was its whole history (over 5,000 entries).
    expect(read).toBeLessThan(10);
  });
});
