import { eq, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresDatabase } from '../src/database/postgres-database.js';
import { messages } from '../src/database/schema.js';
import { AgentContextRepository } from '../src/messaging/agent-context.repository.js';
import { InboundRepository } from '../src/messaging/inbound.repository.js';
import { indexEntriesRead, openShopDatabase, type ShopDatabase } from './support/postgres.js';

const HISTORY = 5_000;
const CUSTOMER = '+5511900000001';

/**
 * A turn's first statement claims the contact's waiting messages and reads
 * their history; its last statement marks the messages it answered by id. It also
 * filters by organization, and with statistics
 * taken while the shop was small (a new shop, a plan cached early, a server
 * without autovacuum) PostgreSQL judged the organization's index cheaper than
 * the ids': every turn then read the shop's whole history. A generic plan,
 * made against such statistics, must still read only the contact's waiting
 * messages.
 */
describe("a turn's opening and finish with statistics older than the shop's history", () => {
  let opened: ShopDatabase;
  let database: PostgresDatabase;
  let organizationId: string;
  let instanceId: string;

  beforeAll(async () => {
    // One pooled connection: the test's transaction below then holds the repository's statement too.
    opened = await openShopDatabase('turn_finish_plan', 1, 'Big Shop');
    ({ database, organizationId, instanceId } = opened);
    // Statistics of the empty table, then a history they do not know about.
    await database.systemDb.execute(sql`ANALYZE messages`);
    await database.systemDb.execute(sql`
      INSERT INTO messages (organization_id, instance_id, wa_message_id, remote_phone, direction, origin, type, body, status)
      SELECT ${organizationId}::uuid, ${instanceId}::uuid, 'HISTORY' || n, '+55119' || lpad((n % 500)::text, 8, '0'),
             'inbound', 'customer', 'text', 'oi', 'processed'
        FROM generate_series(1, ${HISTORY}) AS n`);
  });

  afterAll(async () => {
    await opened?.close();
  });

  it("marks the answered message and stores the reply reading only the contact's waiting messages", async () => {
    const [waiting] = await database.systemDb
      .insert(messages)
      .values({ organizationId, instanceId, waMessageId: 'WAITING', remotePhone: CUSTOMER, direction: 'inbound', origin: 'customer', type: 'text', body: 'oi', status: 'processing' })
      .returning();
    const repository = new InboundRepository(database);
    const turnId = randomUUID();

    const { systemDb } = database;
    await systemDb.execute(sql`BEGIN`);
    let replyIds: string[];
    let read: number;
    try {
      await systemDb.execute(sql`SET LOCAL plan_cache_mode = force_generic_plan`);
      const before = await indexEntriesRead(systemDb);
      ({ replyIds } = await repository.finishTurn({
        organizationId,
        turnId,
        instanceId,
        remotePhone: CUSTOMER,
        contactId: null,
        conversationId: null,
        answered: [waiting.id],
        unanswered: { ids: [], reason: '' },
        replies: [{ text: 'Olá! Como posso ajudar?', origin: 'agent' }],
        now: new Date(),
      }));
      read = (await indexEntriesRead(systemDb)) - before;
    } finally {
      await systemDb.execute(sql`COMMIT`);
    }

    const [answered] = await database.systemDb.select().from(messages).where(eq(messages.id, waiting.id));
    expect(answered).toMatchObject({ status: 'processed', turnId });
    const [reply] = await database.systemDb.select().from(messages).where(eq(messages.id, replyIds[0]));
    expect(reply).toMatchObject({ direction: 'outbound', status: 'queued', body: 'Olá! Como posso ajudar?', turnId });
    // Through the organization's index this was the whole history (over 5,000 entries).
    expect(read).toBeLessThan(10);
  });

  it("opens a turn reading only the contact's waiting messages and their last ones", async () => {
    // Ten of the history's messages are this customer's.
    const customer = '+5511900000002';
    const [waiting] = await database.systemDb
      .insert(messages)
      .values({ organizationId, instanceId, waMessageId: 'WAITING-2', remotePhone: customer, direction: 'inbound', origin: 'customer', type: 'text', body: 'oi', status: 'received' })
      .returning();
    const repository = new AgentContextRepository(database);

    const { systemDb } = database;
    await systemDb.execute(sql`BEGIN`);
    let opened: Awaited<ReturnType<AgentContextRepository['openTurn']>>;
    let read: number;
    try {
      await systemDb.execute(sql`SET LOCAL plan_cache_mode = force_generic_plan`);
      const before = await indexEntriesRead(systemDb);
      opened = await repository.openTurn({ organizationId, phone: customer, agent: 'client', now: new Date(), handoffTimeoutMs: 3_600_000, historyLimit: 5 });
      read = (await indexEntriesRead(systemDb)) - before;
    } finally {
      await systemDb.execute(sql`COMMIT`);
    }

    expect(opened?.pending.map((message) => message.id)).toEqual([waiting.id]);
    expect(opened?.history).toHaveLength(5);
    // Through the organization's index, the claim or the history read the shop's history (over 5,000 entries).
    expect(read).toBeLessThan(20);
  });
});
