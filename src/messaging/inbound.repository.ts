import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, lt, sql } from 'drizzle-orm';
import { DATABASE, type Database } from '../database/database.js';
import { type MessageDirection, type MessageType, messages } from '../database/schema.js';
import type { AgentTurnAudit } from './conversation-agent.js';

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

export interface TurnReply {
  text: string;
  origin: 'agent' | 'system';
  /**
   * Sent even if a person holds the conversation when the turn ends (the
   * opt-out confirmation, which the customer is owed whoever answers). Any
   * other reply is then dropped: a person took over while the turn ran.
   */
  evenWithPerson?: boolean;
}

/** Why a customer's message got no answer from the bot: a person holds the conversation (its `error`). */
export const LEFT_TO_PERSON = 'with a person';

function agentStateJson(agentState: Record<string, unknown> | null | undefined): string | null {
  return agentState === undefined || agentState === null ? null : JSON.stringify(agentState);
}

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
 * messages_waiting_inbound_idx holds exactly these), `phone` being the
 * parameter that holds the contact's number: what a turn's opening claims, and added to
 * the turn's updates by id so that no plan can reach them through the
 * organization's index. Every statement here filters by organization, a value
 * the planner cannot know when it plans for any organization, and with
 * statistics older than the table's growth (a new shop, a generic plan cached
 * while the table was small, or no autovacuum) it judged scanning the
 * organization's messages cheaper than the ids' primary key: a turn then read
 * every message the shop ever had. With these conditions the worst plan reads
 * the contact's waiting messages, a handful.
 */
export function waitingOf(phone: string): string {
  return `messages.remote_phone = ${phone} AND messages.direction = 'inbound' AND messages.status IN ('received', 'processing')`;
}

/**
 * $1 organization, $2 turn, $3 contact, $4 conversation, $5 phone, $6 now,
 * $7 answered ids, $8 unanswered ids, $9 why unanswered, $10 whether the
 * agent's memory is saved, $11 the memory, $12 the handoff's reason (null: no
 * handoff), $13 instance, $14 reply texts, $15 reply origins, $16 whether each
 * reply goes even to a conversation a person holds, $17-$25 the agent's audit
 * row (agent null: none): see finishTurn.
 *
 * The conversation is read locked before anything that depends on who holds
 * it: a person who took it over while the turn ran (the model can take
 * seconds) is then seen, the statement waiting for their commit if need be.
 * With a person, the turn's replies are dropped (but those owed even then),
 * its messages are left to the person as the opening would have left them,
 * and neither the agent's memory nor a handoff is written; otherwise the
 * handoff is this turn's only when no person holds the conversation: the bot
 * still does, or staff closed it while the turn ran (its reply promises the
 * customer a person, so the customer joins the queue rather than be forgotten).
 * Replies get created_at a microsecond apart, so they keep their order.
 */
const FINISH_TURN = `
  WITH current AS (
    SELECT id, state IN ('waiting_human', 'human') AS with_person,
           $12::text IS NOT NULL AND state IN ('bot', 'closed') AS hands_over,
           state IN ('waiting_human', 'human') AND NOT (true = ANY($16::boolean[])) AS left_to_person
      FROM conversations
     WHERE organization_id = $1::uuid AND id = $4::uuid
       AND ($10::boolean OR $12::text IS NOT NULL OR cardinality($7::uuid[]) > 0 OR cardinality($14::text[]) > 0)
       FOR UPDATE
  ), unanswered AS (
    UPDATE messages
       SET status = 'processed', error = $9::text, contact_id = $3::uuid, conversation_id = $4::uuid, updated_at = $6::timestamptz
     WHERE messages.organization_id = $1::uuid AND messages.id = ANY($8::uuid[]) AND ${waitingOf('$5::text')}
  ), answered AS (
    UPDATE messages
       SET status = 'processed',
           turn_id = CASE WHEN (SELECT left_to_person FROM current) THEN NULL ELSE $2::uuid END,
           error = CASE WHEN (SELECT left_to_person FROM current) THEN '${LEFT_TO_PERSON}' ELSE messages.error END,
           contact_id = $3::uuid, conversation_id = $4::uuid, updated_at = $6::timestamptz
     WHERE messages.organization_id = $1::uuid AND messages.id = ANY($7::uuid[]) AND ${waitingOf('$5::text')}
  ), conversation AS (
    UPDATE conversations
       SET agent_state = CASE WHEN $10::boolean THEN $11::jsonb ELSE conversations.agent_state END,
           state = CASE WHEN current.hands_over THEN 'waiting_human' ELSE conversations.state END,
           handoff_reason = CASE WHEN current.hands_over THEN $12::text ELSE conversations.handoff_reason END,
           state_changed_at = CASE WHEN current.hands_over THEN $6::timestamptz ELSE conversations.state_changed_at END,
           updated_at = $6::timestamptz
      FROM current
     WHERE conversations.id = current.id AND NOT current.with_person AND ($10::boolean OR $12::text IS NOT NULL)
    RETURNING current.hands_over
  ), reply AS (
    INSERT INTO messages (organization_id, instance_id, contact_id, conversation_id, turn_id, remote_phone,
                          direction, origin, type, body, status, created_at)
    SELECT $1::uuid, $13::uuid, $3::uuid, $4::uuid, $2::uuid, $5::text, 'outbound', reply.origin, 'text', reply.text, 'queued',
           clock_timestamp() + (reply.position - 1) * interval '1 microsecond'
      FROM unnest($14::text[], $15::text[], $16::boolean[]) WITH ORDINALITY AS reply(text, origin, even_with_person, position)
     WHERE reply.even_with_person OR NOT coalesce((SELECT with_person FROM current), false)
    RETURNING id, created_at
  ), audit AS (
    INSERT INTO ai_interactions (organization_id, conversation_id, contact_id, agent, model, outcome, rounds,
                                 prompt_tokens, completion_tokens, tool_calls, latency_ms, error)
    SELECT $1::uuid, $4::uuid, $3::uuid, $17::text, $18::text, $19::text, $20::integer,
           $21::integer, $22::integer, $23::jsonb, $24::integer, $25::text
     WHERE $17::text IS NOT NULL
  )
  SELECT coalesce((SELECT array_agg(id ORDER BY created_at) FROM reply), '{}') AS reply_ids,
         coalesce((SELECT hands_over FROM conversation), false) AS handed_over,
         coalesce((SELECT left_to_person FROM current), false) AS left_to_person`;

/** $17-$25 of FINISH_TURN, in its column order; all null without an audit. */
function auditParameters(audit: AgentTurnAudit | undefined): unknown[] {
  if (audit === undefined) return Array.from({ length: 9 }, () => null);
  const { agent, model, outcome, rounds, promptTokens, completionTokens, toolCalls, latencyMs, error } = audit;
  return [agent, model, outcome, rounds, promptTokens, completionTokens, JSON.stringify(toolCalls), latencyMs, error];
}

/** How a turn ended: what finishTurn writes. */
export interface TurnEnding {
  organizationId: string;
  turnId: string;
  instanceId: string;
  remotePhone: string;
  contactId: string | null;
  conversationId: string | null;
  answered: string[];
  unanswered: { ids: string[]; reason: string };
  replies: TurnReply[];
  /** The agent's memory to save on the conversation (null clears it); undefined leaves it. */
  agentState?: Record<string, unknown> | null;
  /** Hand the conversation to a person, for this reason (if the bot still holds it). */
  handoffReason?: string;
  /** The agent's account of the turn, stored with it in `ai_interactions`. */
  audit?: AgentTurnAudit;
  now: Date;
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

  async setMedia(organizationId: string, messageId: string, mediaRef: string | null, failure: string | null): Promise<void> {
    // A turn may have taken the message before its media came (another message of the contact started it) and left
    // a note on it (LEFT_TO_PERSON): stored media keep it, and a failure is added to it.
    const error = failure === null ? sql`${messages.error}` : sql`concat_ws('; ', ${messages.error}, ${failure}::text)`;
    await this.database.withTenant(organizationId, (tx) =>
      tx.update(messages).set({ mediaRef, error, updatedAt: new Date() }).where(eq(messages.id, messageId)),
    );
  }

  /**
   * Ends a turn in one statement: the replies are stored (queued) and the
   * messages they answer marked processed together, so a crash either redoes
   * the whole turn or none of it, and a message is never answered twice; the
   * agent's memory, the handoff and the agent's audit row are written with them. Like the opening, on
   * the owner connection with the organization written explicitly (every row
   * it writes is the turn's own, found by id): one round trip where a tenant
   * transaction took three. Answers the replies' ids, in order (those stored:
   * see TurnReply.evenWithPerson), whether this turn handed the conversation to a
   * person, and whether a person held it by then, so the turn's messages were
   * left to them unanswered.
   */
  async finishTurn(turn: TurnEnding): Promise<{ replyIds: string[]; handedOver: boolean; leftToPerson: boolean }> {
    const [row] = await this.database.withConnection((runner) =>
      runner.query<{ reply_ids: string[]; handed_over: boolean; left_to_person: boolean }>(
        FINISH_TURN,
        [
          turn.organizationId,
          turn.turnId,
          turn.contactId,
          turn.conversationId,
          turn.remotePhone,
          turn.now.toISOString(),
          turn.answered,
          turn.unanswered.ids,
          turn.unanswered.reason,
          turn.agentState !== undefined,
          agentStateJson(turn.agentState),
          turn.handoffReason ?? null,
          turn.instanceId,
          turn.replies.map((reply) => reply.text),
          turn.replies.map((reply) => reply.origin),
          turn.replies.map((reply) => reply.evenWithPerson === true),
          ...auditParameters(turn.audit),
        ],
        'oxy_turn_finish',
      ),
    );
    return { replyIds: row.reply_ids, handedOver: row.handed_over, leftToPerson: row.left_to_person };
  }

  /**
   * Messages of one direction whose queue job may be lost (Redis was down, a
   * process died between insert and enqueue): inbound not answered, or replies
   * not sent, older than `olderThan`, oldest first in (created_at, id) order and,
   * given `after` (a message's id), only those past that message. Across
   * organizations: the sweeper serves the whole deployment. One index
   * (messages_unfinished_created_id_idx) serves the age and the place; the other
   * direction's unfinished rows on the way are read and passed over. A message no longer
   * stored as `after` answers none: the sweeper then starts over.
   */
  async stranded(direction: MessageDirection, olderThan: Date, after: string | null, limit: number) {
    return this.database.systemDb
      .select({ id: messages.id, organizationId: messages.organizationId, remotePhone: messages.remotePhone })
      .from(messages)
      .where(
        and(
          // The statuses written out, not parameters: so a prepared plan can use the partial index of unfinished messages.
          sql`${messages.status} IN ('received', 'processing', 'queued')`,
          eq(messages.direction, direction),
          lt(messages.createdAt, olderThan),
          // The place read exactly from the row: a JavaScript date would drop created_at's microseconds.
          after === null
            ? undefined
            : sql`(${messages.createdAt}, ${messages.id}) > ((SELECT placed.created_at FROM messages AS placed WHERE placed.id = ${after}::uuid), ${after}::uuid)`,
        ),
      )
      .orderBy(asc(messages.createdAt), asc(messages.id))
      .limit(limit);
  }
}
