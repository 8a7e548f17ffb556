import { Inject, Injectable } from '@nestjs/common';
import { type SQL, sql } from 'drizzle-orm';
import { Clock } from '../common/clock.js';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { type AnalyticsPeriod, type PeriodWindow, periodWindows, sameMomentBefore } from './analytics-period.js';

/** Counts of one period's bookings (by their start), and what they earned. */
export interface PeriodFigures {
  window: PeriodWindow;
  /** Every booking starting in the window, by status. */
  byStatus: Record<'scheduled' | 'confirmed' | 'done' | 'cancelled' | 'no_show', number>;
  /** Bookings not cancelled. */
  total: number;
  /** Prices of the bookings marked done, in cents. */
  revenueCents: number;
  /** no_show / (done + no_show): of the visits that were due, how many did not come; null with none due. */
  noShowRate: number | null;
  /** cancelled / every booking of the window; null with none. */
  cancellationRate: number | null;
}

export interface AnalyticsReport {
  period: AnalyticsPeriod;
  timezone: string;
  current: PeriodFigures;
  previous: PeriodFigures;
  /**
   * The previous period up to the moment as far into it as now is into the
   * current one: what the revenue so far compares with (the current period's
   * done bookings are only those up to now).
   */
  previousSoFar: { until: Date; revenueCents: number };
  /** The current period's breakdown. */
  byService: PeriodBreakdown['byService'];
  clients: PeriodBreakdown['clients'];
  busiestHours: PeriodBreakdown['busiestHours'];
  /** The previous period's: "mês passado" questions are asked of it ("o que mais vendeu mês passado?"). */
  previousDetails: PeriodBreakdown;
}

/** What a period's bookings were made of, beyond the counts. */
export interface PeriodBreakdown {
  /** Bookings not cancelled, and the revenue of those done, per service: busiest first. */
  byService: { service: string; bookings: number; revenueCents: number }[];
  /** Customers with a booking in the period: first booking ever (new) or not (returning). */
  clients: { new: number; returning: number };
  /** Hours of the shop's clock with most bookings starting, busiest first (up to 3). */
  busiestHours: { hour: number; bookings: number }[];
}

export interface AgendaEntry {
  bookingId: string;
  startsAt: Date;
  status: string;
  service: string;
  pet: string | null;
  customer: string | null;
  phone: string;
  /** The price agreed when booked. */
  priceCents: number;
}

/** A pet whose birthday it is, with its owner and the age it turns (null when the year is unknown or later). */
export interface PetBirthday {
  petId: string;
  pet: string;
  species: string;
  customer: string | null;
  phone: string;
  years: number | null;
}

const NO_STATUSES = { scheduled: 0, confirmed: 0, done: 0, cancelled: 0, no_show: 0 };

/**
 * The owner's figures, straight from the bookings: one SQL query per figure,
 * periods on the shop's calendar (its time zone), under the organization's
 * row-level security. Aurora's tools, her fallback summary and the daily
 * summary all read them here.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  report(organizationId: string, period: AnalyticsPeriod): Promise<AnalyticsReport> {
    return this.database.withTenant(organizationId, async (tx) => {
      const timezone = await this.timezone(tx, organizationId);
      const now = this.clock.now();
      const { current, previous } = periodWindows(period, now, timezone);
      const until = sameMomentBefore(period, now, timezone);
      return {
        period,
        timezone,
        current: await this.figures(tx, organizationId, current),
        previous: await this.figures(tx, organizationId, previous),
        previousSoFar: { until, revenueCents: await this.revenue(tx, organizationId, { ...previous, to: until }) },
        ...(await this.breakdown(tx, organizationId, current, timezone)),
        previousDetails: await this.breakdown(tx, organizationId, previous, timezone),
      };
    });
  }

  /** Figures of any window of days (the daily summary's "yesterday"). */
  figuresOf(organizationId: string, window: PeriodWindow): Promise<PeriodFigures> {
    return this.database.withTenant(organizationId, (tx) => this.figures(tx, organizationId, window));
  }

  /** The bookings of a window that are not cancelled, in start order, with who and what. */
  agenda(organizationId: string, window: PeriodWindow): Promise<AgendaEntry[]> {
    return this.database.withTenant(organizationId, async (tx) => {
      const rows = await query<{
        id: string;
        starts_at: string | Date;
        status: string;
        service: string;
        pet: string | null;
        customer: string | null;
        phone: string;
        price_cents: number;
      }>(
        tx,
        sql`SELECT b.id, lower(b.during) AS starts_at, b.status, s.name AS service, p.name AS pet, c.name AS customer, c.phone, b.price_cents
            FROM bookings b
            JOIN services s ON s.id = b.service_id
            JOIN contacts c ON c.id = b.contact_id
            LEFT JOIN pets p ON p.id = b.pet_id
            WHERE ${inWindow(organizationId, window)} AND b.status <> 'cancelled'
            ORDER BY lower(b.during), s.name`,
      );
      return rows.map((row) => ({
        bookingId: row.id,
        startsAt: new Date(row.starts_at),
        status: row.status,
        service: row.service,
        pet: row.pet,
        customer: row.customer,
        phone: row.phone,
        priceCents: Number(row.price_cents),
      }));
    });
  }

  /** Conversations waiting for a person. */
  openHandoffs(organizationId: string): Promise<number> {
    return this.database.withTenant(organizationId, async (tx) => {
      const [row] = await query<{ n: number }>(
        tx,
        sql`SELECT count(*)::int AS n FROM conversations WHERE organization_id = ${organizationId} AND state = 'waiting_human'`,
      );
      return Number(row.n);
    });
  }

  /**
   * Pets born on this month and day (YYYY-MM-DD of the shop's calendar); on
   * 28 February of a common year, those born on 29 February too.
   */
  birthdaysOn(organizationId: string, date: string): Promise<PetBirthday[]> {
    const [year, month, day] = date.split('-').map(Number);
    const leapDayToo = month === 2 && day === 28 && !isLeapYear(year);
    return this.database.withTenant(organizationId, async (tx) => {
      const rows = await query<{ id: string; pet: string; species: string; customer: string | null; phone: string; born: number }>(
        tx,
        sql`SELECT p.id, p.name AS pet, p.species, c.name AS customer, c.phone, extract(year FROM p.birth_date)::int AS born
            FROM pets p JOIN contacts c ON c.id = p.contact_id
            WHERE p.organization_id = ${organizationId} AND p.birth_date IS NOT NULL
              AND (
                (extract(month FROM p.birth_date) = ${month} AND extract(day FROM p.birth_date) = ${day})
                OR (${leapDayToo} AND extract(month FROM p.birth_date) = 2 AND extract(day FROM p.birth_date) = 29)
              )
            ORDER BY p.name, p.id`,
      );
      return rows.map((row) => ({
        petId: row.id,
        pet: row.pet,
        species: row.species,
        customer: row.customer,
        phone: row.phone,
        years: Number(row.born) < year ? year - Number(row.born) : null,
      }));
    });
  }

  /** Bookings the shop ever had, cancelled ones left out: the count its milestones (100th, 500th...) are about. */
  bookingCount(organizationId: string): Promise<number> {
    return this.database.withTenant(organizationId, async (tx) => {
      const [row] = await query<{ n: number }>(
        tx,
        sql`SELECT count(*)::int AS n FROM bookings WHERE organization_id = ${organizationId} AND status <> 'cancelled'`,
      );
      return Number(row.n);
    });
  }

  private async timezone(tx: Db, organizationId: string): Promise<string> {
    const [row] = await query<{ timezone: string }>(tx, sql`SELECT timezone FROM organizations WHERE id = ${organizationId}`);
    return row.timezone;
  }

  private async figures(tx: Db, organizationId: string, window: PeriodWindow): Promise<PeriodFigures> {
    const statuses = await query<{ status: keyof typeof NO_STATUSES; n: number }>(
      tx,
      sql`SELECT b.status, count(*)::int AS n FROM bookings b WHERE ${inWindow(organizationId, window)} GROUP BY b.status`,
    );
    const byStatus = { ...NO_STATUSES };
    for (const row of statuses) byStatus[row.status] = Number(row.n);
    const all = Object.values(byStatus).reduce((sum, count) => sum + count, 0);
    const due = byStatus.done + byStatus.no_show;
    return {
      window,
      byStatus,
      total: all - byStatus.cancelled,
      revenueCents: await this.revenue(tx, organizationId, window),
      noShowRate: due === 0 ? null : byStatus.no_show / due,
      cancellationRate: all === 0 ? null : byStatus.cancelled / all,
    };
  }

  /** Prices of the window's bookings marked done; the window may end at any instant. */
  private async revenue(tx: Db, organizationId: string, window: Pick<PeriodWindow, 'from' | 'to'>): Promise<number> {
    const [row] = await query<{ cents: string | number }>(
      tx,
      sql`SELECT coalesce(sum(b.price_cents), 0)::bigint AS cents FROM bookings b WHERE ${inWindow(organizationId, window)} AND b.status = 'done'`,
    );
    return Number(row.cents);
  }

  private async breakdown(tx: Db, organizationId: string, window: PeriodWindow, timezone: string): Promise<PeriodBreakdown> {
    return {
      byService: await this.byService(tx, organizationId, window),
      clients: await this.clients(tx, organizationId, window),
      busiestHours: await this.busiestHours(tx, organizationId, window, timezone),
    };
  }

  private async byService(tx: Db, organizationId: string, window: PeriodWindow): Promise<PeriodBreakdown['byService']> {
    const rows = await query<{ service: string; bookings: number; revenue: string | number }>(
      tx,
      sql`SELECT s.name AS service, count(*)::int AS bookings,
                 coalesce(sum(b.price_cents) FILTER (WHERE b.status = 'done'), 0)::bigint AS revenue
          FROM bookings b JOIN services s ON s.id = b.service_id
          WHERE ${inWindow(organizationId, window)} AND b.status <> 'cancelled'
          GROUP BY s.name ORDER BY bookings DESC, s.name`,
    );
    return rows.map((row) => ({ service: row.service, bookings: Number(row.bookings), revenueCents: Number(row.revenue) }));
  }

  /** A customer is new in the period when their first booking ever (not cancelled) starts in it. */
  private async clients(tx: Db, organizationId: string, window: PeriodWindow): Promise<PeriodBreakdown['clients']> {
    const [row] = await query<{ new_clients: number; returning_clients: number }>(
      tx,
      sql`WITH seen AS (
            SELECT DISTINCT b.contact_id FROM bookings b WHERE ${inWindow(organizationId, window)} AND b.status <> 'cancelled'
          )
          SELECT count(*) FILTER (WHERE first_start >= ${window.from.toISOString()}::timestamptz)::int AS new_clients,
                 count(*) FILTER (WHERE first_start < ${window.from.toISOString()}::timestamptz)::int AS returning_clients
          FROM seen
          JOIN LATERAL (
            SELECT min(lower(e.during)) AS first_start FROM bookings e
            WHERE e.organization_id = ${organizationId} AND e.contact_id = seen.contact_id AND e.status <> 'cancelled'
          ) earliest ON true`,
    );
    return { new: Number(row.new_clients), returning: Number(row.returning_clients) };
  }

  private async busiestHours(tx: Db, organizationId: string, window: PeriodWindow, timezone: string): Promise<PeriodBreakdown['busiestHours']> {
    const rows = await query<{ hour: number; bookings: number }>(
      tx,
      sql`SELECT extract(hour FROM lower(b.during) AT TIME ZONE ${timezone})::int AS hour, count(*)::int AS bookings
          FROM bookings b WHERE ${inWindow(organizationId, window)} AND b.status <> 'cancelled'
          GROUP BY 1 ORDER BY bookings DESC, hour LIMIT 3`,
    );
    return rows.map((row) => ({ hour: Number(row.hour), bookings: Number(row.bookings) }));
  }
}

/** Bookings `b` of the organization starting in the window. */
function inWindow(organizationId: string, window: Pick<PeriodWindow, 'from' | 'to'>): SQL {
  return sql`b.organization_id = ${organizationId}
    AND lower(b.during) >= ${window.from.toISOString()}::timestamptz AND lower(b.during) < ${window.to.toISOString()}::timestamptz`;
}

async function query<Row>(tx: Db, statement: SQL): Promise<Row[]> {
  const result = await tx.execute(statement);
  return (result as unknown as { rows: Row[] }).rows;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}
