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

/** The instant at which UTC shows this wall clock (Date.UTC would read years 0-99 as 1900-1999). */
function utcMillisOf(wall: WallClock): number {
  const date = new Date(0);
  date.setUTCFullYear(wall.year, wall.month - 1, wall.day);
  return date.setUTCHours(wall.hour, wall.minute, wall.second, 0);
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

/**
 * The instant at which the zone's clock shows `date` `minutes` after midnight.
 * A wall time skipped by a DST jump resolves to the instant after the jump.
 */
export function zonedInstant(date: string, minutesOfDay: number, timeZone: string): Date {
  const [year, month, day] = date.split('-').map(Number);
  const naive = Date.UTC(year, month - 1, day, 0, minutesOfDay);
  let instant = naive - offsetMinutes(new Date(naive), timeZone) * 60_000;
  // A second pass settles instants near an offset change.
  instant = naive - offsetMinutes(new Date(instant), timeZone) * 60_000;
  return new Date(instant);
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
  return new Date(Date.UTC(year, month - 1, day)).getUTCDay();
}

export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day + days)).toISOString().slice(0, 10);
}

/** "08:30" -> 510 */
export function minutesOf(clock: string): number {
  const [hours, minutes] = clock.split(':').map(Number);
  return hours * 60 + minutes;
}
