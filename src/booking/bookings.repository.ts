import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { isPostgresError, PostgresErrorCode } from '../database/postgres-errors.js';
import {
  ACTIVE_BOOKING_STATUSES,
  type ActorKind,
  type BookingStatus,
  bookingEvents,
  bookings,
  contacts,
  organizations,
  pets,
  resources,
  services,
  type TimeRange,
} from '../database/schema.js';

export type BookingRow = typeof bookings.$inferSelect;
export type ServiceRow = typeof services.$inferSelect;
export type OrganizationSchedule = Pick<
  typeof organizations.$inferSelect,
  'timezone' | 'businessHours' | 'slotGranularityMin' | 'minimumNoticeMin'
>;

export interface Actor {
  kind: ActorKind;
  id: string | null;
}

/** Everything availability needs for one service over a window, read in one transaction. */
export interface ScheduleSnapshot {
  organization: OrganizationSchedule;
  service: ServiceRow;
  resourceIds: string[];
  busy: Map<string, TimeRange[]>;
}

export interface BookingFilter {
  from?: Date;
  to?: Date;
  status?: BookingStatus;
  contactId?: string;
}

export function isOverlapViolation(error: unknown): boolean {
  return isPostgresError(error, PostgresErrorCode.exclusionViolation);
}

function overlaps(range: TimeRange): SQL {
  return sql`${bookings.during} && tstzrange(${range.start.toISOString()}::timestamptz, ${range.end.toISOString()}::timestamptz, '[)')`;
}

@Injectable()
export class BookingsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  transaction<T>(organizationId: string, work: (tx: Db) => Promise<T>): Promise<T> {
    return this.database.withTenant(organizationId, work);
  }

  async schedule(tx: Db): Promise<OrganizationSchedule> {
    const [row] = await tx
      .select({
        timezone: organizations.timezone,
        businessHours: organizations.businessHours,
        slotGranularityMin: organizations.slotGranularityMin,
        minimumNoticeMin: organizations.minimumNoticeMin,
      })
      .from(organizations);
    return row;
  }

  async findService(tx: Db, serviceId: string): Promise<ServiceRow | null> {
    const [row] = await tx.select().from(services).where(eq(services.id, serviceId));
    return row ?? null;
  }

  async contactExists(tx: Db, contactId: string): Promise<boolean> {
    const [row] = await tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.id, contactId));
    return row !== undefined;
  }

  async petOfContact(tx: Db, petId: string, contactId: string): Promise<boolean> {
    const [row] = await tx
      .select({ id: pets.id })
      .from(pets)
      .where(and(eq(pets.id, petId), eq(pets.contactId, contactId)));
    return row !== undefined;
  }

  /** Active resources able to perform the service, in a stable order (offered first to last). */
  async resourcesFor(tx: Db, service: ServiceRow): Promise<string[]> {
    const rows = await tx
      .select({ id: resources.id })
      .from(resources)
      .where(and(eq(resources.kind, service.resourceKind), eq(resources.active, true)))
      .orderBy(asc(resources.name), asc(resources.id));
    return rows.map((row) => row.id);
  }

  async busy(tx: Db, resourceIds: string[], window: TimeRange): Promise<Map<string, TimeRange[]>> {
    const busy = new Map<string, TimeRange[]>();
    if (resourceIds.length === 0) return busy;
    const rows = await tx
      .select({ resourceId: bookings.resourceId, during: bookings.during })
      .from(bookings)
      .where(
        and(
          inArray(bookings.resourceId, resourceIds),
          inArray(bookings.status, [...ACTIVE_BOOKING_STATUSES]),
          overlaps(window),
        ),
      );
    for (const row of rows) busy.set(row.resourceId, [...(busy.get(row.resourceId) ?? []), row.during]);
    return busy;
  }

  /** `window` null: no bookings are read (a window past the booking horizon, which holds none). */
  async snapshot(organizationId: string, serviceId: string, window: TimeRange | null): Promise<ScheduleSnapshot | null> {
    return this.database.withTenant(organizationId, async (tx) => {
      const service = await this.findService(tx, serviceId);
      if (service === null) return null;
      const organization = await this.schedule(tx);
      const resourceIds = await this.resourcesFor(tx, service);
      return { organization, service, resourceIds, busy: window === null ? new Map() : await this.busy(tx, resourceIds, window) };
    });
  }

  async tryInsert(tx: Db, booking: typeof bookings.$inferInsert): Promise<BookingRow | null> {
    return this.unlessOverlapping(tx, booking.resourceId, async () => (await tx.insert(bookings).values(booking).returning())[0]);
  }

  async tryMove(tx: Db, bookingId: string, resourceId: string, during: TimeRange): Promise<BookingRow | null> {
    return this.unlessOverlapping(tx, resourceId, async () => {
      const [row] = await tx
        .update(bookings)
        .set({ resourceId, during, updatedAt: new Date() })
        .where(eq(bookings.id, bookingId))
        .returning();
      return row;
    });
  }

  /**
   * Runs a write in a savepoint: losing the slot to another booking (the
   * exclusion constraint) yields null and leaves the surrounding transaction
   * usable, so the caller can try the next resource.
   *
   * Writes to one resource take turns, under an advisory lock held for the
   * statement only. Without it, two transactions that both insert an overlapping
   * range before either checks the exclusion constraint wait on each other:
   * PostgreSQL breaks the deadlock after deadlock_timeout by failing one (a 500,
   * and seconds of latency for a burst of 50). With it, the second writer's check
   * sees the first one's row and waits for its commit: a plain 'slot taken'.
   * One lock at a time and released at once, so locks cannot deadlock either.
   */
  private async unlessOverlapping(tx: Db, resourceId: string, write: () => Promise<BookingRow>): Promise<BookingRow | null> {
    await tx.execute(sql`SAVEPOINT booking_attempt`);
    await tx.execute(sql`SELECT pg_advisory_lock(hashtextextended(${resourceId}, 0))`);
    try {
      const row = await write();
      await tx.execute(sql`SELECT pg_advisory_unlock(hashtextextended(${resourceId}, 0))`);
      await tx.execute(sql`RELEASE SAVEPOINT booking_attempt`);
      return row;
    } catch (error) {
      await tx.execute(sql`ROLLBACK TO SAVEPOINT booking_attempt`);
      await tx.execute(sql`SELECT pg_advisory_unlock(hashtextextended(${resourceId}, 0))`);
      if (isOverlapViolation(error)) return null;
      throw error;
    }
  }

  async findForUpdate(tx: Db, bookingId: string): Promise<BookingRow | null> {
    const [row] = await tx.select().from(bookings).where(eq(bookings.id, bookingId)).for('update');
    return row ?? null;
  }

  async setStatus(tx: Db, bookingId: string, status: BookingStatus): Promise<BookingRow> {
    const [row] = await tx
      .update(bookings)
      .set({ status, updatedAt: new Date() })
      .where(eq(bookings.id, bookingId))
      .returning();
    return row;
  }

  async recordEvent(
    tx: Db,
    booking: BookingRow,
    fromStatus: BookingStatus | null,
    actor: Actor,
    reason: string | null,
  ): Promise<void> {
    await tx.insert(bookingEvents).values({
      organizationId: booking.organizationId,
      bookingId: booking.id,
      fromStatus,
      toStatus: booking.status,
      actorKind: actor.kind,
      actorId: actor.id,
      reason,
      during: booking.during,
    });
  }

  async events(organizationId: string, bookingId: string) {
    return this.database.withTenant(organizationId, (tx) =>
      tx.select().from(bookingEvents).where(eq(bookingEvents.bookingId, bookingId)).orderBy(asc(bookingEvents.createdAt)),
    );
  }

  async find(organizationId: string, bookingId: string): Promise<BookingRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx.select().from(bookings).where(eq(bookings.id, bookingId)),
    );
    return row ?? null;
  }

  list(organizationId: string, filter: BookingFilter, limit: number, offset: number): Promise<BookingRow[]> {
    const conditions: SQL[] = [];
    if (filter.from !== undefined || filter.to !== undefined) {
      conditions.push(overlaps({ start: filter.from ?? new Date(0), end: filter.to ?? new Date('9999-12-31T00:00:00Z') }));
    }
    if (filter.status !== undefined) conditions.push(eq(bookings.status, filter.status));
    if (filter.contactId !== undefined) conditions.push(eq(bookings.contactId, filter.contactId));
    return this.database.withTenant(organizationId, (tx) =>
      tx
        .select()
        .from(bookings)
        .where(and(...conditions))
        .orderBy(sql`lower(${bookings.during})`, asc(bookings.id))
        .limit(limit)
        .offset(offset),
    );
  }
}
