import { Inject, Injectable } from '@nestjs/common';
import { asc, eq } from 'drizzle-orm';
import { COMMIT_WITHOUT_WAITING_FOR_THE_FLUSH, DATABASE, type Database, type Db } from '../database/database.js';
import { ACTIVE_BOOKING_STATUSES, type ConversationAgentKind, type ConversationState, type MessageType, organizations, services } from '../database/schema.js';
import type { ConversationChangeCause } from '../gateway/realtime-events.js';
import type { AgentContext } from './conversation-agent.js';
import { waitingOf } from './inbound.repository.js';

const UPCOMING_BOOKINGS_SHOWN = 10;

/** How many of a contact's waiting messages one turn takes (a flood is answered over several turns). */
export const TURN_BATCH_LIMIT = 50;

/**
 * A conversation's state goes back to the bot ($6: before this, a person's
 * conversation is stale): closed, or with a person and neither handed over nor
 * written to by staff since (see ConversationsRepository.staffAnswered).
 */
const BACK_TO_BOT = `conversations.state = 'closed'
  OR (conversations.state IN ('waiting_human', 'human') AND conversations.state_changed_at < $6::timestamptz
      AND (conversations.staff_active_at IS NULL OR conversations.staff_active_at < $6::timestamptz))`;

/** A waiting message a turn took, with the status it had. */
export interface PendingMessage {
  id: string;
  instanceId: string;
  type: MessageType;
  body: string | null;
  pushName: string | null;
  status: 'received' | 'processing';
  createdAt: Date;
}

export type CustomerContext = Pick<AgentContext, 'pets' | 'upcomingBookings' | 'history'>;

/**
 * The opening's one row (none when nothing waited): the claimed messages, the
 * contact and conversation as the turn left them, and the customer's context.
 * JSON has no dates: instants are strings.
 */
interface OpenedTurnRow {
  pending: (Omit<PendingMessage, 'createdAt'> & { createdAt: string })[];
  contact_id: string;
  phone: string;
  name: string | null;
  conversation_id: string;
  state: ConversationState;
  agent_state: Record<string, unknown> | null;
  back_to_bot: BackToBotCause | null;
  pets: AgentContext['pets'];
  bookings: (Omit<AgentContext['upcomingBookings'][number], 'startsAt'> & { startsAt: string })[];
  history: (Omit<AgentContext['history'][number], 'at'> & { at: string })[];
}

/**
 * Why the opening gave the conversation back to the bot: it was closed (or
 * staff closed it while the statement ran), or left with a person past the
 * handoff timeout before the sweeper found it.
 */
export type BackToBotCause = Extract<ConversationChangeCause, 'reopened' | 'timeout'>;

export interface OpenedTurn extends CustomerContext {
  /** The contact's waiting messages this turn took, oldest first, with the status they had. */
  pending: PendingMessage[];
  contact: { id: string; phone: string; name: string | null };
  conversation: { id: string; state: ConversationState; agentState: Record<string, unknown> | null; backToBot: BackToBotCause | null };
}

export interface TurnOpening {
  organizationId: string;
  phone: string;
  agent: ConversationAgentKind;
  now: Date;
  /** A conversation left with a person for longer than this goes back to the bot. */
  handoffTimeoutMs: number;
  historyLimit: number;
}

/**
 * $1 organization, $2 phone, $3 WhatsApp JID, $4 agent, $5 now, $6 a
 * conversation left with a person before this goes back to the bot, $7 history
 * length: see openTurn. Every row it reads or writes is the organization's, by
 * its filter or by the contact this statement found in it.
 */
const OPEN_TURN = `
  WITH waiting AS (
    SELECT id, status, row_number() OVER (ORDER BY created_at, id) AS position FROM messages
     WHERE messages.organization_id = $1::uuid AND ${waitingOf('$2::text')}
     ORDER BY created_at, id
     LIMIT ${TURN_BATCH_LIMIT}
  ), claimed AS (
    UPDATE messages SET status = 'processing', updated_at = now()
      FROM waiting
     WHERE messages.id = waiting.id AND ${COMMIT_WITHOUT_WAITING_FOR_THE_FLUSH} IS NOT NULL
    RETURNING messages.id, messages.instance_id, messages.type, messages.body, messages.push_name, messages.created_at,
              waiting.status AS previous_status, waiting.position
  ), latest AS (
    SELECT instance_id, created_at,
           (SELECT push_name FROM claimed WHERE push_name IS NOT NULL ORDER BY position DESC LIMIT 1) AS push_name
      FROM claimed
     ORDER BY position DESC
     LIMIT 1
  ), contact AS (
    INSERT INTO contacts (organization_id, phone, name, instance_id, wa_jid, last_message_at)
    SELECT $1::uuid, $2::text, latest.push_name, latest.instance_id, $3::text, latest.created_at
      FROM latest
    ON CONFLICT (organization_id, phone) DO UPDATE SET
      name = coalesce(contacts.name, excluded.name),
      instance_id = excluded.instance_id,
      wa_jid = excluded.wa_jid,
      last_message_at = greatest(contacts.last_message_at, excluded.last_message_at),
      updated_at = excluded.last_message_at
    RETURNING id, phone, name
  ), previous AS (
    -- The conversation as the statement found it (its snapshot, from before the upsert below), to tell whether the
    -- opening gave it back to the bot: staff screens are told so.
    SELECT state, state_changed_at FROM conversations
     WHERE organization_id = $1::uuid AND contact_id = (SELECT id FROM contact)
  ), conversation AS (
    INSERT INTO conversations (organization_id, contact_id, instance_id, agent, last_message_at, state_changed_at)
    SELECT $1::uuid, contact.id, latest.instance_id, $4::text, $5::timestamptz, $5::timestamptz
      FROM contact, latest
    ON CONFLICT (organization_id, contact_id) DO UPDATE SET
      instance_id = excluded.instance_id,
      agent = excluded.agent,
      last_message_at = excluded.last_message_at,
      state = CASE WHEN ${BACK_TO_BOT} THEN 'bot' ELSE conversations.state END,
      handoff_reason = CASE WHEN ${BACK_TO_BOT} THEN NULL ELSE conversations.handoff_reason END,
      agent_state = CASE WHEN ${BACK_TO_BOT} THEN NULL ELSE conversations.agent_state END,
      state_changed_at = CASE WHEN ${BACK_TO_BOT} THEN excluded.state_changed_at ELSE conversations.state_changed_at END,
      updated_at = excluded.last_message_at
    RETURNING id, state, agent_state, state_changed_at
  )
  SELECT
    (SELECT json_agg(json_build_object('id', id, 'instanceId', instance_id, 'type', type, 'body', body, 'pushName', push_name,
                                       'status', previous_status, 'createdAt', created_at) ORDER BY position)
       FROM claimed) AS pending,
    contact.id AS contact_id, contact.phone, contact.name,
    conversation.id AS conversation_id, conversation.state, conversation.agent_state,
    -- Back with the bot from a person or a close: from the state found, or from one a concurrent close (or
    -- take-over) committed meanwhile, which the upsert waited for and then moved (its state_changed_at is newer).
    (SELECT CASE WHEN previous.state IN ('waiting_human', 'human') THEN 'timeout' ELSE 'reopened' END
       FROM previous
      WHERE conversation.state = 'bot'
        AND (previous.state <> 'bot' OR previous.state_changed_at < conversation.state_changed_at)) AS back_to_bot,
    (SELECT coalesce(json_agg(p ORDER BY p.name), '[]'::json)
       FROM (SELECT id, name, species, breed, size FROM pets WHERE organization_id = $1::uuid AND contact_id = contact.id) p) AS pets,
    (SELECT coalesce(json_agg(b ORDER BY b."startsAt"), '[]'::json)
       FROM (SELECT bookings.id, services.name AS "serviceName", pets.name AS "petName",
                    lower(bookings.during) AS "startsAt", bookings.status
               FROM bookings
               JOIN services ON services.id = bookings.service_id
               LEFT JOIN pets ON pets.id = bookings.pet_id
              WHERE bookings.organization_id = $1::uuid AND bookings.contact_id = contact.id
                AND bookings.status IN (${ACTIVE_BOOKING_STATUSES.map((status) => `'${status}'`).join(', ')})
                AND lower(bookings.during) > $5::timestamptz
              ORDER BY lower(bookings.during)
              LIMIT ${UPCOMING_BOOKINGS_SHOWN}) b) AS bookings,
    (SELECT coalesce(json_agg(h ORDER BY h.at), '[]'::json)
       FROM (SELECT direction, type, body AS text, created_at AS at FROM messages
              WHERE organization_id = $1::uuid AND remote_phone = $2::text AND status NOT IN ('received', 'processing')
              ORDER BY created_at DESC
              LIMIT $7::integer) h) AS history
    FROM contact, conversation`;

export interface ShopSnapshot {
  organization: AgentContext['organization'] & { authorizedOwnerNumbers: string[] };
  services: AgentContext['services'];
}

/** What an agent knows about the shop and the customer at the start of a turn. */
@Injectable()
export class AgentContextRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /** The shop as every turn sees it; null when the organization is gone. */
  async shop(tx: Db): Promise<ShopSnapshot | null> {
    const [organization] = await tx
      .select({
        id: organizations.id,
        name: organizations.name,
        timezone: organizations.timezone,
        businessHours: organizations.businessHours,
        minimumNoticeMin: organizations.minimumNoticeMin,
        authorizedOwnerNumbers: organizations.authorizedOwnerNumbers,
      })
      .from(organizations);
    if (organization === undefined) return null;
    const serviceRows = await tx
      .select({ id: services.id, name: services.name, durationMin: services.durationMin, priceCents: services.priceCents })
      .from(services)
      .where(eq(services.active, true))
      .orderBy(asc(services.name));
    return { organization, services: serviceRows };
  }

  /**
   * Opens a turn in one statement, or answers null when none of the contact's
   * messages waits for an answer (the caller holds the contact's turn lock):
   *   - takes the contact's waiting messages, oldest first, marking them
   *     `processing` (a turn that dies afterwards leaves them so: the contact's
   *     next turn takes them again);
   *   - the contact, created on their first message and refreshed on each (a
   *     name of their own is kept over the profile's), from the last message;
   *   - the conversation, created or reopened (a closed one, or one left with a
   *     person past the handoff timeout since the handover or staff's last
   *     message, goes back to the bot with no memory, as a release or close
   *     leaves it: a turn that ended after the close, or a menu begun before a
   *     take-over, would otherwise resume a conversation that was over), and
   *     says so (`backToBot`), read from the conversation as the statement found it;
   *   - what the agent knows of the customer: pets, upcoming bookings and the
   *     conversation's last messages.
   * Every message starts a turn and most find their message answered already,
   * so this is one round trip on the owner connection, the organization written
   * in every filter, where a claim and a tenant transaction took four. Its commit
   * does not wait for the WAL flush: what a crash of the database server undoes
   * here, the contact's next turn does again (the finish, which waits, makes it durable).
   */
  async openTurn(turn: TurnOpening): Promise<OpenedTurn | null> {
    const staleBefore = new Date(turn.now.getTime() - turn.handoffTimeoutMs);
    const [row] = await this.database.withConnection((runner) =>
      runner.query<OpenedTurnRow>(
        OPEN_TURN,
        [
          turn.organizationId,
          turn.phone,
          `${turn.phone.replace(/^\+/, '')}@s.whatsapp.net`,
          turn.agent,
          turn.now.toISOString(),
          staleBefore.toISOString(),
          turn.historyLimit,
        ],
        'oxy_turn_open',
      ),
    );
    if (row === undefined) return null;
    return {
      pending: row.pending.map((message) => ({ ...message, createdAt: new Date(message.createdAt) })),
      contact: { id: row.contact_id, phone: row.phone, name: row.name },
      conversation: { id: row.conversation_id, state: row.state, agentState: row.agent_state, backToBot: row.back_to_bot },
      pets: row.pets,
      upcomingBookings: row.bookings.map((booking) => ({ ...booking, startsAt: new Date(booking.startsAt) })),
      history: row.history.map((message) => ({ ...message, at: new Date(message.at) })),
    };
  }
}
