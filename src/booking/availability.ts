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

/**
 * Free slots of one day: start times on the granularity grid from opening,
 * the whole service inside opening hours and outside breaks, and at least one
 * resource of the right kind free for the whole duration. Half-open ranges, so
 * a booking ending at 10:00 leaves 10:00 free.
 */
export function freeSlots(query: AvailabilityQuery): Slot[] {
  const day = query.businessHours[String(weekdayOf(query.date)) as keyof BusinessHours];
  if (day === undefined || query.resourceIds.length === 0) return [];
  const open = minutesOf(day.open);
  const close = minutesOf(day.close);
  const breaks = (day.breaks ?? []).map((pause) => ({ start: minutesOf(pause.start), end: minutesOf(pause.end) }));

  const slots: Slot[] = [];
  for (let startMin = open; startMin + query.durationMin <= close; startMin += query.granularityMin) {
    const endMin = startMin + query.durationMin;
    if (breaks.some((pause) => startMin < pause.end && pause.start < endMin)) continue;
    const start = zonedInstant(query.date, startMin, query.timeZone);
    if (start < query.earliestStart) continue;
    if (start > query.latestStart) break;
    const end = zonedInstant(query.date, endMin, query.timeZone);
    const resourceIds = query.resourceIds.filter((resourceId) =>
      (query.busy.get(resourceId) ?? []).every((booking) => booking.end <= start || end <= booking.start),
    );
    if (resourceIds.length > 0) slots.push({ start, end, resourceIds });
  }
  return slots;
}
