import type { CampaignStatus, ConversationState, MessageType, ProactiveKind } from '../database/schema.js';
import type { WhatsappEventMap } from '../whatsapp/whatsapp-events.js';

/** An event as a socket receives it: the room already says which organization, so the payload does not. */
export type WithoutOrganization<T> = Omit<T, 'organizationId'>;

/**
 * Every event the Socket.IO gateway sends to an organization's sockets, with its
 * payload. Each payload names the WhatsApp instance it concerns and when it
 * happened (`at`, ISO 8601). README.md ("Realtime events (Socket.IO)") documents them.
 */
export interface RealtimeEventMap {
  'whatsapp:connected': WithoutOrganization<WhatsappEventMap['whatsapp:connected']>;
  'whatsapp:disconnected': WithoutOrganization<WhatsappEventMap['whatsapp:disconnected']>;
  'whatsapp:qr': WithoutOrganization<WhatsappEventMap['whatsapp:qr']>;
  'whatsapp:pairing_code': WithoutOrganization<WhatsappEventMap['whatsapp:pairing_code']>;
  'whatsapp:alert': WithoutOrganization<WhatsappEventMap['whatsapp:alert']>;
  'message:sent': WithoutOrganization<WhatsappEventMap['message:sent']>;
  /** A customer's message was stored (inbound pipeline). */
  'message:received': {
    instanceId: string;
    messageId: string;
    conversationId: string | null;
    contactId: string | null;
    /** The customer, E.164. */
    from: string;
    pushName: string | null;
    type: MessageType;
    text: string | null;
    at: string;
  };
  /** The client agent handed a conversation to a human. */
  'handoff:requested': {
    instanceId: string;
    conversationId: string;
    contactId: string | null;
    /** The customer, E.164. */
    customerPhone: string;
    reason: string;
    at: string;
  };
  /**
   * A conversation changed state, so every staff screen's queue can follow: staff took it over, released or closed
   * it, answered a waiting customer, the assistant handed it over, the handoff timed out, or the customer's message
   * reopened a closed conversation.
   */
  'conversation:updated': {
    /** The number the customer last wrote to; null when that instance was deleted. */
    instanceId: string | null;
    conversationId: string;
    contactId: string;
    /** The customer, E.164. */
    customerPhone: string;
    state: ConversationState;
    /** Why the customer waits for a person, while one is wanted or answering; null otherwise. */
    handoffReason: string | null;
    cause: ConversationChangeCause;
    at: string;
  };
  /** A campaign changed status or its counts moved (approved, each recipient sent, failed or skipped, sent, cancelled). */
  'campaign:updated': {
    /** The number that sends it (null while a draft has none). */
    instanceId: string | null;
    campaignId: string;
    code: string;
    status: CampaignStatus;
    counts: { audienceSize: number; sent: number; failed: number; skippedOptedOut: number; skippedOutsideWindow: number; pending: number };
    at: string;
  };
  /** Aurora, the owner's assistant, tells the owner something unprompted (also sent to the owner numbers on WhatsApp). */
  'aurora:proactive': {
    kind: ProactiveKind;
    /** What the owner reads on WhatsApp, in Portuguese. */
    text: string;
    /** The instance it went out through; null when none was connected or the shop has no owner number. */
    instanceId: string | null;
    /** The figures behind the text, by kind (see README "Proactive messages"). */
    data: Record<string, unknown>;
    at: string;
  };
}

/**
 * What moved a conversation: a staff action (REST), a staff message, the assistant, the handoff timeout (the
 * sweeper's, or found by the customer's next message), or a customer writing to a closed conversation.
 */
export type ConversationChangeCause = 'take-over' | 'release' | 'close' | 'staff-reply' | 'handoff' | 'timeout' | 'reopened';

export type RealtimeEventName = keyof RealtimeEventMap;

/** The same map in the shape Socket.IO types a server's emits with. */
export type RealtimeServerEvents = { [E in RealtimeEventName]: (payload: RealtimeEventMap[E]) => void };

/** Every event name, checked against the map by the compiler: adding an event without listing it here fails the build. */
export const REALTIME_EVENT_NAMES = Object.keys({
  'whatsapp:connected': true,
  'whatsapp:disconnected': true,
  'whatsapp:qr': true,
  'whatsapp:pairing_code': true,
  'whatsapp:alert': true,
  'message:sent': true,
  'message:received': true,
  'handoff:requested': true,
  'conversation:updated': true,
  'campaign:updated': true,
  'aurora:proactive': true,
} satisfies Record<RealtimeEventName, true>) as RealtimeEventName[];
