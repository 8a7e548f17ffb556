import { describe, expect, it } from 'vitest';
import { addDays, calendarDate, isCalendarDate, localDate, offsetMinutes, wallClockOf, weekdayOf, zonedInstant } from './zoned-time.js';

/** The wall clock as Intl formats it, with a formatter of the test's own. */
function formatted(instant: Date, timeZone: string) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    })
      .formatToParts(instant)
      .map((part) => [part.type, part.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    weekday: ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'].indexOf(parts.weekday),
  };
}

describe('wallClockOf', () => {
  it('agrees with the formatter second by second across changes of offset, asked in order and out of it', () => {
    const transitions: [string, string][] = [
      ['America/New_York', '2026-03-08T07:00:00Z'], // spring forward
      ['America/New_York', '2026-11-01T06:00:00Z'], // fall back
      ['Australia/Lord_Howe', '2026-04-04T15:00:00Z'], // a 30-minute shift
      ['America/St_Johns', '2026-03-08T05:30:00Z'], // a half-hour zone
      ['America/Sao_Paulo', '2018-11-04T03:00:00Z'], // the last daylight saving São Paulo had
      ['Africa/Monrovia', '1972-01-07T00:44:30Z'], // -0:44:30 to UTC, half a minute into a minute
    ];
    for (const [timeZone, at] of transitions) {
      const around = Date.parse(at);
      const instants: number[] = [];
      for (let time = around - 180_000; time <= around + 180_000; time += 5_000) instants.push(time);
      // In order (the minute's offset is reused), then backwards (every call a new minute).
      for (const time of [...instants, ...instants.reverse()]) {
        const instant = new Date(time + 123);
        expect({ timeZone, instant: instant.toISOString(), wall: wallClockOf(instant, timeZone) }).toEqual({
          timeZone,
          instant: instant.toISOString(),
          wall: formatted(instant, timeZone),
        });
      }
    }
  });

  it('keeps the dates, offsets and instants built on it', () => {
    expect(localDate(new Date('2026-11-27T02:59:59Z'), 'America/Sao_Paulo')).toBe('2026-11-26');
    expect(localDate(new Date('2026-11-27T03:00:00Z'), 'America/Sao_Paulo')).toBe('2026-11-27');
    expect(offsetMinutes(new Date('2026-07-01T12:00:00Z'), 'America/New_York')).toBe(-240);
    expect(offsetMinutes(new Date('0050-07-01T12:00:00Z'), 'UTC')).toBe(0);
    expect(zonedInstant('2026-03-08', 600, 'America/New_York').toISOString()).toBe('2026-03-08T14:00:00.000Z'); // 10:00 EDT, the day it starts
    expect(() => wallClockOf(new Date(Number.NaN), 'America/Sao_Paulo')).toThrow(RangeError);
  });
});

describe('zonedInstant', () => {
  const wallTimeOf = (instant: Date, timeZone: string) => {
    const wall = wallClockOf(instant, timeZone);
    return { date: `${wall.year}-${String(wall.month).padStart(2, '0')}-${String(wall.day).padStart(2, '0')}`, minutes: wall.hour * 60 + wall.minute };
  };

  it('is the instant the clock shows the time at, every quarter hour of days the clocks change, a skipped time past the jump', () => {
    const days: { timeZone: string; date: string; skipped?: { from: number; minutes: number } }[] = [
      { timeZone: 'America/New_York', date: '2026-03-08', skipped: { from: 120, minutes: 60 } },
      { timeZone: 'America/New_York', date: '2026-11-01' },
      { timeZone: 'Australia/Lord_Howe', date: '2026-10-04', skipped: { from: 120, minutes: 30 } },
      { timeZone: 'America/Sao_Paulo', date: '2018-11-04', skipped: { from: 0, minutes: 60 } },
      { timeZone: 'America/Sao_Paulo', date: '2026-11-27' },
      { timeZone: 'Asia/Kathmandu', date: '2026-11-27' },
    ];
    for (const { timeZone, date, skipped } of days) {
      for (let minutes = 0; minutes < 1440; minutes += 15) {
        const inGap = skipped !== undefined && minutes >= skipped.from && minutes < skipped.from + skipped.minutes;
        expect({ timeZone, date, minutes, shows: wallTimeOf(zonedInstant(date, minutes, timeZone), timeZone) }).toEqual({
          timeZone,
          date,
          minutes,
          shows: { date, minutes: inGap ? minutes + skipped.minutes : minutes },
        });
      }
    }
  });

  it('takes the first of a time the clocks show twice', () => {
    // New York goes back from 02:00 EDT to 01:00 EST: 01:30 is 05:30Z, then 06:30Z.
    expect(zonedInstant('2026-11-01', 90, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
    expect(zonedInstant('2026-11-01', 150, 'America/New_York').toISOString()).toBe('2026-11-01T07:30:00.000Z');
    expect(zonedInstant('2026-03-08', 150, 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });
});

describe('the calendar of years 0-99', () => {
  // Date parses an ISO string's year as written: the oracle for the helpers, which build days from numbers.
  it('is their own, not the 1900s', () => {
    for (const date of ['0025-06-10', '0099-12-31', '0004-02-29']) {
      expect({ date, weekday: weekdayOf(date) }).toEqual({ date, weekday: new Date(`${date}T00:00:00Z`).getUTCDay() });
    }
    expect(addDays('0099-12-31', 1)).toBe('0100-01-01');
    expect(addDays('0004-02-28', 1)).toBe('0004-02-29');
    expect(zonedInstant('0050-01-01', 600, 'UTC').toISOString()).toBe('0050-01-01T10:00:00.000Z');
    expect(localDate(zonedInstant('0050-01-01', 600, 'America/Sao_Paulo'), 'America/Sao_Paulo')).toBe('0050-01-01');
  });
});

describe('calendar days', () => {
  it('tells a day of the calendar from one that is not, leap years included', () => {
    expect(calendarDate(2028, 2, 29)).toBe('2028-02-29');
    expect(calendarDate(2026, 2, 29)).toBeNull();
    expect(calendarDate(2026, 13, 1)).toBeNull();
    expect(calendarDate(2026, 4, 0)).toBeNull();
    expect(isCalendarDate('2026-11-30')).toBe(true);
    expect(isCalendarDate('2026-02-30')).toBe(false);
    expect(isCalendarDate('2026-11-31')).toBe(false);
    expect(isCalendarDate('2026-1-5')).toBe(false);
    expect(isCalendarDate('amanhã')).toBe(false);
  });
});
