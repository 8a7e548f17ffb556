import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Database, SqlRunner } from './database.js';

/** `supabase/migrations`, the one migrations folder (Supabase CLI layout, drizzle-kit output). */
export const MIGRATIONS_DIRECTORY = fileURLToPath(new URL('../../supabase/migrations', import.meta.url));

const MIGRATION_FILE = /^(\d+)_[\w-]+\.sql$/;
// Any fixed number works; it only has to be the same in every process.
const MIGRATION_LOCK_ID = 7_041_322;

export interface MigrationResult {
  applied: string[];
}

/**
 * Applies pending migrations, each in its own transaction. Processes booting at
 * once wait on an advisory lock, so a migration runs exactly once. Files already
 * applied by the Supabase CLI (`supabase db reset`) count as applied.
 */
export async function migrate(database: Database, directory = MIGRATIONS_DIRECTORY): Promise<MigrationResult> {
  const files = (await readdir(directory)).filter((name) => MIGRATION_FILE.test(name)).sort();
  return database.withConnection(async (runner) => {
    if (database.kind === 'postgres') await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    try {
      await runner.exec(
        'CREATE TABLE IF NOT EXISTS oxy_schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const done = await appliedMigrations(runner);
      const applied: string[] = [];
      for (const file of files) {
        const version = MIGRATION_FILE.exec(file)?.[1] ?? file;
        if (done.has(file) || done.has(version)) continue;
        const text = await readFile(`${directory}/${file}`, 'utf8');
        await runner.exec('BEGIN');
        try {
          await runner.exec(text);
          await runner.query('INSERT INTO oxy_schema_migrations (name) VALUES ($1)', [file]);
          await runner.exec('COMMIT');
        } catch (error) {
          await runner.exec('ROLLBACK');
          throw new Error(`migration ${file} failed: ${(error as Error).message}`, { cause: error });
        }
        applied.push(file);
      }
      return { applied };
    } finally {
      if (database.kind === 'postgres') await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_ID]);
    }
  });
}

async function appliedMigrations(runner: SqlRunner): Promise<Set<string>> {
  const ours = await runner.query<{ name: string }>('SELECT name FROM oxy_schema_migrations');
  const [{ supabase }] = await runner.query<{ supabase: string | null }>(
    "SELECT to_regclass('supabase_migrations.schema_migrations')::text AS supabase",
  );
  const theirs =
    supabase === null ? [] : await runner.query<{ version: string }>(`SELECT version FROM ${supabase}`);
  return new Set([...ours.map((row) => row.name), ...theirs.map((row) => row.version)]);
}
