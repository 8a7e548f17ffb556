import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import { DATABASE, type Database } from '../database/database.js';
import { isPostgresError, PostgresErrorCode } from '../database/postgres-errors.js';
import { type InstanceStatus, messages, UNFINISHED_MESSAGE_STATUSES, whatsappInstances } from '../database/schema.js';

export type InstanceRow = typeof whatsappInstances.$inferSelect;
export type NewInstance = Pick<typeof whatsappInstances.$inferInsert, 'organizationId' | 'name' | 'provider' | 'phoneNumber'>;
export type InstanceChanges = Partial<
  Pick<InstanceRow, 'status' | 'phoneNumber' | 'lastConnectedAt' | 'lastSeenAt' | 'reconnectAttempts' | 'lastDisconnectReason'>
>;

/** Tries of an instance's delete that PostgreSQL fails to break a deadlock (see delete). */
const DELETE_ATTEMPTS = 3;

/** The error of the messages a deleted instance left unanswered or unsent. */
export const INSTANCE_DELETED = 'the WhatsApp instance was deleted';

/** Statuses of an instance that should have a live socket somewhere. */
export const LIVE_STATUSES: InstanceStatus[] = ['connecting', 'pairing', 'connected', 'reconnecting'];

@Injectable()
export class InstancesRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async create(instance: NewInstance): Promise<InstanceRow> {
    const [row] = await this.database.withTenant(instance.organizationId, (tx) =>
      tx.insert(whatsappInstances).values(instance).returning(),
    );
    return row;
  }

  list(organizationId: string, limit: number, offset: number): Promise<InstanceRow[]> {
    return this.database.withTenant(organizationId, (tx) =>
      tx.select().from(whatsappInstances).orderBy(desc(whatsappInstances.createdAt), desc(whatsappInstances.id)).limit(limit).offset(offset),
    );
  }

  async find(organizationId: string, instanceId: string): Promise<InstanceRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx.select().from(whatsappInstances).where(eq(whatsappInstances.id, instanceId)),
    );
    return row ?? null;
  }

  /**
   * The conversation history outlives the instance: its messages stay, their
   * instance_id set null by the foreign key; those still waiting for it (a turn
   * to answer them, a send) end failed, since there is no number left to answer
   * or send through. The delete reaches into tables that workers write
   * meanwhile (messages, campaigns): one holding a row of them and then
   * touching the instance's row, as a turn storing its replies does, deadlocks
   * with it. When PostgreSQL fails the delete to break the cycle, it is run
   * again: the worker has its locks by then and finishes.
   */
  async delete(organizationId: string, instanceId: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.database.withTenant(organizationId, async (tx) => {
          await tx
            .update(messages)
            .set({ status: 'failed', error: INSTANCE_DELETED, updatedAt: new Date() })
            .where(and(eq(messages.instanceId, instanceId), inArray(messages.status, [...UNFINISHED_MESSAGE_STATUSES])));
          await tx.delete(whatsappInstances).where(eq(whatsappInstances.id, instanceId));
        });
        return;
      } catch (error) {
        if (attempt >= DELETE_ATTEMPTS || !isPostgresError(error, PostgresErrorCode.deadlockDetected)) throw error;
      }
    }
  }

  // The rest is the connection manager's: it serves every organization's sockets, so it
  // is cross-tenant by nature and uses systemDb, always by instance id.

  async findAny(instanceId: string): Promise<InstanceRow | null> {
    const [row] = await this.database.systemDb.select().from(whatsappInstances).where(eq(whatsappInstances.id, instanceId));
    return row ?? null;
  }

  async update(instanceId: string, changes: InstanceChanges): Promise<void> {
    await this.database.systemDb
      .update(whatsappInstances)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(whatsappInstances.id, instanceId));
  }

  /**
   * Takes (or keeps) the lease of an instance for `ttlMs`: only when nobody holds
   * it, this process already does, or the holder let it expire. One statement, so
   * two processes racing for it cannot both win.
   */
  async acquireLease(instanceId: string, owner: string, ttlMs: number): Promise<boolean> {
    const rows = await this.database.systemDb
      .update(whatsappInstances)
      .set({ leaseOwner: owner, leaseUntil: sql`now() + ${`${ttlMs} milliseconds`}::interval` })
      .where(
        and(
          eq(whatsappInstances.id, instanceId),
          or(isNull(whatsappInstances.leaseOwner), eq(whatsappInstances.leaseOwner, owner), lt(whatsappInstances.leaseUntil, sql`now()`)),
        ),
      )
      .returning({ id: whatsappInstances.id });
    return rows.length === 1;
  }

  /** Extends every lease this process holds; returns the instances it still holds. */
  async renewLeases(owner: string, ttlMs: number): Promise<string[]> {
    const rows = await this.database.systemDb
      .update(whatsappInstances)
      .set({ leaseUntil: sql`now() + ${`${ttlMs} milliseconds`}::interval` })
      .where(and(eq(whatsappInstances.leaseOwner, owner), sql`${whatsappInstances.leaseUntil} >= now()`))
      .returning({ id: whatsappInstances.id });
    return rows.map((row) => row.id);
  }

  /** Whether another live process holds the instance's socket (its lease has not run out). */
  async heldByAnother(instanceId: string, owner: string): Promise<boolean> {
    const [row] = await this.database.systemDb
      .select({ id: whatsappInstances.id })
      .from(whatsappInstances)
      .where(
        and(
          eq(whatsappInstances.id, instanceId),
          sql`${whatsappInstances.leaseOwner} <> ${owner}`,
          sql`${whatsappInstances.leaseUntil} >= now()`,
        ),
      );
    return row !== undefined;
  }

  async releaseLease(instanceId: string, owner: string): Promise<void> {
    await this.database.systemDb
      .update(whatsappInstances)
      .set({ leaseOwner: null, leaseUntil: null })
      .where(and(eq(whatsappInstances.id, instanceId), eq(whatsappInstances.leaseOwner, owner)));
  }

  /** Instances that should be live but whose socket nobody holds (never started, or the holder died). */
  async orphaned(): Promise<InstanceRow[]> {
    return this.database.systemDb
      .select()
      .from(whatsappInstances)
      .where(
        and(
          inArray(whatsappInstances.status, LIVE_STATUSES),
          or(isNull(whatsappInstances.leaseOwner), lt(whatsappInstances.leaseUntil, sql`now()`)),
        ),
      );
  }
}
