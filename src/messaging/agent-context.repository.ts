import { Injectable } from '@nestjs/common';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../database/database.js';
import { ACTIVE_BOOKING_STATUSES, type ConversationAgentKind, type ConversationState, organizations, services } from '../database/schema.js';
import type { AgentContext } from './conversation-agent.js';

const UPCOMING_BOOKINGS_SHOWN = 10;

export type CustomerContext = Pick<AgentContext, 'pets' | 'upcomingBookings' | 'history'>;

/** One row: the contact and conversation as the turn left them, and the customer's context (JSON has no dates: instants are strings). */
interface OpenedTurnRow {
  contact_id: string;
  phone: string;
  name: string | null;
  conversation_id: string;
  state: ConversationState;
  agent_state: Record<string, unknown> | null;
  pets: AgentContext['pets'];
  bookings: (Omit<AgentContext['upcomingBookings'][number], 'startsAt'> & { startsAt: string })[];
  history: (Omit<AgentContext['history'][number], 'at'> & { at: string })[];
}

export interface OpenedTurn extends CustomerContext {
  contact: { id: string; phone: string; name: string | null };
  conversation: { id: string; state: ConversationState; agentState: Record<string, unknown> | null };
}

export interface TurnOpening {
  organizationId: string;
  instanceId: string;
  phone: string;
  /** The WhatsApp profile name, kept only while the contact has no name of their own. */
  pushName: string | null;
  /** When the customer's last waiting message arrived. */
  lastMessageAt: Date;
  agent: ConversationAgentKind;
  now: Date;
  /** A conversation left with a person for longer than this goes back to the bot. */
  handoffTimeoutMs: number;
  historyLimit: number;
}

export interface ShopSnapshot {
  organization: AgentContext['organization'] & { authorizedOwnerNumbers: string[] };
  services: AgentContext['services'];
}

/** What an agent knows about the shop and the customer at the start of a turn, read inside the turn's transaction. */
@Injectable()
export class AgentContextRepository {
  /** The shop as every turn sees it; null when the organization is gone. */
  async shop(tx: Db): Promise<ShopSnapshot | null> {
    const [organization] = await tx
      .select({
        id: organizations.id,
        name: organizations.name,
        timezone: organizations.timezone,
        businessHours: organizations.businessHours,
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
   * Opens a turn in one statement: the contact, created on their first message
   * and refreshed on each (a name of their own is kept over the profile's), the
   * conversation, created or reopened (a closed one, or one left with a person
   * past the handoff timeout, goes back to the bot), and what the agent knows of
   * the customer: pets, upcoming bookings and the conversation's last messages.
   * Every turn runs it, so it is one round trip rather than three.
   */
  async open(tx: Db, turn: TurnOpening): Promise<OpenedTurn> {
    const now = turn.now.toISOString();
    const staleBefore = new Date(turn.now.getTime() - turn.handoffTimeoutMs).toISOString();
    const backToBot = sql`conversations.state = 'closed'
      OR (conversations.state IN ('waiting_human', 'human') AND conversations.state_changed_at < ${staleBefore}::timestamptz)`;
    const result = await tx.execute(sql`
      WITH contact AS (
        INSERT INTO contacts (organization_id, phone, name, instance_id, wa_jid, last_message_at)
        VALUES (${turn.organizationId}::uuid, ${turn.phone}::text, ${turn.pushName}::text, ${turn.instanceId}::uuid,
                ${`${turn.phone.replace(/^\+/, '')}@s.whatsapp.net`}::text, ${turn.lastMessageAt.toISOString()}::timestamptz)
        ON CONFLICT (organization_id, phone) DO UPDATE SET
          name = coalesce(contacts.name, excluded.name),
          instance_id = excluded.instance_id,
          wa_jid = excluded.wa_jid,
          last_message_at = greatest(contacts.last_message_at, excluded.last_message_at),
          updated_at = excluded.last_message_at
        RETURNING id, phone, name
      ), conversation AS (
        INSERT INTO conversations (organization_id, contact_id, instance_id, agent, last_message_at, state_changed_at)
        SELECT ${turn.organizationId}::uuid, contact.id, ${turn.instanceId}::uuid, ${turn.agent}::text, ${now}::timestamptz, ${now}::timestamptz
          FROM contact
        ON CONFLICT (organization_id, contact_id) DO UPDATE SET
          instance_id = excluded.instance_id,
          agent = excluded.agent,
          last_message_at = excluded.last_message_at,
          state = CASE WHEN ${backToBot} THEN 'bot' ELSE conversations.state END,
          handoff_reason = CASE WHEN ${backToBot} THEN NULL ELSE conversations.handoff_reason END,
          state_changed_at = CASE WHEN ${backToBot} THEN excluded.state_changed_at ELSE conversations.state_changed_at END,
          updated_at = excluded.last_message_at
        RETURNING id, state, agent_state
      )
      SELECT contact.id AS contact_id, contact.phone, contact.name,
             conversation.id AS conversation_id, conversation.state, conversation.agent_state,
        (SELECT coalesce(json_agg(p ORDER BY p.name), '[]'::json)
           FROM (SELECT id, name, species, breed, size FROM pets WHERE contact_id = contact.id) p) AS pets,
        (SELECT coalesce(json_agg(b ORDER BY b."startsAt"), '[]'::json)
           FROM (SELECT bookings.id, services.name AS "serviceName", pets.name AS "petName",
                        lower(bookings.during) AS "startsAt", bookings.status
                   FROM bookings
                   JOIN services ON services.id = bookings.service_id
                   LEFT JOIN pets ON pets.id = bookings.pet_id
                  WHERE bookings.contact_id = contact.id
                    AND bookings.status IN ${[...ACTIVE_BOOKING_STATUSES]}
                    AND lower(bookings.during) > ${now}::timestamptz
                  ORDER BY lower(bookings.during)
                  LIMIT ${UPCOMING_BOOKINGS_SHOWN}) b) AS bookings,
        (SELECT coalesce(json_agg(h ORDER BY h.at), '[]'::json)
           FROM (SELECT direction, body AS text, created_at AS at FROM messages
                  WHERE remote_phone = ${turn.phone} AND status NOT IN ('received', 'processing')
                  ORDER BY created_at DESC
                  LIMIT ${turn.historyLimit}) h) AS history
        FROM contact, conversation`);
    const [row] = (result as unknown as { rows: OpenedTurnRow[] }).rows;
    return {
      contact: { id: row.contact_id, phone: row.phone, name: row.name },
      conversation: { id: row.conversation_id, state: row.state, agentState: row.agent_state },
      pets: row.pets,
      upcomingBookings: row.bookings.map((booking) => ({ ...booking, startsAt: new Date(booking.startsAt) })),
      history: row.history.map((message) => ({ ...message, at: new Date(message.at) })),
    };
  }
}
