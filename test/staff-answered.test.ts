import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contacts, type ConversationState, conversations } from '../src/database/schema.js';
import { ConversationsRepository } from '../src/messaging/conversations.repository.js';
import { openShopDatabase, type ShopDatabase } from './support/postgres.js';

/**
 * A staff message through the send endpoint, as the conversations see it
 * (ConversationsRepository.staffAnswered, in the send's transaction): a customer
 * waiting for a person has been answered, and a conversation with a person is
 * kept from the handoff timeout.
 */
describe('a staff message to customers', () => {
  let shop: ShopDatabase;
  let repository: ConversationsRepository;
  const before = new Date('2026-11-27T10:00:00.000Z');
  const now = new Date('2026-11-27T12:00:00.000Z');

  beforeAll(async () => {
    // One connection: every statement the pool names is in its pg_prepared_statements.
    shop = await openShopDatabase('staff_answered', 1, 'Pet Shop');
    repository = new ConversationsRepository(shop.database);
  });

  afterAll(async () => {
    await shop?.close();
  });

  async function conversationIn(phone: string, state: ConversationState) {
    const { organizationId, instanceId } = shop;
    const { systemDb } = shop.database;
    const [contact] = await systemDb.insert(contacts).values({ organizationId, instanceId, phone }).returning();
    const [conversation] = await systemDb
      .insert(conversations)
      .values({ organizationId, instanceId, contactId: contact.id, state, handoffReason: state === 'bot' ? null : 'o cliente pediu um atendente', stateChangedAt: before })
      .returning();
    return conversation;
  }

  const namedStatements = async () => {
    const result = await shop.database.systemDb.execute(sql`SELECT statement FROM pg_prepared_statements`);
    return (result as unknown as { rows: { statement: string }[] }).rows.map((row) => row.statement);
  };

  it('moves the waiting to a person and keeps both with staff, in one statement', async () => {
    const waiting = await conversationIn('+5511930000001', 'waiting_human');
    const withPerson = await conversationIn('+5511930000002', 'human');
    const withBot = await conversationIn('+5511930000003', 'bot');
    const known = new Set(await namedStatements());

    const moved = await shop.database.withTenant(shop.organizationId, (tx) =>
      repository.staffAnswered(tx, ['+5511930000001', '+5511930000002', '+5511930000003'], now),
    );
    // The send's transaction paid one round trip for it, not a locking read and then an update.
    const added = (await namedStatements()).filter((statement) => !known.has(statement) && statement.includes('"conversations"'));
    expect(added).toHaveLength(1);

    // Only the customer who was waiting changed state (what staff screens are told).
    expect(moved).toEqual([
      {
        organizationId: shop.organizationId,
        instanceId: shop.instanceId,
        id: waiting.id,
        contactId: waiting.contactId,
        customerPhone: '+5511930000001',
        state: 'human',
        handoffReason: 'o cliente pediu um atendente',
      },
    ]);
    const stored = async (id: string) => (await shop.database.systemDb.select().from(conversations).where(eq(conversations.id, id)))[0];
    expect(await stored(waiting.id)).toMatchObject({ state: 'human', stateChangedAt: now, staffActiveAt: now });
    // Already with a person: the handover's time stays, staff's message keeps it from the timeout.
    expect(await stored(withPerson.id)).toMatchObject({ state: 'human', stateChangedAt: before, staffActiveAt: now });
    // With the bot: a staff message alone does not take it over.
    expect(await stored(withBot.id)).toMatchObject({ state: 'bot', stateChangedAt: before, staffActiveAt: null });

  });
});
