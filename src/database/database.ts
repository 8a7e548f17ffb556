import type { ExtractTablesWithRelations } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import type { Schema } from './schema.js';

/** A Drizzle handle: the system connection or a tenant-scoped transaction. */
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

/** Runs raw SQL on one connection; used by the migrator, the hottest writes and the benchmarks. */
export interface SqlRunner {
  /**
   * `name` prepares the statement once per connection (PostgreSQL; PGlite
   * ignores it): for a constant text run so often that parsing and planning
   * it would cost more than running it.
   */
  query<Row = Record<string, unknown>>(text: string, params?: unknown[], name?: string): Promise<Row[]>;
  /** Several statements in one call (simple query protocol). */
  exec(text: string): Promise<void>;
}

/**
 * Makes the current transaction's commit not wait for its WAL to reach disk
 * (`synchronous_commit = off` for that transaction alone). Once PostgreSQL has
 * answered, the write survives this process being killed; a crash of the
 * database server itself can lose its last fraction of a second of such
 * commits, in order, never part of one (the WAL is flushed in order, so a later
 * commit that waits makes every earlier one durable too). Only for writes that
 * the system redoes by itself when they are lost: a turn's opening (the
 * messages are still waiting, the next turn takes them), a send's `sent`
 * stamp (the send is redone with the same WhatsApp id, which WhatsApp
 * dedupes; the function oxy_end_send of migration 0014 spells the same call),
 * the signal keys (see PostgresAuthStateStore). What a customer sent
 * or was answered, and what WhatsApp reported, always waits for the flush.
 * An expression: a statement evaluates it anywhere before its commit.
 */
export const COMMIT_WITHOUT_WAITING_FOR_THE_FLUSH = "set_config('synchronous_commit', 'off', true)";

export interface Database {
  readonly kind: 'postgres' | 'pglite';
  /**
   * The owner connection, which bypasses tenant policies. Only for code that is
   * cross-tenant by nature (authentication, instance leases, the health scan, admin).
   */
  readonly systemDb: Db;
  /**
   * Runs `work` in one transaction as the `oxy_tenant` role with
   * `app.organization_id` set, so row-level security confines every statement,
   * even one without a WHERE on the organization, to that organization.
   */
  withTenant<T>(organizationId: string, work: (tx: Db) => Promise<T>): Promise<T>;
  /** Runs `work` with one connection held for its whole duration. */
  withConnection<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T>;
  /** Round-trip latency of a trivial query, in milliseconds. */
  ping(): Promise<number>;
  close(): Promise<void>;
}

export const DATABASE = Symbol('DATABASE');

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

/**
 * The settings of a tenant transaction in one statement: the tenant role and
 * the organization (inlined, after a check that it is a UUID). Both databases
 * run it first thing.
 */
export function tenantSettings(organizationId: string): string {
  if (!isUuid(organizationId)) throw new Error(`withTenant: not an organization id: ${organizationId}`);
  return `SELECT set_config('role', 'oxy_tenant', true), set_config('app.organization_id', '${organizationId.toLowerCase()}', true)`;
}

export async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return Math.round((performance.now() - started) * 100) / 100;
}
