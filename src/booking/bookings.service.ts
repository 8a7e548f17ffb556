import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { ResourceNotFoundException } from '../common/domain.exception.js';
import type { Db } from '../database/database.js';
import type { BookingStatus, TimeRange } from '../database/schema.js';
import { earliestStart, freeSlots, type Slot } from './availability.js';
import {
  type AlternativeSlot,
  BookingNotStartedException,
  InvalidBookingTransitionException,
  InvalidSlotException,
  SlotTakenException,
} from './booking.exceptions.js';
import {
  type Actor,
  type BookingFilter,
  type BookingRow,
  BookingsRepository,
  type OrganizationSchedule,
  type ServiceRow,
} from './bookings.repository.js';
import { addDays, formatInZone, localDate, minutesOf, wallClockOf, zonedInstant } from './zoned-time.js';

const MINUTE_MS = 60_000;
const ALTERNATIVES_OFFERED = 5;
const ALTERNATIVES_SEARCH_DAYS = 14;
/**
 * How far ahead a booking may start. Past it a date is a typo (2062 for 2026) the shop would not see until
 * the day never comes; and near year 9999 the day arithmetic would leave the range PostgreSQL reads.
 */
const MAX_DAYS_AHEAD = 365;
const DAY_MS = 86_400_000;

export interface NewBooking {
  contactId: string;
  petId?: string;
  serviceId: string;
  startsAt: Date;
  /** A specific groomer, vet...; any free resource of the service's kind when absent. */
  resourceId?: string;
  notes?: string;
}

export interface DayAvailability {
  service: ServiceRow;
  timezone: string;
  slots: Slot[];
}

/**
 * Raised inside the booking transaction and turned into an HTTP-facing exception
 * with alternatives after it ends: computing alternatives needs its own read, which
 * must not wait on the transaction that is still open (PGlite has one connection).
 */
class Refusal extends Error {
  /** `reason` null: the slot is taken; otherwise why the time can never be booked. */
  constructor(readonly reason: string | null) {
    super(reason ?? 'slot taken');
  }
}

const ACTIVE: readonly BookingStatus[] = ['scheduled', 'confirmed'];
/** Outcomes of a visit: only known once it has begun (a no-show sends the owner an alert, done counts as revenue). */
const AFTER_START_ONLY: readonly BookingStatus[] = ['done', 'no_show'];

/** Told about every status change after it is committed (Aurora's no-show and cancellation alerts). */
export type BookingStatusListener = (change: { organizationId: string; booking: BookingRow; from: BookingStatus }) => Promise<void>;

/**
 * Bookings for staff (REST) and, later, the agents. The database's exclusion
 * constraint is the one guard against overbooking; this service picks a
 * resource, explains refusals and offers the next free times.
 */
@Injectable()
export class BookingsService {
  private readonly logger = new Logger('Bookings');
  private readonly statusListeners: BookingStatusListener[] = [];

  constructor(
    private readonly bookings: BookingsRepository,
    private readonly clock: Clock,
  ) {}

  onStatusChange(listener: BookingStatusListener): void {
    this.statusListeners.push(listener);
  }

  async availability(organizationId: string, serviceId: string, date: string): Promise<DayAvailability> {
    const beyondHorizon = this.beyondHorizon(date);
    const snapshot = await this.bookings.snapshot(organizationId, serviceId, beyondHorizon ? null : this.dayWindow(date));
    if (snapshot === null || !snapshot.service.active) throw new ResourceNotFoundException('Service', serviceId);
    const { organization, service, resourceIds, busy } = snapshot;
    if (beyondHorizon) return { service, timezone: organization.timezone, slots: [] };
    const slots = freeSlots({
      date,
      timeZone: organization.timezone,
      businessHours: organization.businessHours,
      granularityMin: organization.slotGranularityMin,
      durationMin: service.durationMin,
      earliestStart: this.earliestStart(organization),
      latestStart: this.latestStart(),
      resourceIds,
      busy,
    });
    return { service, timezone: organization.timezone, slots };
  }

  /** The next free slots from an instant on, across days: what a refused customer is offered. */
  async nextFreeSlots(organizationId: string, serviceId: string, from: Date, count = ALTERNATIVES_OFFERED): Promise<DayAvailability | null> {
    // Nothing before now is offered; the shop's zone is not known before reading,
    // so starting a day before the UTC date covers every zone.
    from = new Date(Math.max(from.getTime(), this.clock.now().getTime()));
    // Past the horizon nothing is free, and the date arithmetic is not even tried (year 10000 has no ISO date).
    const beyondHorizon = from > this.latestStart();
    const firstDay = addDays((beyondHorizon ? this.clock.now() : from).toISOString().slice(0, 10), -1);
    const window = beyondHorizon ? null : this.dayWindow(firstDay, ALTERNATIVES_SEARCH_DAYS + 1);
    const snapshot = await this.bookings.snapshot(organizationId, serviceId, window);
    if (snapshot === null || !snapshot.service.active) return null;
    const { organization, service } = snapshot;
    if (beyondHorizon) return { service, timezone: organization.timezone, slots: [] };
    const earliestStart = new Date(Math.max(from.getTime(), this.earliestStart(organization).getTime()));
    const slots: Slot[] = [];
    for (let day = 0; day <= ALTERNATIVES_SEARCH_DAYS && slots.length < count; day += 1) {
      slots.push(
        ...freeSlots({
          date: addDays(firstDay, day),
          timeZone: organization.timezone,
          businessHours: organization.businessHours,
          granularityMin: organization.slotGranularityMin,
          durationMin: service.durationMin,
          earliestStart,
          latestStart: this.latestStart(),
          resourceIds: snapshot.resourceIds,
          busy: snapshot.busy,
        }),
      );
    }
    return { service, timezone: organization.timezone, slots: slots.slice(0, count) };
  }

  async create(organizationId: string, input: NewBooking, actor: Actor): Promise<BookingRow> {
    try {
      return await this.bookings.transaction(organizationId, async (tx) => {
        const service = await this.bookings.findService(tx, input.serviceId);
        if (service === null || !service.active) throw new ResourceNotFoundException('Service', input.serviceId);
        if (!(await this.bookings.contactExists(tx, input.contactId))) {
          throw new ResourceNotFoundException('Contact', input.contactId);
        }
        if (input.petId !== undefined && !(await this.bookings.petOfContact(tx, input.petId, input.contactId))) {
          throw new ResourceNotFoundException('Pet of this contact', input.petId);
        }
        const organization = await this.bookings.schedule(tx);
        const during = { start: input.startsAt, end: new Date(input.startsAt.getTime() + service.durationMin * MINUTE_MS) };
        this.assertBookable(organization, during);
        const candidates = await this.candidateResources(tx, service, input.resourceId);
        for (const resourceId of candidates) {
          const booking = await this.bookings.tryInsert(tx, {
            organizationId,
            contactId: input.contactId,
            petId: input.petId ?? null,
            serviceId: service.id,
            resourceId,
            during,
            priceCents: service.priceCents,
            notes: input.notes ?? null,
          });
          if (booking !== null) {
            await this.bookings.recordEvent(tx, booking, null, actor, null);
            return booking;
          }
        }
        throw new Refusal(null);
      });
    } catch (error) {
      throw await this.explain(error, organizationId, input.serviceId, input.startsAt);
    }
  }

  async reschedule(organizationId: string, bookingId: string, startsAt: Date, actor: Actor, resourceId?: string) {
    let serviceId = '';
    try {
      return await this.bookings.transaction(organizationId, async (tx) => {
        const booking = await this.lockActive(tx, bookingId, 'rescheduled');
        serviceId = booking.serviceId;
        const service = await this.bookings.findService(tx, booking.serviceId);
        if (service === null) throw new ResourceNotFoundException('Service', booking.serviceId);
        const organization = await this.bookings.schedule(tx);
        const during = { start: startsAt, end: new Date(startsAt.getTime() + service.durationMin * MINUTE_MS) };
        this.assertBookable(organization, during);
        const preferred = resourceId ?? booking.resourceId;
        const candidates = await this.candidateResources(tx, service, resourceId);
        const ordered = [preferred, ...candidates.filter((id) => id !== preferred)].filter((id) => candidates.includes(id));
        for (const candidate of ordered) {
          const moved = await this.bookings.tryMove(tx, booking.id, candidate, during);
          if (moved !== null) {
            await this.bookings.recordEvent(tx, moved, booking.status, actor, 'rescheduled');
            return moved;
          }
        }
        throw new Refusal(null);
      });
    } catch (error) {
      throw await this.explain(error, organizationId, serviceId, startsAt);
    }
  }

  async changeStatus(organizationId: string, bookingId: string, status: BookingStatus, actor: Actor, reason?: string) {
    const { booking, from } = await this.bookings.transaction(organizationId, async (tx) => {
      const booking = await this.lockActive(tx, bookingId, status);
      if (booking.status === status) return { booking, from: null };
      if (AFTER_START_ONLY.includes(status) && this.clock.now() < booking.during.start) {
        const { timezone } = await this.bookings.schedule(tx);
        throw new BookingNotStartedException(formatInZone(booking.during.start, timezone), status);
      }
      const updated = await this.bookings.setStatus(tx, booking.id, status);
      await this.bookings.recordEvent(tx, updated, booking.status, actor, reason ?? null);
      return { booking: updated, from: booking.status };
    });
    if (from !== null) {
      for (const listener of this.statusListeners) {
        // The change is committed whatever a listener does; its failure is only logged.
        await listener({ organizationId, booking, from }).catch((error: Error) =>
          this.logger.warn({ bookingId, err: error.message }, 'booking status listener failed'),
        );
      }
    }
    return booking;
  }

  async get(organizationId: string, bookingId: string): Promise<BookingRow> {
    const booking = await this.bookings.find(organizationId, bookingId);
    if (booking === null) throw new ResourceNotFoundException('Booking', bookingId);
    return booking;
  }

  list(organizationId: string, filter: BookingFilter, limit: number, offset: number): Promise<BookingRow[]> {
    return this.bookings.list(organizationId, filter, limit, offset);
  }

  history(organizationId: string, bookingId: string) {
    return this.bookings.events(organizationId, bookingId);
  }

  private async lockActive(tx: Db, bookingId: string, wanted: string) {
    const booking = await this.bookings.findForUpdate(tx, bookingId);
    if (booking === null) throw new ResourceNotFoundException('Booking', bookingId);
    if (!ACTIVE.includes(booking.status)) throw new InvalidBookingTransitionException(booking.status, wanted);
    return booking;
  }

  private async candidateResources(
    tx: Db,
    service: ServiceRow,
    resourceId: string | undefined,
  ): Promise<string[]> {
    const able = await this.bookings.resourcesFor(tx, service);
    // Without this, a shop whose last groomer was retired heard "that time is already booked".
    if (able.length === 0) {
      throw new Refusal(`No active ${service.resourceKind} resource can perform this service: create or reactivate one under /api/resources`);
    }
    if (resourceId === undefined) return able;
    if (!able.includes(resourceId)) throw new ResourceNotFoundException(`Active ${service.resourceKind} resource`, resourceId);
    return [resourceId];
  }

  private assertBookable(organization: OrganizationSchedule, during: TimeRange): void {
    const reason = this.whyNotBookable(organization, during);
    if (reason !== null) throw new Refusal(reason);
  }

  /** A refusal becomes 409 (taken) or 422 (never bookable), with the next free times to offer. */
  private async explain(error: unknown, organizationId: string, serviceId: string, wanted: Date): Promise<unknown> {
    if (!(error instanceof Refusal)) return error;
    // Past the horizon (a mistyped year, most often), the nearest free times are the useful offer.
    const from = wanted > this.latestStart() ? this.clock.now() : wanted;
    const alternatives = await this.alternatives(organizationId, serviceId, from);
    return error.reason === null ? new SlotTakenException(alternatives) : new InvalidSlotException(error.reason, alternatives);
  }

  private whyNotBookable(organization: OrganizationSchedule, during: TimeRange): string | null {
    const earliest = this.earliestStart(organization);
    if (during.start < earliest) {
      return during.start < this.clock.now()
        ? 'That time is in the past'
        : `Bookings need at least ${organization.minimumNoticeMin} minutes of notice`;
    }
    if (during.start > this.latestStart()) return `Bookings can be made at most ${MAX_DAYS_AHEAD} days ahead`;
    const date = localDate(during.start, organization.timezone);
    const weekday = wallClockOf(during.start, organization.timezone).weekday;
    const day = organization.businessHours[String(weekday) as keyof typeof organization.businessHours];
    if (day === undefined) return 'The shop is closed on that day';
    const opens = zonedInstant(date, minutesOf(day.open), organization.timezone);
    const closes = zonedInstant(date, minutesOf(day.close), organization.timezone);
    if (during.start < opens || during.end > closes) {
      return `Outside opening hours (${day.open} to ${day.close}) for a service of this length`;
    }
    for (const pause of day.breaks ?? []) {
      const pauseStart = zonedInstant(date, minutesOf(pause.start), organization.timezone);
      const pauseEnd = zonedInstant(date, minutesOf(pause.end), organization.timezone);
      if (during.start < pauseEnd && pauseStart < during.end) return `Overlaps the break (${pause.start} to ${pause.end})`;
    }
    return null;
  }

  private async alternatives(organizationId: string, serviceId: string, from: Date): Promise<AlternativeSlot[]> {
    const next = await this.nextFreeSlots(organizationId, serviceId, from);
    if (next === null) return [];
    return next.slots.map((slot) => ({
      start: formatInZone(slot.start, next.timezone),
      end: formatInZone(slot.end, next.timezone),
      resourceIds: slot.resourceIds,
    }));
  }

  private earliestStart(organization: OrganizationSchedule): Date {
    return earliestStart(this.clock.now(), organization.minimumNoticeMin);
  }

  private latestStart(): Date {
    return new Date(this.clock.now().getTime() + MAX_DAYS_AHEAD * DAY_MS);
  }

  /** A day wholly past the horizon in every zone (a day's slack either way); no booking of it is read. */
  private beyondHorizon(date: string): boolean {
    return date > addDays(this.latestStart().toISOString().slice(0, 10), 1);
  }

  /** From the start of `date` to the end of `date + days - 1`, padded a day each side for any zone. */
  private dayWindow(date: string, days = 1): TimeRange {
    return {
      start: new Date(Date.parse(`${addDays(date, -1)}T00:00:00Z`)),
      end: new Date(Date.parse(`${addDays(date, days + 1)}T00:00:00Z`)),
    };
  }
}
