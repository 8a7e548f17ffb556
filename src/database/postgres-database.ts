import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import { type Database, type Db, type SqlRunner, tenantSettings, timed } from './database.js';
import { schema } from './schema.js';
import { namingClient, StatementNames } from './statement-names.js';

/** PostgreSQL through node-postgres (Supabase in production). */
export class PostgresDatabase implements Database {
  readonly kind = 'postgres';
  readonly systemDb: Db;
  /** One Drizzle handle per pooled client: building one per transaction costs more than the query. */
  private readonly handles = new WeakMap<pg.PoolClient, Db>();

  constructor(private readonly pool: pg.Pool) {
    this.systemDb = drizzle(pool, { schema });
  }

  static connect(url: string, poolSize: number): PostgresDatabase {
    const pool = new pg.Pool({
      connectionString: url,
      max: poolSize,
      connectionTimeoutMillis: 5000,
      Client: namingClient(new StatementNames()),
    });
    // An idle client that loses its connection must not crash the process; the pool replaces it.
    pool.on('error', () => undefined);
    // Nor may a checked-out one between two statements of a transaction (the pool listens only to idle
    // clients): PostgreSQL restarting would emit an 'error' nobody handles. The transaction's next statement
    // fails with the cause, and the broken client is discarded on release.
    pool.on('connect', (client) => client.on('error', () => undefined));
    return new PostgresDatabase(pool);
  }

  async withTenant<T>(organizationId: string, work: (tx: Db) => Promise<T>): Promise<T> {
    // BEGIN and the settings in one round trip (simple protocol): what keeps tenant writes near plain ones.
    const preamble = `BEGIN; ${tenantSettings(organizationId)}`;
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query(preamble);
      const result = await work(this.handleFor(client));
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError;
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async withConnection<T>(work: (runner: SqlRunner) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      return await work({
        query: async <Row>(text: string, params?: unknown[], name?: string) => (await client.query({ text, values: params, name })).rows as Row[],
        exec: async (text: string) => {
          await client.query(text);
        },
      });
    } finally {
      client.release();
    }
  }

  ping(): Promise<number> {
    return timed(() => this.pool.query('SELECT 1'));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private handleFor(client: pg.PoolClient): Db {
    let handle = this.handles.get(client);
    if (handle === undefined) {
      handle = drizzle(client, { schema });
      this.handles.set(client, handle);
    }
    return handle;
  }
}
