import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages, whatsappInstances } from '../src/database/schema.js';
import { INSTANCE_DELETED, InstancesRepository } from '../src/whatsapp/instances.repository.js';
import { openShopDatabase, type ShopDatabase } from './support/postgres.js';
import { waitFor } from './support/processes.js';

/**
 * Deleting an instance reaches into tables that workers write while it runs
 * (messages, campaigns): a worker holding one of its rows and then touching the
 * instance's row, as a turn storing its replies does, waits on the delete while
 * the delete waits on it. PostgreSQL ends the deadlock by failing one of them;
 * when that is the delete, it is run again rather than answered as a 500 (seen
 * in CI against a campaign's tally update).
 */
describe('deleting a WhatsApp instance while a worker writes its messages', () => {
  let opened: ShopDatabase;

  beforeAll(async () => {
    // Three connections: the worker's transaction, the delete, and the test's look at the locks.
    opened = await openShopDatabase('instance_delete', 3, 'Pet Shop');
  });

  afterAll(async () => {
    await opened?.close();
  });

  it('deletes it, keeping the history of its messages and failing the send that still waited for it', async () => {
    const { organizationId, instanceId, database } = opened;
    const [message, send] = await database.systemDb
      .insert(messages)
      .values([
        { organizationId, instanceId, remotePhone: '+5511900000001', direction: 'inbound', origin: 'customer', type: 'text', body: 'oi', status: 'processing' },
        { organizationId, instanceId, remotePhone: '+5511900000002', direction: 'outbound', origin: 'api', type: 'text', body: 'até amanhã', status: 'queued' },
      ])
      .returning();

    let deleting: Promise<void> | undefined;
    await database.withConnection(async (worker) => {
      // The worker holds the message's row, and would wait longer than PostgreSQL's deadlock check: the delete is the one it fails.
      await worker.exec("BEGIN; SET LOCAL deadlock_timeout = '30s'");
      await worker.query("UPDATE messages SET status = 'processed' WHERE id = $1", [message.id]);
      deleting = new InstancesRepository(database).delete(organizationId, instanceId);
      // Seen from a connection of its own: inside a transaction, pg_stat_activity stays as it first read it.
      await waitFor(async () => {
        const result = await database.systemDb.execute(
          sql`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return (result as unknown as { rows: { waiting: number }[] }).rows[0].waiting > 0;
      }, 5_000);
      // Then it touches the instance's row, as a foreign-key check of a reply's insert does.
      await worker.query('SELECT 1 FROM whatsapp_instances WHERE id = $1 FOR KEY SHARE', [instanceId]);
      await worker.exec('COMMIT');
    });

    await expect(deleting).resolves.toBeUndefined();
    expect(await database.systemDb.select().from(whatsappInstances).where(eq(whatsappInstances.id, instanceId))).toEqual([]);
    const kept = await database.systemDb
      .select({ id: messages.id, instanceId: messages.instanceId, status: messages.status, error: messages.error, body: messages.body })
      .from(messages)
      .where(inArray(messages.id, [message.id, send.id]));
    expect(kept.sort((a, b) => (a.body ?? '').localeCompare(b.body ?? ''))).toEqual([
      // The worker's turn committed first: its message stays answered.
      { id: send.id, instanceId: null, status: 'failed', error: INSTANCE_DELETED, body: 'até amanhã' },
      { id: message.id, instanceId: null, status: 'processed', error: null, body: 'oi' },
    ]);
  });
});
