import { addDays, localDate, utcMidnight, wallClockOf, weekdayOf, zonedInstant } from '../booking/zoned-time.js';

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

/**
 * The instant as far into the previous period as `now` is into the current one
 * (the same hour yesterday; the same weekday and hour last week; the same day of
 * the month and hour last month, or its last day when shorter; the same date
 * and hour last year). Revenue accrues as the period goes: Tuesday's week so
 * far against the whole of last week reads as a fall that is not one.
 */
export function sameMomentBefore(period: AnalyticsPeriod, now: Date, timeZone: string): Date {
  const wall = wallClockOf(now, timeZone);
  const today = localDate(now, timeZone);
  let date: string;
  switch (period) {
    case 'hoje':
      date = addDays(today, -1);
      break;
    case 'semana':
      date = addDays(today, -7);
      break;
    case 'mes':
      date = sameDayOf(wall.year, wall.month - 1, wall.day);
      break;
    case 'ano':
      date = sameDayOf(wall.year - 1, wall.month, wall.day);
      break;
  }
  return zonedInstant(date, wall.hour * 60 + wall.minute, timeZone);
}

/** That day of the month (0 or 13 roll into the year before or after), or the month's last day when it has fewer. */
function sameDayOf(year: number, month: number, day: number): string {
  const first = firstOfMonth(year, month);
  const last = Number(addDays(firstOfMonth(year, month + 1), -1).slice(8, 10));
  return `${first.slice(0, 8)}${String(Math.min(day, last)).padStart(2, '0')}`;
}
