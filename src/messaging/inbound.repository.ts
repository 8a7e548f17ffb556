import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, inArray, lt, sql } from 'drizzle-orm';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { type MessageType, messages } from '../database/schema.js';

export interface NewInboundMessage {
  organizationId: string;
  instanceId: string;
  waMessageId: string;
  remotePhone: string;
  type: MessageType;
  body: string | null;
  mediaMimetype: string | null;
  pushName: string | null;
  /** Only for messages stored without a turn (group chats): `processed` with the reason. */
  status?: 'processed';
  error?: string;
}

export interface PendingMessage {
  id: string;
  instanceId: string;
  type: MessageType;
  body: string | null;
  pushName: string | null;
  status: 'received' | 'processing';
  createdAt: Date;
}

export interface TurnReply {
  text: string;
  origin: 'agent' | 'system';
}

interface ClaimedRow {
  id: string;
  instance_id: string;
  type: MessageType;
  body: string | null;
  push_name: string | null;
  created_at: string | Date;
  previous_status: 'received' | 'processing';
  /** bigint: a string from node-postgres. */
  position: string | number;
}

function agentStateJson(agentState: Record<string, unknown> | null | undefined): string | null {
  return agentState === undefined || agentState === null ? null : JSON.stringify(agentState);
}

/** How many of a contact's waiting messages one turn takes (a flood is answered over several turns). */
export const TURN_BATCH_LIMIT = 50;

/**
 * A batch of delivered messages, one array per column: a constant text, so the
 * runner sends it by name and neither Drizzle nor PostgreSQL builds it again.
 */
const INSERT_INBOUND = `
  INSERT INTO messages (organization_id, instance_id, wa_message_id, remote_phone, type, body, media_mimetype, push_name,
                        status, error, direction, origin)
  SELECT organization_id, instance_id, wa_message_id, remote_phone, type, body, media_mimetype, push_name,
         status, error, 'inbound', 'customer'
    FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
         AS delivered(organization_id, instance_id, wa_message_id, remote_phone, type, body, media_mimetype, push_name, status, error)
  ON CONFLICT (instance_id, wa_message_id) DO NOTHING
  RETURNING id, instance_id, wa_message_id`;

/**
 * The contact's messages waiting for an answer (the partial index
 * messages_waiting_inbound_idx holds exactly these): what a turn claims, and
 * added to the turn's updates by id so that no plan can reach them through the
 * organization's index. Under row-level security every statement also filters
 * by organization, and with statistics older than the table's growth (a new
 * shop, a generic plan cached while the table was small, or no autovacuum) the
 * planner judged scanning the organization's messages cheaper than the ids'
 * primary key: a turn then read every message the shop ever had. With these
 * conditions the worst plan reads the contact's waiting messages, a handful.
 */
function waitingOf(remotePhone: string) {
  return sql`${messages.remotePhone} = ${remotePhone} AND ${messages.direction} = 'inbound' AND ${messages.status} IN ('received', 'processing')`;
}

/** The inbound pipeline's reads and writes of `messages`. */
@Injectable()
export class InboundRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /**
   * Stores delivered messages in one statement: for each, in order, its id, or
   * null when (instance, WhatsApp id) is already stored (a duplicate delivery).
   * Like receipts, intake serves a socket, and each organization is its
   * instance's own: one INSERT on the owner connection, with the organization
   * written explicitly, instead of a tenant transaction's three round trips on
   * the busiest path.
   */
  async insertMany(batch: NewInboundMessage[]): Promise<(string | null)[]> {
    const column = (value: (message: NewInboundMessage) => string | null) => batch.map(value);
    const rows = await this.database.withConnection((runner) =>
      runner.query<{ id: string; instance_id: string; wa_message_id: string }>(
        INSERT_INBOUND,
        [
          column((message) => message.organizationId),
          column((message) => message.instanceId),
          column((message) => message.waMessageId),
          column((message) => message.remotePhone),
          column((message) => message.type),
          column((message) => message.body),
          column((message) => message.mediaMimetype),
          column((message) => message.pushName),
          column((message) => message.status ?? 'received'),
          column((message) => message.error ?? null),
        ],
        'oxy_inbound_insert',
      ),
    );
    const stored = new Map(rows.map((row) => [`${row.instance_id}:${row.wa_message_id}`, row.id]));
    // A message delivered twice within the batch is stored once: the first of the two gets the id.
    return batch.map((message) => {
      const key = `${message.instanceId}:${message.waMessageId}`;
      const id = stored.get(key) ?? null;
      stored.delete(key);
      return id;
    });
  }

  async setMedia(organizationId: string, messageId: string, mediaRef: string | null, error: string | null): Promise<void> {
    await this.database.withTenant(organizationId, (tx) =>
      tx.update(messages).set({ mediaRef, error, updatedAt: new Date() }).where(eq(messages.id, messageId)),
    );
  }

  /**
   * Takes a contact's messages waiting for an answer (the caller holds the
   * contact's turn lock), oldest first: marks them `processing` and returns them
   * with the status they had, in one statement. A turn that dies afterwards leaves
   * them `processing`: the next turn of the contact takes them again.
   */
  async claimPending(organizationId: string, remotePhone: string): Promise<PendingMessage[]> {
    // The position comes from PostgreSQL: created_at has microseconds, a JavaScript Date only milliseconds.
    // One statement on the owner connection, the organization in the filter: most turns end here when the
    // contact's messages were answered already, so this check must cost one round trip, not a transaction.
    const result = await this.database.systemDb.execute(sql`
      WITH waiting AS (
        SELECT id, status, row_number() OVER (ORDER BY created_at, id) AS position FROM messages
         WHERE organization_id = ${organizationId} AND ${waitingOf(remotePhone)}
         ORDER BY created_at, id
         LIMIT ${TURN_BATCH_LIMIT}
      )
      UPDATE messages SET status = 'processing', updated_at = now()
        FROM waiting
       WHERE messages.id = waiting.id
      RETURNING messages.id, messages.instance_id, messages.type, messages.body, messages.push_name, messages.created_at,
                waiting.status AS previous_status, waiting.position`);
    const rows = (result as unknown as { rows: ClaimedRow[] }).rows;
    return rows
      .sort((left, right) => Number(left.position) - Number(right.position))
      .map((row) => ({
        id: row.id,
        instanceId: row.instance_id,
        type: row.type,
        body: row.body,
        pushName: row.push_name,
        status: row.previous_status,
        createdAt: new Date(row.created_at),
      }));
  }

  /**
   * Ends a turn in one transaction: the replies are stored (queued) and the
   * messages they answer marked processed together, so a crash either redoes
   * the whole turn or none of it, and a message is never answered twice. The
   * agent's memory is saved on the conversation in the same statement (when
   * `agentState` is given; null clears it): the common turn's writes are one
   * round trip, not three. Answers the replies' ids, in order.
   */
  async finishTurn(
    tx: Db,
    turn: {
      organizationId: string;
      turnId: string;
      instanceId: string;
      remotePhone: string;
      contactId: string | null;
      conversationId: string | null;
      answered: string[];
      unanswered: { ids: string[]; reason: string };
      replies: TurnReply[];
      agentState?: Record<string, unknown> | null;
      now: Date;
    },
  ): Promise<string[]> {
    const now = turn.now.toISOString();
    if (turn.unanswered.ids.length > 0) {
      await tx
        .update(messages)
        .set({ status: 'processed', error: turn.unanswered.reason, contactId: turn.contactId, conversationId: turn.conversationId, updatedAt: turn.now })
        .where(and(inArray(messages.id, turn.unanswered.ids), waitingOf(turn.remotePhone)));
    }
    // Every value is cast: parameters in an INSERT's SELECT list would otherwise be read as text. A list is one
    // parameter (sql.param: interpolated as it is, Drizzle would spread it into one parameter per element).
    // created_at steps by a microsecond per reply, so the replies keep their order.
    const result = await tx.execute(sql`
      WITH answered AS (
        UPDATE messages
           SET status = 'processed', turn_id = ${turn.turnId}::uuid, contact_id = ${turn.contactId}::uuid,
               conversation_id = ${turn.conversationId}::uuid, updated_at = ${now}::timestamptz
         WHERE id = ANY(${sql.param(turn.answered)}::uuid[]) AND ${waitingOf(turn.remotePhone)}
      ), memory AS (
        UPDATE conversations SET agent_state = ${agentStateJson(turn.agentState)}::jsonb, updated_at = ${now}::timestamptz
         WHERE id = ${turn.conversationId}::uuid AND ${turn.agentState !== undefined}::boolean
      )
      INSERT INTO messages (organization_id, instance_id, contact_id, conversation_id, turn_id, remote_phone,
                            direction, origin, type, body, status, created_at)
      SELECT ${turn.organizationId}::uuid, ${turn.instanceId}::uuid, ${turn.contactId}::uuid, ${turn.conversationId}::uuid,
             ${turn.turnId}::uuid, ${turn.remotePhone}::text, 'outbound', reply.origin, 'text', reply.text, 'queued',
             clock_timestamp() + (reply.position - 1) * interval '1 microsecond'
        FROM unnest(${sql.param(turn.replies.map((reply) => reply.text))}::text[], ${sql.param(turn.replies.map((reply) => reply.origin))}::text[])
             WITH ORDINALITY AS reply(text, origin, position)
       ORDER BY reply.position
      RETURNING id`);
    return (result as unknown as { rows: { id: string }[] }).rows.map((row) => row.id);
  }

  /**
   * Messages whose queue job may be lost (Redis was down, a process died between
   * insert and enqueue): inbound not answered and replies not sent, older than
   * `olderThan`. Across organizations: the sweeper serves the whole deployment.
   */
  async stranded(olderThan: Date, limit: number) {
    return this.database.systemDb
      .select({ id: messages.id, organizationId: messages.organizationId, direction: messages.direction, remotePhone: messages.remotePhone })
      .from(messages)
      // The statuses written out, not parameters: so a prepared plan can use the partial index of unfinished messages.
      .where(and(sql`${messages.status} IN ('received', 'processing', 'queued')`, lt(messages.createdAt, olderThan)))
      .orderBy(asc(messages.createdAt))
      .limit(limit);
  }
}
