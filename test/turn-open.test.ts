import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresDatabase } from '../src/database/postgres-database.js';
import { type ConversationState, contacts, conversations, messages } from '../src/database/schema.js';
import { AgentContextRepository } from '../src/messaging/agent-context.repository.js';
import { openShopDatabase, type ShopDatabase } from './support/postgres.js';
import { waitFor } from './support/processes.js';

const HANDOFF_TIMEOUT_MS = 3_600_000;

/**
 * A turn's opening gives a closed conversation, or one left with a person past
 * the handoff timeout, back to the bot, and says so (staff screens are told):
 * also when staff close it while the statement runs.
 */
describe("a turn's opening giving the conversation back to the bot", () => {
  let opened: ShopDatabase;
  let database: PostgresDatabase;
  let repository: AgentContextRepository;
  let customer = 0;

  beforeAll(async () => {
    // Three connections: staff's transaction, the opening waiting on it, and the test's look at the locks.
    opened = await openShopDatabase('turn_open', 3, 'Pet Shop');
    database = opened.database;
    repository = new AgentContextRepository(database);
  });

  afterAll(async () => {
    await opened?.close();
  });

  /** A customer with a message waiting for a turn and, unless `state` is null, a conversation in it since `since`. */
  async function customerIn(state: ConversationState | null, since = new Date()) {
    const { systemDb } = database;
    const { organizationId, instanceId } = opened;
    customer += 1;
    const phone = `+551191000${String(customer).padStart(4, '0')}`;
    let conversationId: string | undefined;
    if (state !== null) {
      const [contact] = await systemDb.insert(contacts).values({ organizationId, phone, instanceId }).returning();
      [{ id: conversationId }] = await systemDb
        .insert(conversations)
        .values({ organizationId, contactId: contact.id, instanceId, state, stateChangedAt: since })
        .returning();
    }
    await systemDb
      .insert(messages)
      .values({ organizationId, instanceId, waMessageId: `O${customer}`, remotePhone: phone, direction: 'inbound', origin: 'customer', type: 'text', body: 'oi', status: 'received' });
    return { phone, conversationId };
  }

  const open = (phone: string) =>
    repository.openTurn({ organizationId: opened.organizationId, phone, agent: 'client', now: new Date(), handoffTimeoutMs: HANDOFF_TIMEOUT_MS, historyLimit: 5 });

  it('says why it gave the conversation back, and nothing when it did not', async () => {
    const longAgo = new Date(Date.now() - HANDOFF_TIMEOUT_MS - 60_000);
    const cases: [ConversationState | null, Date | undefined, ConversationState, string | null][] = [
      ['closed', undefined, 'bot', 'reopened'],
      ['human', longAgo, 'bot', 'timeout'],
      ['waiting_human', longAgo, 'bot', 'timeout'],
      ['human', undefined, 'human', null],
      ['waiting_human', undefined, 'waiting_human', null],
      ['bot', longAgo, 'bot', null],
      // A new customer's conversation is created with the bot: nothing it came back from.
      [null, undefined, 'bot', null],
    ];
    for (const [state, since, after, backToBot] of cases) {
      const { phone } = await customerIn(state, since);
      const turn = await open(phone);
      expect(turn?.conversation, `${state}`).toMatchObject({ state: after, backToBot });
    }
  });

  it('says it reopened a conversation staff closed while the opening waited for their commit', async () => {
    const { phone, conversationId } = await customerIn('bot');
    let opening: ReturnType<AgentContextRepository['openTurn']> | undefined;

    await database.withTenant(opened.organizationId, async (tx) => {
      await tx.update(conversations).set({ state: 'closed', stateChangedAt: new Date() }).where(eq(conversations.id, conversationId!));
      // The customer's message is opened while the close is not yet committed: its statement found the conversation
      // with the bot, waits for the close, then reopens it.
      opening = open(phone);
      await waitFor(async () => {
        const result = await database.systemDb.execute(
          sql`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return (result as unknown as { rows: { waiting: number }[] }).rows[0].waiting > 0;
      }, 5_000);
    });

    expect((await opening!)?.conversation).toMatchObject({ state: 'bot', backToBot: 'reopened' });
  });
});
