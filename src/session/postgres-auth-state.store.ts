import { and, eq, inArray, lt } from 'drizzle-orm';
import { GroupCommit } from '../common/group-commit.js';
import { COMMIT_WITHOUT_WAITING_FOR_THE_FLUSH, type Database } from '../database/database.js';
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
import { assertKeyId, assertSessionRef, decodeValue, encodeKeyChanges, encodeValue, type KeyChange } from './session-codec.js';
import { SessionCorruptedError, type SessionStoreEvents } from './session-events.js';

const DAY_MS = 24 * 3600 * 1000;

/**
 * Statements of key writes (and, apart, of creds saves) under way at once. One:
 * with 50 sessions at work, larger groups in one statement beat smaller ones in
 * two (about 7,100 against 6,450 turns/s in bench:auth-state).
 */
const WRITE_STATEMENTS_IN_FLIGHT = 1;

/**
 * Sessions in PostgreSQL, for deployments where more than one process may host
 * sockets.
 *
 * Writes are group-committed across every session of the process: a lone
 * `keys.set` is one statement at once, and the sets that arrive while
 * one is under way share the next one (creds saves likewise). Each
 * `keys.set` is applied whole or not at all, and a caller's promise settles
 * when its own data is stored.
 *
 * Key writes commit asynchronously (`synchronous_commit = off` for their
 * statement): once PostgreSQL has answered they survive this process being
 * killed, and a crash of PostgreSQL itself can lose at most its last fraction
 * of a second of them, never half a batch; the file store's key writes (no
 * fsync) and Baileys' own store make the same trade. Waiting for the WAL flush
 * made each key write two to four times as slow here. Creds saves still wait for it, and since
 * the WAL is flushed in order, a creds save also makes every key written
 * before it durable (the pre-keys of a pairing, say).
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
  private readonly keyWrites = new GroupCommit<KeyWriteBatch>((batches) => this.writeKeys(batches), {
    maxInFlight: WRITE_STATEMENTS_IN_FLIGHT,
    keyOf: (batch) => batch.ref.instanceId,
  });
  private readonly credsWrites = new GroupCommit<CredsWrite>((writes) => this.writeCreds(writes), {
    maxInFlight: WRITE_STATEMENTS_IN_FLIGHT,
    keyOf: (write) => write.ref.instanceId,
  });

  constructor(
    private readonly database: Database,
    private readonly options: { events?: SessionStoreEvents } = {},
  ) {}

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

  /** Encoded now: Baileys goes on mutating the creds object while the write waits. */
  private saveCreds(ref: SessionRef, creds: AuthenticationCreds): Promise<void> {
    return this.credsWrites.submit({ ref, creds: encodeValue(creds) });
  }

  /** One statement for the group; an instance's last save wins. */
  private async writeCreds(writes: CredsWrite[]): Promise<void> {
    const rows = [...new Map(writes.map((write) => [write.ref.instanceId, write])).values()];
    await this.database.withConnection((runner) =>
      runner.query(
        SAVE_CREDS.text,
        [rows.map(({ ref }) => ref.organizationId), rows.map(({ ref }) => ref.instanceId), rows.map(({ creds }) => creds)],
        SAVE_CREDS.name,
      ),
    );
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
        const changes = encodeKeyChanges(data);
        if (changes.length > 0) await this.keyWrites.submit({ ref, changes });
      },
    };
  }

  /**
   * One statement for every batch in the group, so each batch is applied whole
   * or not at all. Within the group, later changes of a key override earlier
   * ones, as a sequence of sets would.
   */
  private async writeKeys(batches: KeyWriteBatch[]): Promise<void> {
    const latest = new Map<string, KeyWrite>();
    for (const { ref, changes } of batches) {
      for (const change of changes) latest.set(`${ref.instanceId}\0${change[0]}\0${change[1]}`, { ref, change });
    }
    const keys = [...latest.values()];
    // Raw prepared statements rather than Drizzle templates: this runs on every message, and building and
    // planning the query cost more than running it.
    await this.database.withConnection(async (runner) => {
      const [only] = keys;
      if (keys.length === 1 && only.change[2] !== null) {
        const { ref, change: [type, id, value] } = only;
        await runner.query(UPSERT_ONE_KEY.text, [ref.organizationId, ref.instanceId, type, id, value], UPSERT_ONE_KEY.name);
        return;
      }
      const upserts = keys.filter(({ change }) => change[2] !== null);
      const deletes = keys.filter(({ change }) => change[2] === null);
      await runner.query(WRITE_KEYS.text, [...keyColumns(deletes).slice(0, 4), ...keyColumns(upserts)], WRITE_KEYS.name);
    });
  }
}

interface KeyWrite {
  ref: SessionRef;
  change: KeyChange;
}

/** Organization ids, instance ids, types, ids and values, as parallel arrays. */
function keyColumns(keys: KeyWrite[]): (string | null)[][] {
  return [
    keys.map(({ ref }) => ref.organizationId),
    keys.map(({ ref }) => ref.instanceId),
    keys.map(({ change: [type] }) => type),
    keys.map(({ change: [, id] }) => id),
    keys.map(({ change: [, , value] }) => value),
  ];
}

/** Creds of any sessions; waits for the WAL flush, as the file store fsyncs its creds. */
const SAVE_CREDS = {
  name: 'oxy_auth_creds_save',
  text: `UPDATE whatsapp_auth_creds AS stored
            SET creds = saved.creds, last_used_at = now()
           FROM unnest($1::uuid[], $2::uuid[], $3::text[]) AS saved (organization_id, instance_id, creds)
          WHERE stored.instance_id = saved.instance_id AND stored.organization_id = saved.organization_id`,
};

/** Ends every key write: its statement's transaction commits without waiting for the flush (see the class comment). */
const WITHOUT_WAITING_FOR_THE_FLUSH = `SELECT ${COMMIT_WITHOUT_WAITING_FOR_THE_FLUSH}`;

/** A message turn's write: one key. */
const UPSERT_ONE_KEY = {
  name: 'oxy_auth_key_upsert',
  text: `WITH written AS (
           INSERT INTO whatsapp_auth_keys (organization_id, instance_id, type, id, value) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (instance_id, type, id) DO UPDATE SET value = excluded.value)
         ${WITHOUT_WAITING_FOR_THE_FLUSH}`,
};

/**
 * Any number of keys of any sessions, deletes and upserts, as parallel arrays:
 * one text whatever the size (pairing's 812 pre-keys, a history sync's
 * thousands of lid mappings), so it is prepared once per connection and never
 * meets the limit of 65,535 parameters.
 */
const WRITE_KEYS = {
  name: 'oxy_auth_keys_write',
  text: `WITH removed AS (
           DELETE FROM whatsapp_auth_keys AS stored
            USING unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS gone (organization_id, instance_id, type, id)
            WHERE stored.instance_id = gone.instance_id AND stored.organization_id = gone.organization_id
              AND stored.type = gone.type AND stored.id = gone.id
         ), written AS (
           INSERT INTO whatsapp_auth_keys (organization_id, instance_id, type, id, value)
           SELECT * FROM unnest($5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[])
           ON CONFLICT (instance_id, type, id) DO UPDATE SET value = excluded.value)
         ${WITHOUT_WAITING_FOR_THE_FLUSH}`,
};

interface CredsWrite {
  ref: SessionRef;
  /** Encoded. */
  creds: string;
}

/** One `keys.set` call of one session. */
interface KeyWriteBatch {
  ref: SessionRef;
  changes: KeyChange[];
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
