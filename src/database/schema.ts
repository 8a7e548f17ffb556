import { sql } from 'drizzle-orm';
import { index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

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
  authorizedOwnerNumbers: text('authorized_owner_numbers')
    .array()
    .notNull()
    .default(sql`'{}'::text[]`),
  settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
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

export const schema = { organizations, apiKeys, organizationMembers, whatsappInstances };
export type Schema = typeof schema;
