import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { preparedQuery } from '../database/prepared-query.js';
import { type ConversationAgentKind, type ConversationState, contacts, conversations, messages } from '../database/schema.js';

export type ConversationRow = typeof conversations.$inferSelect;

export interface ConversationFilter {
  state?: ConversationState;
  contactId?: string;
}

/** States a person is answering in: the bot stays quiet. */
export const HUMAN_STATES: readonly ConversationState[] = ['waiting_human', 'human'];

/** Closed, or with a person past the handoff timeout (`staleBefore`): the conversation goes back to the bot. */
const backToBot = sql`${conversations.state} = 'closed' OR (${conversations.state} IN ('waiting_human', 'human') AND ${conversations.stateChangedAt} < ${sql.placeholder('staleBefore')}::timestamptz)`;

/** Every turn's conversation (see openFor). */
const openForTurn = (db: Db) =>
  db
    .insert(conversations)
    .values({
      organizationId: sql.placeholder('organizationId'),
      contactId: sql.placeholder('contactId'),
      instanceId: sql.placeholder('instanceId'),
      agent: sql.placeholder('agent'),
      lastMessageAt: sql.placeholder('now'),
      stateChangedAt: sql.placeholder('now'),
    })
    .onConflictDoUpdate({
      target: [conversations.organizationId, conversations.contactId],
      set: {
        instanceId: sql`excluded.instance_id`,
        agent: sql`excluded.agent`,
        lastMessageAt: sql`excluded.last_message_at`,
        state: sql`CASE WHEN ${backToBot} THEN 'bot' ELSE ${conversations.state} END`,
        handoffReason: sql`CASE WHEN ${backToBot} THEN NULL ELSE ${conversations.handoffReason} END`,
        stateChangedAt: sql`CASE WHEN ${backToBot} THEN excluded.state_changed_at ELSE ${conversations.stateChangedAt} END`,
        updatedAt: sql`excluded.last_message_at`,
      },
    })
    .returning();

@Injectable()
export class ConversationsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /**
   * The contact's conversation, created on their first message. A closed one
   * reopens with the bot, and one left with a person longer than `handoffTimeoutMs`
   * goes back to the bot: both in the same statement.
   */
  async openFor(
    tx: Db,
    organizationId: string,
    contact: { contactId: string; instanceId: string; agent: ConversationAgentKind },
    now: Date,
    handoffTimeoutMs: number,
  ): Promise<ConversationRow> {
    const [row] = await preparedQuery(tx, 'oxy_conversation_open', openForTurn).execute({
      organizationId,
      ...contact,
      now,
      staleBefore: new Date(now.getTime() - handoffTimeoutMs).toISOString(),
    });
    return row;
  }

  /** Hands a conversation the bot holds to a person; true only for the turn that moved it. */
  async handOver(tx: Db, conversationId: string, reason: string, now: Date): Promise<boolean> {
    const moved = await tx
      .update(conversations)
      .set({ state: 'waiting_human', handoffReason: reason, stateChangedAt: now, updatedAt: now })
      .where(and(eq(conversations.id, conversationId), eq(conversations.state, 'bot')))
      .returning({ id: conversations.id });
    return moved.length > 0;
  }

  /**
   * Moves a conversation from one of `from` to `to`; null when it is in none of
   * them (the caller reads it again to explain). Leaving a person clears the agent's
   * memory: the bot starts over rather than resume a menu from hours ago.
   */
  async transition(
    organizationId: string,
    id: string,
    from: readonly ConversationState[],
    to: ConversationState,
    now: Date,
  ): Promise<ConversationRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx
        .update(conversations)
        .set({
          state: to,
          stateChangedAt: now,
          updatedAt: now,
          ...(to === 'waiting_human' ? {} : { handoffReason: null }),
          ...(to === 'bot' || to === 'closed' ? { agentState: null } : {}),
        })
        .where(and(eq(conversations.id, id), inArray(conversations.state, [...from])))
        .returning(),
    );
    return row ?? null;
  }

  /** Staff messages to customers waiting for a person: the person has answered (in the sends' own transaction). */
  async staffAnswered(tx: Db, phones: string[], now: Date): Promise<void> {
    await tx
      .update(conversations)
      .set({ state: 'human', stateChangedAt: now, updatedAt: now })
      .where(
        and(
          eq(conversations.state, 'waiting_human'),
          inArray(conversations.contactId, tx.select({ id: contacts.id }).from(contacts).where(inArray(contacts.phone, phones))),
        ),
      );
  }

  async find(organizationId: string, id: string): Promise<ConversationRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) => tx.select().from(conversations).where(eq(conversations.id, id)));
    return row ?? null;
  }

  list(organizationId: string, filter: ConversationFilter, limit: number, offset: number) {
    const conditions: (SQL | undefined)[] = [];
    if (filter.state !== undefined) conditions.push(eq(conversations.state, filter.state));
    if (filter.contactId !== undefined) conditions.push(eq(conversations.contactId, filter.contactId));
    return this.database.withTenant(organizationId, (tx) =>
      tx
        .select({ conversation: conversations, contact: { phone: contacts.phone, name: contacts.name } })
        .from(conversations)
        .innerJoin(contacts, eq(contacts.id, conversations.contactId))
        .where(and(...conditions))
        // The staff queue: whoever has waited longest first; otherwise the most recent first.
        .orderBy(filter.state === 'waiting_human' ? conversations.stateChangedAt : desc(conversations.lastMessageAt), desc(conversations.id))
        .limit(limit)
        .offset(offset),
    );
  }

  /** Everything exchanged with the conversation's contact (staff sends included), newest first. */
  messages(organizationId: string, conversationId: string, limit: number, offset: number) {
    return this.database.withTenant(organizationId, (tx) =>
      tx
        .select()
        .from(messages)
        .where(
          eq(
            messages.remotePhone,
            tx
              .select({ phone: contacts.phone })
              .from(conversations)
              .innerJoin(contacts, eq(contacts.id, conversations.contactId))
              .where(eq(conversations.id, conversationId)),
          ),
        )
        .orderBy(desc(messages.createdAt), desc(messages.id))
        .limit(limit)
        .offset(offset),
    );
  }

  /** Conversations left with a person past the timeout go back to the bot (the sweeper's pass; a new message does the same). */
  async expireHandoffs(olderThan: Date): Promise<number> {
    const rows = await this.database.systemDb
      .update(conversations)
      .set({ state: 'bot', handoffReason: null, agentState: null, stateChangedAt: new Date(), updatedAt: new Date() })
      .where(and(inArray(conversations.state, [...HUMAN_STATES]), lt(conversations.stateChangedAt, olderThan)))
      .returning({ id: conversations.id });
    return rows.length;
  }
}
