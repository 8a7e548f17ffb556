import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { type Database, type Db, type SqlRunner, tenantSettings, timed } from './database.js';
import { schema } from './schema.js';

/**
 * Embedded PostgreSQL (WebAssembly) for a bare machine: no server to install.
 * One connection, so transactions are serialised by PGlite itself.
 */
export class PgliteDatabase implements Database {
  readonly kind = 'pglite';
  readonly systemDb: Db;

  private constructor(private readonly client: PGlite) {
    this.systemDb = drizzle(client, { schema });
  }

  /** `directory` is a folder on disk, or `memory://` for a throwaway database. */
  static async open(directory: string): Promise<PgliteDatabase> {
    if (!directory.startsWith('memory://')) mkdirSync(directory, { recursive: true });
    const client = await PGlite.create(directory, { extensions: { btree_gist } });
    return new PgliteDatabase(client);
  }

  async withTenant<T>(organizationId: string, work: (tx: Db) => Promise<T>): Promise<T> {
    const settings = sql.raw(tenantSettings(organizationId));
    return this.systemDb.transaction(async (tx) => {
      await tx.execute(settings);
      return work(tx);
    });
  }

  withConnection<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T> {
    return work({
      query: async <Row>(text: string, params?: unknown[]) => (await this.client.query<Row>(text, params)).rows,
      exec: async (text: string) => {
        await this.client.exec(text);
      },
    });
  }

  ping(): Promise<number> {
    return timed(() => this.client.query('SELECT 1'));
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}
