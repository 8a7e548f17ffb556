import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, inArray, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { type ConversationState, contacts, conversations, type MessageDirection, type MessageOrigin, type MessageType, messages } from '../database/schema.js';
import type { ChangedConversation } from './conversation-events.js';

export type ConversationRow = typeof conversations.$inferSelect;

/** The last message exchanged with the conversation's contact, either way (JSON has no dates: `at` is a string). */
export interface LastMessageRow {
  direction: MessageDirection;
  origin: MessageOrigin | null;
  type: MessageType;
  text: string | null;
  at: string;
}

/** A conversation as staff see it: with its customer and what was last said, so a queue needs no other request. */
export interface ConversationView {
  conversation: ConversationRow;
  contact: { phone: string; name: string | null };
  lastMessage: LastMessageRow | null;
}

/**
 * What every conversation route answers. The last message is read by the
 * messages' (organization, phone, created_at) index, one row per conversation:
 * the last the customer and the shop exchanged, so a send that never reached
 * the customer (failed, or an assistant's reply a person's take-over held
 * back) is not shown as what was said; the conversation's messages list it.
 */
const conversationView = {
  conversation: conversations,
  contact: { phone: contacts.phone, name: contacts.name },
  lastMessage: sql<LastMessageRow | null>`(
    SELECT json_build_object('direction', last.direction, 'origin', last.origin, 'type', last.type, 'text', last.body, 'at', last.created_at)
      FROM ${messages} AS last
     WHERE last.organization_id = ${conversations.organizationId} AND last.remote_phone = ${contacts.phone}
       AND NOT (last.direction = 'outbound' AND last.status = 'failed')
     ORDER BY last.created_at DESC, last.id DESC
     LIMIT 1)`,
};

export interface ConversationFilter {
  state?: ConversationState;
  contactId?: string;
}

/** States a person is answering in: the bot stays quiet. */
export const HUMAN_STATES: readonly ConversationState[] = ['waiting_human', 'human'];

@Injectable()
export class ConversationsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /**
   * Moves a conversation from one of `from` to `to`; null when it is in none of
   * them (the caller reads it again to explain). Leaving a person clears the agent's
   * memory: the bot starts over rather than resume a menu from hours ago. The
   * handoff's reason stays while a person has the conversation: whoever takes it
   * over needs to know why the customer is waiting.
   */
  async transition(
    organizationId: string,
    id: string,
    from: readonly ConversationState[],
    to: ConversationState,
    now: Date,
  ): Promise<ConversationView | null> {
    return this.database.withTenant(organizationId, async (tx) => {
      const [moved] = await tx
        .update(conversations)
        .set({
          state: to,
          stateChangedAt: now,
          updatedAt: now,
          ...(to === 'waiting_human' || to === 'human' ? {} : { handoffReason: null }),
          ...(to === 'bot' || to === 'closed' ? { agentState: null } : {}),
        })
        .where(and(eq(conversations.id, id), inArray(conversations.state, [...from])))
        .returning({ id: conversations.id });
      return moved === undefined ? null : this.view(tx, id);
    });
  }

  /** Staff active in a conversation a person holds (`human`): the handoff timeout counts from `now`. Null when not `human`. */
  async staffActive(organizationId: string, id: string, now: Date): Promise<ConversationView | null> {
    return this.database.withTenant(organizationId, async (tx) => {
      const [touched] = await tx
        .update(conversations)
        .set({ staffActiveAt: now, updatedAt: now })
        .where(and(eq(conversations.id, id), eq(conversations.state, 'human')))
        .returning({ id: conversations.id });
      return touched === undefined ? null : this.view(tx, id);
    });
  }

  /**
   * Staff messages to customers with a person (in the sends' own transaction):
   * one waiting for a person has been answered, and either is kept from the
   * handoff timeout, which counts from staff's last message too. Answers the
   * conversations that moved (from `waiting_human` to `human`).
   */
  async staffAnswered(tx: Db, phones: string[], now: Date): Promise<ChangedConversation[]> {
    // Locked as it is read, in the one statement that moves it: a concurrent release or close is waited for and
    // the row read again, so the state compared is the one this update replaces.
    const withPerson = tx
      .select({ id: conversations.id, previousState: sql<ConversationState>`${conversations.state}`.as('previous_state'), customerPhone: contacts.phone })
      .from(conversations)
      .innerJoin(contacts, eq(contacts.id, conversations.contactId))
      .where(and(inArray(conversations.state, [...HUMAN_STATES]), inArray(contacts.phone, phones)))
      .for('update', { of: conversations })
      .as('with_person');
    const moved = await tx
      .update(conversations)
      .set({
        state: 'human',
        stateChangedAt: sql`CASE WHEN ${withPerson.previousState} = 'waiting_human' THEN ${now.toISOString()}::timestamptz ELSE ${conversations.stateChangedAt} END`,
        staffActiveAt: now,
        updatedAt: now,
      })
      .from(withPerson)
      .where(eq(conversations.id, withPerson.id))
      .returning({
        organizationId: conversations.organizationId,
        instanceId: conversations.instanceId,
        id: conversations.id,
        contactId: conversations.contactId,
        customerPhone: withPerson.customerPhone,
        previousState: withPerson.previousState,
        state: conversations.state,
        handoffReason: conversations.handoffReason,
      });
    return moved.filter((conversation) => conversation.previousState === 'waiting_human').map(({ previousState, ...conversation }) => conversation);
  }

  find(organizationId: string, id: string): Promise<ConversationView | null> {
    return this.database.withTenant(organizationId, (tx) => this.view(tx, id));
  }

  private async view(tx: Db, id: string): Promise<ConversationView | null> {
    const [row] = await tx
      .select(conversationView)
      .from(conversations)
      .innerJoin(contacts, eq(contacts.id, conversations.contactId))
      .where(eq(conversations.id, id));
    return row ?? null;
  }

  list(organizationId: string, filter: ConversationFilter, limit: number, offset: number): Promise<ConversationView[]> {
    const conditions: (SQL | undefined)[] = [];
    if (filter.state !== undefined) conditions.push(eq(conversations.state, filter.state));
    if (filter.contactId !== undefined) conditions.push(eq(conversations.contactId, filter.contactId));
    return this.database.withTenant(organizationId, (tx) =>
      tx
        .select(conversationView)
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

  /**
   * Conversations left with a person past the timeout, since the handover and
   * staff's last message, go back to the bot (the sweeper's pass; a new message does the same).
   */
  async expireHandoffs(olderThan: Date, now: Date): Promise<ChangedConversation[]> {
    return this.database.systemDb
      .update(conversations)
      .set({ state: 'bot', handoffReason: null, agentState: null, stateChangedAt: now, updatedAt: now })
      .where(
        and(
          inArray(conversations.state, [...HUMAN_STATES]),
          lt(conversations.stateChangedAt, olderThan),
          or(isNull(conversations.staffActiveAt), lt(conversations.staffActiveAt, olderThan)),
        ),
      )
      .returning({
        organizationId: conversations.organizationId,
        instanceId: conversations.instanceId,
        id: conversations.id,
        contactId: conversations.contactId,
        customerPhone: sql<string>`(SELECT ${contacts.phone} FROM ${contacts} WHERE ${contacts.id} = ${conversations.contactId})`,
        state: conversations.state,
        handoffReason: conversations.handoffReason,
      });
  }
}
