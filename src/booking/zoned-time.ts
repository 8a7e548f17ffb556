/**
 * Wall-clock time in an IANA zone <-> UTC instants, with Intl only. São Paulo has
 * had no daylight saving since 2019, but other zones do, so nothing here assumes
 * a fixed offset.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      weekday: 'short',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  /** 0 = Sunday */
  weekday: number;
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** Per zone: the UTC minute last asked about, the zone's offset then, and whether it holds all through that minute. */
const lastMinutes = new Map<string, { minute: number; offsetMs: number; steady: boolean | undefined }>();

/**
 * The zone's wall clock at `instant`. Asking the formatter costs microseconds
 * and every turn asks for "now" (3% of the process's time at 250 turns a
 * second), so the offset it gave is kept for the rest of its UTC minute, once
 * the minute is known to hold no change of offset (checked at its first and
 * last second: a few old transitions fell between whole minutes).
 */
export function wallClockOf(instant: Date, timeZone: string): WallClock {
  const time = instant.getTime();
  const minute = Math.floor(time / 60_000);
  const last = lastMinutes.get(timeZone);
  if (last?.minute === minute) {
    last.steady ??= offsetAtSecond(minute * 60_000, timeZone) === offsetAtSecond(minute * 60_000 + 59_000, timeZone);
    if (last.steady) return utcWallClock(new Date(time + last.offsetMs));
    return formattedWallClock(instant, timeZone);
  }
  const wall = formattedWallClock(instant, timeZone); // throws on an invalid date, before anything is kept
  lastMinutes.set(timeZone, { minute, offsetMs: utcMillisOf(wall) - Math.floor(time / 1000) * 1000, steady: undefined });
  return wall;
}

function formattedWallClock(instant: Date, timeZone: string): WallClock {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(instant).map((part) => [part.type, part.value]));
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: WEEKDAYS.indexOf(parts.weekday),
  };
}

function utcWallClock(date: Date): WallClock {
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
    weekday: date.getUTCDay(),
  };
}

/**
 * The instant UTC's day starts, month 1-12; a day or month past its end rolls
 * over as with Date.UTC, which would read years 0-99 as 1900-1999.
 */
export function utcMidnight(year: number, month: number, day: number): number {
  return new Date(0).setUTCFullYear(year, month - 1, day);
}

/** YYYY-MM-DD, or null when there is no such day (30/02, 00/13). */
export function calendarDate(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const candidate = new Date(utcMidnight(year, month, day));
  if (candidate.getUTCMonth() !== month - 1) return null;
  return candidate.toISOString().slice(0, 10);
}

/** Whether a YYYY-MM-DD string is a day of the calendar (not 2026-02-30). */
export function isCalendarDate(date: string): boolean {
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  return parts !== null && calendarDate(Number(parts[1]), Number(parts[2]), Number(parts[3])) === date;
}

/** The instant at which UTC shows this wall clock. */
function utcMillisOf(wall: WallClock): number {
  return utcMidnight(wall.year, wall.month, wall.day) + ((wall.hour * 60 + wall.minute) * 60 + wall.second) * 1000;
}

/** The zone's offset at a whole second, in milliseconds, from the formatter. */
function offsetAtSecond(time: number, timeZone: string): number {
  return utcMillisOf(formattedWallClock(new Date(time), timeZone)) - time;
}

/** Offset of the zone from UTC at that instant, in minutes (São Paulo: -180). */
export function offsetMinutes(instant: Date, timeZone: string): number {
  const asUtc = utcMillisOf(wallClockOf(instant, timeZone));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

const DAY_MS = 86_400_000;

/** Per zone and date, the zone's offsets a day before it and two days after (see zonedInstant); a cache of Intl's answers. */
const offsetsAroundDates = new Map<string, { before: number; after: number }>();
const OFFSETS_AROUND_DATES_KEPT = 4_096;

/**
 * The instant at which the zone's clock shows `date` `minutes` after midnight.
 * A wall time shown twice (the hour repeated when the clocks go back) is its
 * first; one the clocks skip resolves as far past the jump as it was into the
 * gap (02:30 on the day New York springs forward is 03:30 EDT), as Temporal's
 * "compatible" disambiguation does.
 */
export function zonedInstant(date: string, minutesOfDay: number, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number);
  const midnight = utcMidnight(year, month, day);
  const naive = midnight + minutesOfDay * 60_000;
  // The date's wall times are instants between 14 hours before its UTC midnight and 36 after: the offsets
  // a day before and two days after are the only ones they can fall under (one change of offset at most).
  const { before, after } = offsetsAround(date, midnight, timeZone);
  const underBefore = naive - before * 60_000;
  if (before === after) return new Date(underBefore);
  const underAfter = naive - after * 60_000;
  const shown = [
    [underBefore, before],
    [underAfter, after],
  ].filter(([instant, offset]) => offsetMinutes(new Date(instant), timeZone) === offset);
  // Neither offset shows it: skipped, and the offset before the jump puts it past the jump.
  return new Date(shown.length === 0 ? underBefore : Math.min(...shown.map(([instant]) => instant)));
}

function offsetsAround(date: string, midnight: number, timeZone: string): { before: number; after: number } {
  const key = `${timeZone} ${date}`;
  let offsets = offsetsAroundDates.get(key);
  if (offsets === undefined) {
    if (offsetsAroundDates.size >= OFFSETS_AROUND_DATES_KEPT) offsetsAroundDates.clear();
    offsets = { before: offsetMinutes(new Date(midnight - DAY_MS), timeZone), after: offsetMinutes(new Date(midnight + 2 * DAY_MS), timeZone) };
    offsetsAroundDates.set(key, offsets);
  }
  return offsets;
}

/** ISO 8601 with the zone's offset: `2026-11-26T10:00:00-03:00`. */
export function formatInZone(instant: Date, timeZone: string): string {
  const wall = wallClockOf(instant, timeZone);
  const offset = offsetMinutes(instant, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const absolute = Math.abs(offset);
  const pad = (value: number, length = 2) => String(value).padStart(length, '0');
  return (
    `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}` +
    `${sign}${pad(Math.floor(absolute / 60))}:${pad(absolute % 60)}`
  );
}

/** The calendar date (YYYY-MM-DD) the zone's clock shows at that instant. */
export function localDate(instant: Date, timeZone: string): string {
  const wall = wallClockOf(instant, timeZone);
  return `${String(wall.year).padStart(4, '0')}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`;
}

export function weekdayOf(date: string): number {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(utcMidnight(year, month, day)).getUTCDay();
}

export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(utcMidnight(year, month, day + days)).toISOString().slice(0, 10);
}

/** "08:30" -> 510 */
export function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return hours * 60 + minutes;
}
