import { addDays, localDate, utcMidnight, weekdayOf, zonedInstant } from '../booking/zoned-time.js';

/** The periods the owner asks about, in Aurora's words. */
export const ANALYTICS_PERIODS = ['hoje', 'semana', 'mes', 'ano'] as const;
export type AnalyticsPeriod = (typeof ANALYTICS_PERIODS)[number];

/** A span of whole days on the shop's calendar: [fromDate, toDate), and the instants they start at. */
export interface PeriodWindow {
  /** YYYY-MM-DD, first day included. */
  fromDate: string;
  /** YYYY-MM-DD, first day after the window. */
  toDate: string;
  from: Date;
  to: Date;
}

/** A calendar window of the shop's zone: its midnights as instants (DST-safe: each midnight is converted on its own). */
export function windowOfDates(fromDate: string, toDate: string, timeZone: string): PeriodWindow {
  return { fromDate, toDate, from: zonedInstant(fromDate, 0, timeZone), to: zonedInstant(toDate, 0, timeZone) };
}

/**
 * The current period that contains `now` on the shop's calendar: today, this
 * week (Monday to Sunday), this month, this year; and the one before it,
 * of the same kind, for the comparison.
 */
export function periodWindows(period: AnalyticsPeriod, now: Date, timeZone: string): { current: PeriodWindow; previous: PeriodWindow } {
  const today = localDate(now, timeZone);
  const [year, month] = today.split('-').map(Number);
  let from: string;
  let to: string;
  let previousFrom: string;
  switch (period) {
    case 'hoje':
      from = today;
      to = addDays(today, 1);
      previousFrom = addDays(today, -1);
      break;
    case 'semana':
      from = addDays(today, -((weekdayOf(today) + 6) % 7));
      to = addDays(from, 7);
      previousFrom = addDays(from, -7);
      break;
    case 'mes':
      from = firstOfMonth(year, month);
      to = firstOfMonth(year, month + 1);
      previousFrom = firstOfMonth(year, month - 1);
      break;
    case 'ano':
      from = `${String(year).padStart(4, '0')}-01-01`;
      to = `${String(year + 1).padStart(4, '0')}-01-01`;
      previousFrom = `${String(year - 1).padStart(4, '0')}-01-01`;
      break;
  }
  return { current: windowOfDates(from, to, timeZone), previous: windowOfDates(previousFrom, from, timeZone) };
}

/** Month may be 0 or 13: it rolls into the year before or after. */
function firstOfMonth(year: number, month: number): string {
  return new Date(utcMidnight(year, month, 1)).toISOString().slice(0, 10);
}
