import { and, eq, inArray, lt, sql } from 'drizzle-orm';
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
 * sockets. Each `keys.set` batch is one transaction: an upsert of every value and
 * a delete of every null, so a crash leaves the batch applied or not at all.
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
    await this.database.withTenant(ref.organizationId, (tx) =>
      tx
        .update(whatsappAuthCreds)
        .set({ creds: encodeValue(creds), lastUsedAt: new Date() })
        .where(eq(whatsappAuthCreds.instanceId, ref.instanceId)),
    );
  }

  private keyStore(ref: SessionRef): SignalKeyStore {
    return {
      get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        ids.forEach(assertKeyId);
        const found: { [id: string]: SignalDataTypeMap[T] } = {};
        if (ids.length === 0) return found;
        const rows = await this.database.withTenant(ref.organizationId, (tx) =>
          tx
            .select({ id: whatsappAuthKeys.id, value: whatsappAuthKeys.value })
            .from(whatsappAuthKeys)
            .where(
              and(
                eq(whatsappAuthKeys.instanceId, ref.instanceId),
                eq(whatsappAuthKeys.type, type),
                inArray(whatsappAuthKeys.id, ids),
              ),
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
        await this.database.withTenant(ref.organizationId, async (tx) => {
          if (upserts.size > 0) {
            await tx
              .insert(whatsappAuthKeys)
              .values([...upserts.values()])
              .onConflictDoUpdate({
                target: [whatsappAuthKeys.instanceId, whatsappAuthKeys.type, whatsappAuthKeys.id],
                set: { value: sql`excluded.value` },
              });
          }
          if (deletes.length > 0) {
            await tx
              .delete(whatsappAuthKeys)
              .where(
                and(
                  eq(whatsappAuthKeys.instanceId, ref.instanceId),
                  sql`(${whatsappAuthKeys.type}, ${whatsappAuthKeys.id}) IN (${sql.join(
                    deletes.map((key) => sql`(${key.type}, ${key.id})`),
                    sql`, `,
                  )})`,
                ),
              );
          }
        });
      },
    };
  }
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
