import { sql } from 'drizzle-orm';
import {
  boolean,
  customType,
  date,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const updatedAt = () => timestamp('updated_at', { withTimezone: true }).notNull().defaultNow();

export interface BusinessHoursDay {
  open: string;
  close: string;
  breaks?: { start: string; end: string }[];
}
/** Keyed by weekday, 0 = Sunday; a missing day is closed. */
export type BusinessHours = Partial<Record<'0' | '1' | '2' | '3' | '4' | '5' | '6', BusinessHoursDay>>;

export const organizations = pgTable('organizations', {
  id: uuid('id').primaryKey().defaultRandom(),
  name: text('name').notNull(),
  timezone: text('timezone').notNull().default('America/Sao_Paulo'),
  businessHours: jsonb('business_hours').$type<BusinessHours>().notNull().default({}),
  /** E.164, spelled as contacts' phones are: a message from one of them goes to Aurora. */
  authorizedOwnerNumbers: text('authorized_owner_numbers')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
  /** Start times offered to customers fall on this grid (minutes from opening). */
  slotGranularityMin: integer('slot_granularity_min').notNull().default(30),
  /** How far ahead a booking must start, so the shop is never surprised. */
  minimumNoticeMin: integer('minimum_notice_min').notNull().default(60),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
});

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The first characters of the key, shown in lists so a person can tell keys apart. */
    prefix: text('prefix').notNull(),
    /** SHA-256 of the whole key: keys are 32 random bytes, so a slow hash adds nothing. */
    keyHash: text('key_hash').notNull(),
    scopes: text('scopes')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('api_keys_key_hash_key').on(table.keyHash),
    index('api_keys_organization_id_idx').on(table.organizationId),
  ],
);

export const organizationMembers = pgTable(
  'organization_members',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** The Supabase auth user id (`sub` of its JWT). */
    userId: uuid('user_id').notNull(),
    role: text('role', { enum: ['owner', 'staff'] }).notNull().default('staff'),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('organization_members_org_user_key').on(table.organizationId, table.userId),
    index('organization_members_user_id_idx').on(table.userId),
  ],
);

export const INSTANCE_STATUSES = [
  'created',
  'connecting',
  'pairing',
  'connected',
  'disconnected',
  'reconnecting',
  'failed',
  'logged_out',
] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

export const whatsappInstances = pgTable(
  'whatsapp_instances',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    provider: text('provider', { enum: ['baileys', 'sandbox'] }).notNull().default('baileys'),
    phoneNumber: text('phone_number'),
    status: text('status', { enum: INSTANCE_STATUSES }).notNull().default('created'),
    lastConnectedAt: timestamp('last_connected_at', { withTimezone: true }),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    reconnectAttempts: integer('reconnect_attempts').notNull().default(0),
    lastDisconnectReason: text('last_disconnect_reason'),
    leaseOwner: text('lease_owner'),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('whatsapp_instances_org_name_key').on(table.organizationId, table.name),
    index('whatsapp_instances_status_idx').on(table.status),
  ],
);

/** A time range as PostgreSQL stores it: `[start, end)` in UTC instants. */
export interface TimeRange {
  start: Date;
  end: Date;
}

const tstzrange = customType<{ data: TimeRange; driverData: string }>({
  dataType: () => 'tstzrange',
  toDriver: (range) => `[${range.start.toISOString()},${range.end.toISOString()})`,
  fromDriver: (value) => {
    const [start, end] = value.slice(1, -1).split(',').map((bound) => new Date(bound.replace(/"/g, '')));
    return { start, end };
  },
});

export const RESOURCE_KINDS = ['groomer', 'bath_station', 'vet', 'hotel_room'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

export const services = pgTable(
  'services',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    durationMin: integer('duration_min').notNull(),
    priceCents: integer('price_cents').notNull(),
    resourceKind: text('resource_kind', { enum: RESOURCE_KINDS }).notNull(),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index('services_organization_id_idx').on(table.organizationId)],
);

export const resources = pgTable(
  'resources',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    kind: text('kind', { enum: RESOURCE_KINDS }).notNull(),
    capacity: integer('capacity').notNull().default(1),
    active: boolean('active').notNull().default(true),
    createdAt: createdAt(),
  },
  (table) => [index('resources_organization_kind_idx').on(table.organizationId, table.kind)],
);

export const contacts = pgTable(
  'contacts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    instanceId: uuid('instance_id').references(() => whatsappInstances.id, { onDelete: 'set null' }),
    waJid: text('wa_jid'),
    /** E.164, one spelling per person: a Brazilian mobile with its ninth digit (normalizePhoneNumber). */
    phone: text('phone').notNull(),
    lid: text('lid'),
    name: text('name'),
    notes: text('notes'),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true }),
    optedOutAt: timestamp('opted_out_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [uniqueIndex('contacts_organization_phone_key').on(table.organizationId, table.phone)],
);

export const PET_SIZES = ['mini', 'pequeno', 'medio', 'grande', 'gigante'] as const;

export const pets = pgTable(
  'pets',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    species: text('species').notNull(),
    breed: text('breed'),
    size: text('size', { enum: PET_SIZES }),
    birthDate: date('birth_date'),
    notes: text('notes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [index('pets_contact_id_idx').on(table.contactId)],
);

export const BOOKING_STATUSES = ['scheduled', 'confirmed', 'done', 'cancelled', 'no_show'] as const;
export type BookingStatus = (typeof BOOKING_STATUSES)[number];
/** Statuses that hold their resource's time; the exclusion constraint covers exactly these. */
export const ACTIVE_BOOKING_STATUSES = ['scheduled', 'confirmed'] as const satisfies readonly BookingStatus[];

export const bookings = pgTable(
  'bookings',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'restrict' }),
    petId: uuid('pet_id').references(() => pets.id, { onDelete: 'set null' }),
    serviceId: uuid('service_id')
      .notNull()
      .references(() => services.id, { onDelete: 'restrict' }),
    resourceId: uuid('resource_id')
      .notNull()
      .references(() => resources.id, { onDelete: 'restrict' }),
    during: tstzrange('during').notNull(),
    status: text('status', { enum: BOOKING_STATUSES }).notNull().default('scheduled'),
    priceCents: integer('price_cents').notNull(),
    notes: text('notes'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    index('bookings_organization_during_idx').using('gist', table.organizationId, table.during),
    index('bookings_contact_id_idx').on(table.contactId),
  ],
);

export const ACTOR_KINDS = ['api_key', 'user', 'client_agent', 'aurora', 'system'] as const;
export type ActorKind = (typeof ACTOR_KINDS)[number];

/** Every status change of a booking and who made it: Aurora's no-show and cancellation figures read this. */
export const bookingEvents = pgTable(
  'booking_events',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    bookingId: uuid('booking_id')
      .notNull()
      .references(() => bookings.id, { onDelete: 'cascade' }),
    fromStatus: text('from_status', { enum: BOOKING_STATUSES }),
    toStatus: text('to_status', { enum: BOOKING_STATUSES }).notNull(),
    actorKind: text('actor_kind', { enum: ACTOR_KINDS }).notNull(),
    actorId: text('actor_id'),
    reason: text('reason'),
    during: tstzrange('during').notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    index('booking_events_organization_created_idx').on(table.organizationId, table.createdAt),
    // The automation tick's look for alerts whose job was lost: recent no-shows and cancellations of every shop.
    index('booking_events_alert_created_idx')
      .on(table.createdAt)
      .where(sql`to_status IN ('no_show', 'cancelled')`),
  ],
);

export const CONVERSATION_STATES = ['bot', 'waiting_human', 'human', 'closed'] as const;
export type ConversationState = (typeof CONVERSATION_STATES)[number];
export const CONVERSATION_AGENTS = ['client', 'aurora'] as const;
export type ConversationAgentKind = (typeof CONVERSATION_AGENTS)[number];

/**
 * One conversation per contact: who answers it (the bot, or a person after a
 * handoff) and the agent's memory between turns. `bot -> waiting_human -> human
 * -> closed -> bot`.
 */
export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    instanceId: uuid('instance_id').references(() => whatsappInstances.id, { onDelete: 'set null' }),
    agent: text('agent', { enum: CONVERSATION_AGENTS }).notNull().default('client'),
    state: text('state', { enum: CONVERSATION_STATES }).notNull().default('bot'),
    handoffReason: text('handoff_reason'),
    /** The agent's memory between turns (a menu step, a half-filled booking). */
    agentState: jsonb('agent_state').$type<Record<string, unknown>>(),
    stateChangedAt: timestamp('state_changed_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * When staff last sent the customer a message (through the API). A conversation with a person
     * goes back to the bot after the handoff timeout counted from the later of this and stateChangedAt.
     */
    staffActiveAt: timestamp('staff_active_at', { withTimezone: true }),
    lastMessageAt: timestamp('last_message_at', { withTimezone: true }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('conversations_organization_contact_key').on(table.organizationId, table.contactId),
    index('conversations_organization_state_idx').on(table.organizationId, table.state, table.stateChangedAt),
  ],
);

export const MESSAGE_DIRECTIONS = ['inbound', 'outbound'] as const;
export type MessageDirection = (typeof MESSAGE_DIRECTIONS)[number];
export const MESSAGE_TYPES = ['text', 'image', 'audio', 'document', 'location', 'video', 'sticker', 'contact', 'other'] as const;
export type MessageType = (typeof MESSAGE_TYPES)[number];
export const MESSAGE_STATUSES = ['received', 'processing', 'processed', 'queued', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];
/**
 * A message still waiting for its instance: a turn (inbound) or a send (outbound). The sweeper's statement and the
 * partial index below spell the list out as literals, so the planner can match the one to the other.
 */
export const UNFINISHED_MESSAGE_STATUSES = ['received', 'processing', 'queued'] as const satisfies readonly MessageStatus[];
export const MESSAGE_ORIGINS = ['customer', 'api', 'agent', 'system', 'campaign'] as const;
export type MessageOrigin = (typeof MESSAGE_ORIGINS)[number];

/** Every message in or out. Unique (instance, WhatsApp id): the same WhatsApp message is stored once. */
export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** Null once the instance is deleted: the conversation's history outlives the number it came through. */
    instanceId: uuid('instance_id').references(() => whatsappInstances.id, { onDelete: 'set null' }),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    /** The assistant's turn that answered an inbound message, or produced an outbound one: a turn's question and answer share it. */
    turnId: uuid('turn_id'),
    /** Who produced an outbound message: the API (staff), an agent, the system (notices), or a campaign. */
    origin: text('origin', { enum: MESSAGE_ORIGINS }),
    /** WhatsApp display name of the sender (inbound). */
    pushName: text('push_name'),
    /**
     * The other party, E.164 spelled as contacts' phones are; for a group chat's
     * message (stored, never answered) the group's JID (`...@g.us`), so it never
     * joins the sender's own conversation.
     */
    remotePhone: text('remote_phone').notNull(),
    direction: text('direction', { enum: MESSAGE_DIRECTIONS }).notNull(),
    waMessageId: text('wa_message_id'),
    type: text('type', { enum: MESSAGE_TYPES }).notNull(),
    body: text('body'),
    mediaRef: text('media_ref'),
    mediaMimetype: text('media_mimetype'),
    status: text('status', { enum: MESSAGE_STATUSES }).notNull(),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('messages_instance_wa_message_key').on(table.instanceId, table.waMessageId),
    index('messages_organization_created_idx').on(table.organizationId, table.createdAt),
    // No index on status alone: a message changes status three or four times, each change would write to it, and
    // every query by status has a partial index of its own (below).
    // A contact's pending turn and its history are read by (organization, phone) in arrival order.
    index('messages_organization_remote_created_idx').on(table.organizationId, table.remotePhone, table.createdAt),
    // A contact's messages waiting for a turn, in order: every turn claims them, which must not walk the
    // contact's whole history (a long-standing customer has thousands of messages).
    index('messages_waiting_inbound_idx')
      .on(table.organizationId, table.remotePhone, table.createdAt, table.id)
      .where(sql`direction = 'inbound' AND status IN ('received', 'processing')`),
    // Sends waiting to leave, per person in order: the send path asks for the earlier and the next one on
    // every send, which must not walk that person's whole sent history.
    index('messages_queued_outbound_idx')
      .on(table.organizationId, table.instanceId, table.remotePhone, table.createdAt, table.id)
      .where(sql`direction = 'outbound' AND status = 'queued'`),
    // The sweeper's scans: only the rows still waiting for a job, in a total order (created_at, id), so a sweep
    // reads on from where the last stopped. Not led by the direction: the planner then took it for the
    // pipeline's own lookups of unfinished messages (see migration 0015).
    index('messages_unfinished_created_id_idx')
      .on(table.createdAt, table.id)
      .where(sql`status IN ('received', 'processing', 'queued')`),
  ],
);

export interface HealthRunResult {
  totalInstances: number;
  healthyInstances: number;
  reconnectedInstances: number;
  failedInstances: number;
  cleanedSessions: number;
  alerts: { instanceId: string; kind: string; message: string }[];
}

/** Each run of the WhatsApp health job; organization null for a whole-cluster run. */
export const healthRuns = pgTable(
  'health_runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id').references(() => organizations.id, { onDelete: 'cascade' }),
    result: jsonb('result').$type<HealthRunResult>().notNull(),
    durationMs: integer('duration_ms').notNull(),
    createdAt: createdAt(),
  },
  (table) => [index('health_runs_created_idx').on(table.createdAt)],
);

export const ALERT_KINDS = ['instance_failed', 'instance_logged_out', 'connection_replaced', 'reconnect_exhausted'] as const;
export type AlertKind = (typeof ALERT_KINDS)[number];

/**
 * What the owner must know about. One open alert per (instance, kind): a problem
 * seen by every health run is still one alert until it is resolved.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    instanceId: uuid('instance_id').references(() => whatsappInstances.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ALERT_KINDS }).notNull(),
    message: text('message').notNull(),
    createdAt: createdAt(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('alerts_open_instance_kind_key')
      .on(table.instanceId, table.kind)
      .where(sql`${table.resolvedAt} IS NULL`),
  ],
);

export const PROACTIVE_KINDS = ['daily_summary', 'no_show', 'cancellation', 'pet_birthday', 'booking_milestone'] as const;
export type ProactiveKind = (typeof PROACTIVE_KINDS)[number];

/**
 * Every message Aurora sent the owner unprompted, one row per (organization,
 * kind, dedupe key): the day for the daily summary and the birthdays, the booking
 * for an alert, the milestone for a celebration. Inserting the row is the claim:
 * whoever inserts it sends, so two workers or a retried job never send twice.
 */
export const proactiveMessages = pgTable(
  'proactive_messages',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: PROACTIVE_KINDS }).notNull(),
    dedupeKey: text('dedupe_key').notNull(),
    /** What the owner read, in Portuguese. */
    text: text('text').notNull(),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    /** The instance it went out through; null when no instance was connected (Socket.IO only). */
    instanceId: uuid('instance_id').references(() => whatsappInstances.id, { onDelete: 'set null' }),
    /** How many owner numbers it was queued to on WhatsApp. */
    recipients: integer('recipients').notNull().default(0),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('proactive_messages_organization_kind_key').on(table.organizationId, table.kind, table.dedupeKey)],
);

/** WhatsApp auth state for SESSION_STORE=postgres: creds per instance, values in Baileys' BufferJSON encoding. */
export const whatsappAuthCreds = pgTable('whatsapp_auth_creds', {
  instanceId: uuid('instance_id').primaryKey(),
  organizationId: uuid('organization_id')
    .notNull()
    .references(() => organizations.id, { onDelete: 'cascade' }),
  creds: text('creds').notNull(),
  phoneNumber: text('phone_number'),
  formatVersion: integer('format_version').notNull(),
  createdAt: createdAt(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
});

export const whatsappAuthKeys = pgTable(
  'whatsapp_auth_keys',
  {
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    instanceId: uuid('instance_id').notNull(),
    type: text('type').notNull(),
    id: text('id').notNull(),
    value: text('value').notNull(),
  },
  (table) => [primaryKey({ columns: [table.instanceId, table.type, table.id] })],
);

export const AI_OUTCOMES = ['answered', 'handoff', 'tool_limit', 'fallback', 'offline', 'failed'] as const;
export type AiOutcome = (typeof AI_OUTCOMES)[number];

/** One tool call of a turn, as recorded: what the model asked and what it got back. */
export interface RecordedToolCall {
  name: string;
  /** The model's argument string, parsed when it was JSON. */
  arguments: unknown;
  ok: boolean;
  result: Record<string, unknown>;
  durationMs: number;
}

/**
 * One agent turn that involved (or tried to involve) the model: the audit of
 * what the assistant did and what it cost. `offline`: no key, the menu answered;
 * `failed`: our side failed mid-turn (the pipeline retries the turn).
 */
export const aiInteractions = pgTable(
  'ai_interactions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    conversationId: uuid('conversation_id').references(() => conversations.id, { onDelete: 'set null' }),
    contactId: uuid('contact_id').references(() => contacts.id, { onDelete: 'set null' }),
    agent: text('agent', { enum: CONVERSATION_AGENTS }).notNull(),
    /** The model that answered (as the API names it), or the one asked when none answered. */
    model: text('model'),
    outcome: text('outcome', { enum: AI_OUTCOMES }).notNull(),
    rounds: integer('rounds').notNull().default(0),
    promptTokens: integer('prompt_tokens').notNull().default(0),
    completionTokens: integer('completion_tokens').notNull().default(0),
    toolCalls: jsonb('tool_calls').$type<RecordedToolCall[]>().notNull().default([]),
    latencyMs: integer('latency_ms').notNull(),
    /** Why the model did not answer (fallback, tool_limit): safe to show, never a key or a prompt. */
    error: text('error'),
    createdAt: createdAt(),
  },
  (table) => [
    index('ai_interactions_organization_created_idx').on(table.organizationId, table.createdAt),
    index('ai_interactions_conversation_idx').on(table.conversationId),
  ],
);

export const CAMPAIGN_STATUSES = ['draft', 'approved', 'sending', 'sent', 'cancelled', 'failed'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];

/**
 * Who a campaign goes to, resolved when the owner approves it. `inactive`:
 * contacts with neither a booking nor a message in the last `days` days.
 */
export type CampaignAudience = { kind: 'all' } | { kind: 'inactive'; days: number };

/**
 * A message to many customers, drafted (by the owner's agent or the API) and
 * sent only after the owner approves it: `draft -> approved -> sending -> sent`,
 * or `cancelled` before it ends, or `failed` when its sending number was deleted
 * (the recipients not reached are failed with the reason). The counts follow its recipients as they are sent.
 */
export const campaigns = pgTable(
  'campaigns',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    /** Short code the owner types to approve it in chat ("CONFIRMAR K7P2QX"). */
    code: text('code').notNull(),
    objective: text('objective').notNull(),
    audience: jsonb('audience').$type<CampaignAudience>().notNull(),
    text: text('text').notNull(),
    status: text('status', { enum: CAMPAIGN_STATUSES }).notNull().default('draft'),
    /** The number that sends it; the organization's connected one when not chosen. */
    instanceId: uuid('instance_id').references(() => whatsappInstances.id, { onDelete: 'set null' }),
    createdByKind: text('created_by_kind', { enum: ACTOR_KINDS }).notNull(),
    createdById: text('created_by_id'),
    approvedAt: timestamp('approved_at', { withTimezone: true }),
    approvedByKind: text('approved_by_kind', { enum: ACTOR_KINDS }),
    approvedById: text('approved_by_id'),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    audienceSize: integer('audience_size').notNull().default(0),
    sentCount: integer('sent_count').notNull().default(0),
    failedCount: integer('failed_count').notNull().default(0),
    skippedOptedOut: integer('skipped_opted_out').notNull().default(0),
    skippedOutsideWindow: integer('skipped_outside_window').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (table) => [
    uniqueIndex('campaigns_organization_code_key').on(table.organizationId, table.code),
    index('campaigns_organization_created_idx').on(table.organizationId, table.createdAt),
    // The campaign sweeper's scan across organizations: only the few still to send, not every campaign ever sent.
    index('campaigns_unfinished_idx').on(table.organizationId, table.id).where(sql`status IN ('approved', 'sending')`),
  ],
);

export const CAMPAIGN_RECIPIENT_STATUSES = ['pending', 'queued', 'sent', 'failed', 'skipped'] as const;
export type CampaignRecipientStatus = (typeof CAMPAIGN_RECIPIENT_STATUSES)[number];
export const CAMPAIGN_SKIP_REASONS = ['opted_out', 'outside_window'] as const;
export type CampaignSkipReason = (typeof CAMPAIGN_SKIP_REASONS)[number];

/**
 * The audience of an approved campaign, one row per contact, snapshotted at
 * approval. `pending -> queued` happens in the transaction that stores the
 * contact's message, so a contact is given one message however often sending
 * restarts; `queued -> sent|failed` follows the message; `skipped` with a reason.
 */
export const campaignRecipients = pgTable(
  'campaign_recipients',
  {
    campaignId: uuid('campaign_id')
      .notNull()
      .references(() => campaigns.id, { onDelete: 'cascade' }),
    contactId: uuid('contact_id')
      .notNull()
      .references(() => contacts.id, { onDelete: 'cascade' }),
    organizationId: uuid('organization_id')
      .notNull()
      .references(() => organizations.id, { onDelete: 'cascade' }),
    status: text('status', { enum: CAMPAIGN_RECIPIENT_STATUSES }).notNull().default('pending'),
    skipReason: text('skip_reason', { enum: CAMPAIGN_SKIP_REASONS }),
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'set null' }),
    error: text('error'),
    updatedAt: updatedAt(),
  },
  (table) => [
    primaryKey({ columns: [table.campaignId, table.contactId] }),
    index('campaign_recipients_campaign_status_idx').on(table.campaignId, table.status),
  ],
);

export const schema = {
  organizations,
  apiKeys,
  organizationMembers,
  whatsappInstances,
  services,
  resources,
  contacts,
  pets,
  bookings,
  bookingEvents,
  whatsappAuthCreds,
  whatsappAuthKeys,
  messages,
  healthRuns,
  alerts,
  aiInteractions,
  campaigns,
  campaignRecipients,
  proactiveMessages,
};
export type Schema = typeof schema;
