import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrate } from '../src/database/migrator.js';
import { PostgresDatabase } from '../src/database/postgres-database.js';

export const ADMIN_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function adminQuery(text: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** Runs `work` on a freshly migrated database of its own, dropped afterwards whatever happens. */
export async function withThrowawayPostgres<T>(
  poolSize: number,
  work: (database: PostgresDatabase, name: string) => Promise<T>,
): Promise<T> {
  const name = `oxy_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  try {
    const database = PostgresDatabase.connect(url.toString(), poolSize);
    try {
      await migrate(database);
      return await work(database, name);
    } finally {
      await database.close();
    }
  } finally {
    await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    console.log(`dropped ${name}`);
  }
}

export function percentile(values: number[], fraction: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
