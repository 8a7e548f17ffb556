import type { BusinessHours, TimeRange } from '../database/schema.js';
import { minutesOf, weekdayOf, zonedInstant } from './zoned-time.js';

export interface AvailabilityQuery {
  /** YYYY-MM-DD in the shop's zone. */
  date: string;
  timeZone: string;
  businessHours: BusinessHours;
  granularityMin: number;
  durationMin: number;
  /** Bookings must start at or after this instant (now + minimum notice). */
  earliestStart: Date;
  /** Bookings must start at or before this instant (the booking horizon). */
  latestStart: Date;
  /** Candidate resources, in the order they should be offered. */
  resourceIds: string[];
  /** Active bookings per resource that touch the day. */
  busy: Map<string, TimeRange[]>;
}

export interface Slot {
  start: Date;
  end: Date;
  /** Resources free for the whole slot, in the query's order. */
  resourceIds: string[];
}

const MINUTE_MS = 60_000;

/** The soonest a booking may start at `now`: the shop's minimum notice later. */
export function earliestStart(now: Date, minimumNoticeMin: number): Date {
  return new Date(now.getTime() + minimumNoticeMin * MINUTE_MS);
}

/**
 * Free slots of one day: start times on the granularity grid from opening,
 * the whole service inside opening hours and outside breaks, and at least one
 * resource of the right kind free for the whole duration. Half-open ranges, so
 * a booking ending at 10:00 leaves 10:00 free.
 *
 * Starts come from the wall-clock grid, but a slot lasts the service's real
 * duration and is checked against closing and breaks as instants, as a booking
 * is: on a day the clocks change, wall-clock arithmetic would offer a slot that
 * runs past closing (refused when booked), or ask an hour more to be free.
 */
export function freeSlots(query: AvailabilityQuery): Slot[] {
  const day = query.businessHours[String(weekdayOf(query.date)) as keyof BusinessHours];
  if (day === undefined || query.resourceIds.length === 0) return [];
  const instant = (clock: string) => zonedInstant(query.date, minutesOf(clock), query.timeZone);
  const close = minutesOf(day.close);
  const closes = instant(day.close);
  const breaks = (day.breaks ?? []).map((pause) => ({ start: instant(pause.start), end: instant(pause.end) }));

  const slots: Slot[] = [];
  let previousStart = Number.NEGATIVE_INFINITY;
  for (let startMin = minutesOf(day.open); startMin < close; startMin += query.granularityMin) {
    const start = zonedInstant(query.date, startMin, query.timeZone);
    // A wall time the clocks skip resolves past the jump, onto a start already offered.
    if (start.getTime() <= previousStart) continue;
    previousStart = start.getTime();
    const end = new Date(start.getTime() + query.durationMin * MINUTE_MS);
    if (end > closes || start > query.latestStart) break;
    if (start < query.earliestStart) continue;
    if (breaks.some((pause) => start < pause.end && pause.start < end)) continue;
    const resourceIds = query.resourceIds.filter((resourceId) =>
      (query.busy.get(resourceId) ?? []).every((booking) => booking.end <= start || end <= booking.start),
    );
    if (resourceIds.length > 0) slots.push({ start, end, resourceIds });
  }
  return slots;
}
