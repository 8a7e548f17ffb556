import type { aiInteractions, BusinessHours, MessageType } from '../database/schema.js';

/**
 * The one interface the inbound pipeline answers customers and owners through.
 * Implementations: the offline menu assistant (no model), the GPT client agent
 * and Aurora (later issues). An agent never receives ids to choose from: the
 * organization and contact come from this server-side context only.
 */
export interface ConversationAgent {
  /** Stable name, recorded with what the agent did ("offline-menu", "client-gpt"...). */
  readonly name: string;
  respond(turn: AgentTurn): Promise<AgentReply>;
}

/** Injection tokens of the two agent slots the pipeline routes to. */
export const CLIENT_AGENT = Symbol('CLIENT_AGENT');
export const OWNER_AGENT = Symbol('OWNER_AGENT');

export interface AgentTurn {
  context: AgentContext;
  /** The customer's new messages, oldest first: everything that arrived since the last turn (one or more). */
  messages: AgentInboundMessage[];
}

export interface AgentInboundMessage {
  /** Our messages row id. */
  id: string;
  type: MessageType;
  /** Text, the caption of a media message, or what describes a location or contact card; null when there is none. */
  text: string | null;
  receivedAt: Date;
}

/**
 * Whether a message's text is a description WhatsApp's content gave (a location's address, a contact card's name and
 * phones) rather than words the customer typed, as a text or a caption is.
 */
export function isDescribed(type: MessageType): boolean {
  return type === 'location' || type === 'contact';
}

export interface AgentReply {
  /** Each entry is sent as one WhatsApp text message, in order. May be empty (nothing to say). */
  texts: string[];
  /** Hand the conversation to a person (state `waiting_human`); the pipeline emits `handoff:requested` once. */
  handoff?: { reason: string };
  /**
   * The agent's own memory for this conversation (a menu step, a half-filled
   * booking), stored with the conversation and given back next turn.
   * `undefined` keeps what was stored; `null` clears it.
   */
  agentState?: Record<string, unknown> | null;
  /**
   * The agent's account of the turn (model, tokens, tools, outcome), stored in
   * `ai_interactions` by the statement that stores the replies: one row per
   * answered turn, written or lost with it.
   */
  audit?: AgentTurnAudit;
}

/** An `ai_interactions` row as the agent knows it; the turn adds the organization, conversation and contact. */
export type AgentTurnAudit = Required<Omit<typeof aiInteractions.$inferInsert, 'id' | 'organizationId' | 'conversationId' | 'contactId' | 'createdAt'>>;

export interface AgentContext {
  /** The instant the turn runs (from the injectable clock). */
  now: Date;
  organization: {
    id: string;
    name: string;
    timezone: string;
    businessHours: BusinessHours;
    /** How long ahead a booking must be made: a time sooner than this is refused. */
    minimumNoticeMin: number;
  };
  contact: {
    id: string;
    /** E.164 with the leading +. */
    phone: string;
    name: string | null;
  };
  conversation: {
    id: string;
    agentState: Record<string, unknown> | null;
  };
  /** Active services of the shop, by name. */
  services: { id: string; name: string; durationMin: number; priceCents: number }[];
  pets: { id: string; name: string; species: string; breed: string | null; size: string | null }[];
  /** Scheduled or confirmed bookings of this contact that have not started, soonest first. */
  upcomingBookings: { id: string; serviceName: string; petName: string | null; startsAt: Date; status: string }[];
  /** The conversation's last messages before this turn, oldest first; `text` is a media message's caption or description. */
  history: { direction: 'inbound' | 'outbound'; type: MessageType; text: string | null; at: Date }[];
}
