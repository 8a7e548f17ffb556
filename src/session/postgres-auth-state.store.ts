import { and, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import { pino, type Logger } from 'pino';
import type { Database } from '../database/database.js';
import { whatsappAuthCreds, whatsappAuthKeys } from '../database/schema.js';
import {
  type AuthenticationCreds,
  initAuthCreds,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from '../whatsapp/transport/baileys-auth.js';
import {
  type AuthStateStore,
  type OpenOptions,
  type OpenSession,
  SESSION_FORMAT_VERSION,
  type SessionMetadata,
  type SessionRef,
} from './auth-state-store.js';
import { CachedKeyStore } from './cached-key-store.js';
import { parseCreds } from './creds-validation.js';
import { assertKeyId, assertSessionRef, decodeValue, encodeValue } from './session-codec.js';
import { SessionCorruptedError, type SessionStoreEvents } from './session-events.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Sessions in PostgreSQL, for deployments where more than one process may host
 * sockets. Each `keys.set` batch is one statement (an upsert of every value, with
 * a delete of every null in the same statement when there are both), so a crash
 * leaves the batch applied or not at all.
 *
 * The signal keys and creds are read and written on the owner connection with
 * the organization in every filter and row, not through a tenant transaction: a
 * socket's every message reads and writes keys, the session ref comes from the
 * connection manager (never from a caller), and a tenant transaction would add
 * two round trips and a commit to each of them. Opening, metadata and deleting
 * stay under row-level security.
 */
export class PostgresAuthStateStore implements AuthStateStore {
  readonly kind = 'postgres';
  private readonly logger: Logger;

  constructor(
    private readonly database: Database,
    private readonly options: { logger?: Logger; events?: SessionStoreEvents } = {},
  ) {
    this.logger = options.logger ?? pino({ level: 'silent' });
  }

  async open(ref: SessionRef, options: OpenOptions = {}): Promise<OpenSession> {
    assertSessionRef(ref);
    const creds = await this.database.withTenant(ref.organizationId, async (tx) => {
      const [row] = await tx.select().from(whatsappAuthCreds).where(eq(whatsappAuthCreds.instanceId, ref.instanceId));
      if (row === undefined) {
        const fresh = initAuthCreds();
        await tx.insert(whatsappAuthCreds).values({
          instanceId: ref.instanceId,
          organizationId: ref.organizationId,
          creds: encodeValue(fresh),
          phoneNumber: options.phoneNumber ?? null,
          formatVersion: SESSION_FORMAT_VERSION,
        });
        return fresh;
      }
      await tx
        .update(whatsappAuthCreds)
        .set({ lastUsedAt: new Date(), ...(options.phoneNumber === undefined ? {} : { phoneNumber: options.phoneNumber }) })
        .where(eq(whatsappAuthCreds.instanceId, ref.instanceId));
      const parsed = parseCreds(row.creds);
      if (parsed === null) {
        this.options.events?.credsUnrecoverable(ref);
        throw new SessionCorruptedError(ref, 'stored creds do not validate');
      }
      return parsed;
    });
    return {
      state: { creds, keys: new CachedKeyStore(this.keyStore(ref)) },
      saveCreds: () => this.saveCreds(ref, creds),
      close: async () => undefined,
    };
  }

  async exists(ref: SessionRef): Promise<boolean> {
    return (await this.metadata(ref)) !== null;
  }

  async metadata(ref: SessionRef): Promise<SessionMetadata | null> {
    assertSessionRef(ref);
    const [row] = await this.database.withTenant(ref.organizationId, (tx) =>
      tx
        .select({
          phoneNumber: whatsappAuthCreds.phoneNumber,
          createdAt: whatsappAuthCreds.createdAt,
          lastUsedAt: whatsappAuthCreds.lastUsedAt,
          formatVersion: whatsappAuthCreds.formatVersion,
        })
        .from(whatsappAuthCreds)
        .where(eq(whatsappAuthCreds.instanceId, ref.instanceId)),
    );
    return row === undefined ? null : toMetadata(ref, row);
  }

  /** Cross-tenant by nature (a maintenance scan), so it reads through systemDb. */
  async listIdle(days: number): Promise<SessionMetadata[]> {
    const rows = await this.database.systemDb
      .select()
      .from(whatsappAuthCreds)
      .where(lt(whatsappAuthCreds.lastUsedAt, new Date(Date.now() - days * DAY_MS)));
    return rows.map((row) => toMetadata(row, row));
  }

  async delete(ref: SessionRef): Promise<void> {
    assertSessionRef(ref);
    await this.database.withTenant(ref.organizationId, async (tx) => {
      await tx.delete(whatsappAuthKeys).where(eq(whatsappAuthKeys.instanceId, ref.instanceId));
      await tx.delete(whatsappAuthCreds).where(eq(whatsappAuthCreds.instanceId, ref.instanceId));
    });
  }

  /** The database is the durable copy (with its own backups); nothing else to keep. */
  async backup(): Promise<boolean> {
    return false;
  }

  private async saveCreds(ref: SessionRef, creds: AuthenticationCreds): Promise<void> {
    await this.database.systemDb
      .update(whatsappAuthCreds)
      .set({ creds: encodeValue(creds), lastUsedAt: new Date() })
      .where(and(eq(whatsappAuthCreds.instanceId, ref.instanceId), eq(whatsappAuthCreds.organizationId, ref.organizationId)));
  }

  private keyStore(ref: SessionRef): SignalKeyStore {
    return {
      get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        ids.forEach(assertKeyId);
        const found: { [id: string]: SignalDataTypeMap[T] } = {};
        if (ids.length === 0) return found;
        const rows = await this.database.systemDb
          .select({ id: whatsappAuthKeys.id, value: whatsappAuthKeys.value })
          .from(whatsappAuthKeys)
          .where(
            and(
              eq(whatsappAuthKeys.instanceId, ref.instanceId),
              eq(whatsappAuthKeys.organizationId, ref.organizationId),
              eq(whatsappAuthKeys.type, type),
              inArray(whatsappAuthKeys.id, ids),
            ),
          );
        for (const row of rows) found[row.id] = decodeValue(type, row.value) as SignalDataTypeMap[T];
        return found;
      },
      set: async (data: SignalDataSet) => {
        const upserts = new Map<string, typeof whatsappAuthKeys.$inferInsert>();
        const deletes: { type: string; id: string }[] = [];
        for (const [type, entries] of Object.entries(data)) {
          for (const [id, value] of Object.entries(entries ?? {})) {
            assertKeyId(id);
            if (value === null || value === undefined) deletes.push({ type, id });
            // One row per (type, id): a batch that names a key twice keeps its last value, as a sequence of sets would.
            else upserts.set(`${type}\0${id}`, { organizationId: ref.organizationId, instanceId: ref.instanceId, type, id, value: encodeValue(value) });
          }
        }
        if (upserts.size === 0 && deletes.length === 0) return;
        await this.database.systemDb.execute(setStatement(ref, [...upserts.values()], deletes));
      },
    };
  }
}

/**
 * One statement for a whole `keys.set` batch: the upsert, the delete, or both
 * (the delete as a data-modifying CTE of the upsert), so the batch is atomic
 * without a transaction's extra round trips.
 */
function setStatement(ref: SessionRef, upserts: (typeof whatsappAuthKeys.$inferInsert)[], deletes: { type: string; id: string }[]): SQL {
  const removal =
    deletes.length === 0
      ? null
      : sql`DELETE FROM whatsapp_auth_keys
             WHERE instance_id = ${ref.instanceId} AND organization_id = ${ref.organizationId}
               AND (type, id) IN (${sql.join(
                 deletes.map((key) => sql`(${key.type}, ${key.id})`),
                 sql`, `,
               )})`;
  if (upserts.length === 0) return removal!;
  const upsert = sql`INSERT INTO whatsapp_auth_keys (organization_id, instance_id, type, id, value)
    VALUES ${sql.join(
      upserts.map((row) => sql`(${row.organizationId}, ${row.instanceId}, ${row.type}, ${row.id}, ${row.value})`),
      sql`, `,
    )}
    ON CONFLICT (instance_id, type, id) DO UPDATE SET value = excluded.value`;
  return removal === null ? upsert : sql`WITH removed AS (${removal}) ${upsert}`;
}

function toMetadata(
  ref: SessionRef,
  row: { phoneNumber: string | null; createdAt: Date; lastUsedAt: Date; formatVersion: number },
): SessionMetadata {
  return {
    organizationId: ref.organizationId,
    instanceId: ref.instanceId,
    phoneNumber: row.phoneNumber,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt.toISOString(),
    formatVersion: row.formatVersion,
  };
}
