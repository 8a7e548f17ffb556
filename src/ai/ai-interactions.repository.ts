import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, type SQL, sql } from 'drizzle-orm';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { preparedQuery } from '../database/prepared-query.js';
import { type AiOutcome, aiInteractions, type ConversationAgentKind } from '../database/schema.js';

export type AiInteractionRow = typeof aiInteractions.$inferSelect;
/** Every column a turn knows, given explicitly: the insert is prepared once, with a placeholder for each. */
export type NewAiInteraction = Required<Omit<typeof aiInteractions.$inferInsert, 'id' | 'organizationId' | 'createdAt'>>;

export interface AiInteractionFilter {
  conversationId?: string;
  agent?: ConversationAgentKind;
  outcome?: AiOutcome;
}

const { placeholder } = sql;

/** One turn's audit row. */
const insertInteraction = (db: Db) =>
  db.insert(aiInteractions).values({
    organizationId: placeholder('organizationId'),
    conversationId: placeholder('conversationId'),
    contactId: placeholder('contactId'),
    agent: placeholder('agent'),
    model: placeholder('model'),
    outcome: placeholder('outcome'),
    rounds: placeholder('rounds'),
    promptTokens: placeholder('promptTokens'),
    completionTokens: placeholder('completionTokens'),
    toolCalls: placeholder('toolCalls'),
    latencyMs: placeholder('latencyMs'),
    error: placeholder('error'),
  });

/** The audit of agent turns, read under the organization's row-level security. */
@Injectable()
export class AiInteractionsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /**
   * A failed turn's row (an answered turn's is stored with its replies, see
   * InboundRepository.finishTurn): a single INSERT on the owner connection, the
   * organization written explicitly (it is the turn's own, never a caller's
   * input). Reads stay under row-level security.
   */
  async record(organizationId: string, interaction: NewAiInteraction): Promise<void> {
    await preparedQuery(this.database.systemDb, 'oxy_ai_interaction', insertInteraction).execute({ ...interaction, organizationId });
  }

  /** Newest first. */
  list(organizationId: string, filter: AiInteractionFilter, limit: number, offset: number): Promise<AiInteractionRow[]> {
    const conditions: SQL[] = [eq(aiInteractions.organizationId, organizationId)];
    if (filter.conversationId !== undefined) conditions.push(eq(aiInteractions.conversationId, filter.conversationId));
    if (filter.agent !== undefined) conditions.push(eq(aiInteractions.agent, filter.agent));
    if (filter.outcome !== undefined) conditions.push(eq(aiInteractions.outcome, filter.outcome));
    return this.database.withTenant(organizationId, (tx) =>
      tx
        .select()
        .from(aiInteractions)
        .where(and(...conditions))
        .orderBy(desc(aiInteractions.createdAt), desc(aiInteractions.id))
        .limit(limit)
        .offset(offset),
    );
  }
}
