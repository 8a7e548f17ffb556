import { sql } from 'drizzle-orm';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Db } from '../../src/database/database.js';
import { migrate } from '../../src/database/migrator.js';
import { PostgresDatabase } from '../../src/database/postgres-database.js';
import { organizations, whatsappInstances } from '../../src/database/schema.js';

/** The machine's PostgreSQL; tests create their own database on it and drop it afterwards. */
export const POSTGRES_ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = `oxy_test_${label.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export interface MigratedDatabase {
  database: PostgresDatabase;
  /** Closes the pool and drops the database. */
  close(): Promise<void>;
}

/** A throwaway database with the app's migrations applied, through the app's own pool (`poolSize` connections). */
export async function openMigratedDatabase(label: string, poolSize: number): Promise<MigratedDatabase> {
  const testDatabase = await createTestDatabase(label);
  const database = PostgresDatabase.connect(testDatabase.url, poolSize);
  await migrate(database);
  return {
    database,
    close: async () => {
      await database.close();
      await testDatabase.drop();
    },
  };
}

export interface ShopDatabase extends MigratedDatabase {
  organizationId: string;
  instanceId: string;
}

/** A migrated throwaway database holding one shop with one WhatsApp instance ("main"), written on the owner connection. */
export async function openShopDatabase(label: string, poolSize: number, shopName: string): Promise<ShopDatabase> {
  const opened = await openMigratedDatabase(label, poolSize);
  const { systemDb } = opened.database;
  const [{ id: organizationId }] = await systemDb.insert(organizations).values({ name: shopName }).returning();
  const [{ id: instanceId }] = await systemDb.insert(whatsappInstances).values({ organizationId, name: 'main' }).returning();
  return { ...opened, organizationId, instanceId };
}

/**
 * Index entries the current transaction has read from the table's indexes
 * (PostgreSQL counts them per backend and transaction): how a test sees which
 * plan a statement ran with.
 */
export async function indexEntriesRead(db: Db, table = 'messages'): Promise<number> {
  const result = await db.execute(sql`
    SELECT coalesce(sum(pg_stat_get_xact_tuples_returned(indexrelid)), 0)::int AS read
      FROM pg_index WHERE indrelid = ${table}::regclass`);
  return (result as unknown as { rows: { read: number }[] }).rows[0].read;
}

/** Rows the current transaction has read from the table: by sequential scans plus index entries. */
export async function rowsRead(db: Db, table: string): Promise<number> {
  const result = await db.execute(sql`SELECT pg_stat_get_xact_tuples_returned(${table}::regclass)::int AS read`);
  return (result as unknown as { rows: { read: number }[] }).rows[0].read + (await indexEntriesRead(db, table));
}
