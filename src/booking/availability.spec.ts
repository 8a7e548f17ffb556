import { describe, expect, it } from 'vitest';
import type { BusinessHours, TimeRange } from '../database/schema.js';
import { type AvailabilityQuery, freeSlots } from './availability.js';
import { formatInZone, zonedInstant } from './zoned-time.js';

const SAO_PAULO = 'America/Sao_Paulo';
const WEEKDAY_HOURS: BusinessHours = {
  '1': { open: '08:00', close: '12:00', breaks: [{ start: '10:00', end: '10:30' }] },
  '6': { open: '09:00', close: '10:00' },
};
// 2026-11-30 is a Monday; 2026-11-29 a Sunday.
const MONDAY = '2026-11-30';

function query(overrides: Partial<AvailabilityQuery> = {}): AvailabilityQuery {
  return {
    date: MONDAY,
    timeZone: SAO_PAULO,
    businessHours: WEEKDAY_HOURS,
    granularityMin: 30,
    durationMin: 60,
    earliestStart: new Date('2026-01-01T00:00:00Z'),
    latestStart: new Date('2100-01-01T00:00:00Z'),
    resourceIds: ['r1'],
    busy: new Map(),
    ...overrides,
  };
}

const startsOf = (slots: ReturnType<typeof freeSlots>, timeZone = SAO_PAULO) =>
  slots.map((slot) => formatInZone(slot.start, timeZone).slice(11, 16));

function booked(date: string, from: string, to: string, timeZone = SAO_PAULO): TimeRange {
  const minutes = (clock: string) => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3));
  return { start: zonedInstant(date, minutes(from), timeZone), end: zonedInstant(date, minutes(to), timeZone) };
}

describe('freeSlots', () => {
  it('offers starts on the grid within opening hours, skipping those that would run into the break', () => {
    expect(startsOf(freeSlots(query()))).toEqual(['08:00', '08:30', '09:00', '10:30', '11:00']);
  });

  it('gives São Paulo times as -03:00 instants', () => {
    const [first] = freeSlots(query());
    expect(first.start.toISOString()).toBe('2026-11-30T11:00:00.000Z');
    expect(formatInZone(first.start, SAO_PAULO)).toBe('2026-11-30T08:00:00-03:00');
  });

  it('is empty on a closed day and when no resource does the service', () => {
    expect(freeSlots(query({ date: '2026-11-29' }))).toEqual([]);
    expect(freeSlots(query({ resourceIds: [] }))).toEqual([]);
  });

  it('does not offer a service longer than the time left before closing', () => {
    expect(startsOf(freeSlots(query({ date: '2026-12-05', durationMin: 60 })))).toEqual(['09:00']);
    expect(freeSlots(query({ date: '2026-12-05', durationMin: 90 }))).toEqual([]);
  });

  it('treats a booking that ends when another starts as no overlap', () => {
    const busy = new Map([['r1', [booked(MONDAY, '08:00', '09:00')]]]);
    expect(startsOf(freeSlots(query({ busy })))).toEqual(['09:00', '10:30', '11:00']);
  });

  it('offers a slot while any resource of the kind is free, naming the free ones', () => {
    const busy = new Map([['r1', [booked(MONDAY, '08:00', '09:00')]]]);
    const slots = freeSlots(query({ busy, resourceIds: ['r1', 'r2'] }));
    expect(slots[0].resourceIds).toEqual(['r2']);
    expect(startsOf(slots)).toEqual(['08:00', '08:30', '09:00', '10:30', '11:00']);
  });

  it('respects the minimum notice', () => {
    const earliestStart = zonedInstant(MONDAY, 9 * 60 + 15, SAO_PAULO);
    expect(startsOf(freeSlots(query({ earliestStart })))).toEqual(['10:30', '11:00']);
    const latestStart = zonedInstant(MONDAY, 9 * 60, SAO_PAULO);
    expect(startsOf(freeSlots(query({ latestStart })))).toEqual(['08:00', '08:30', '09:00']);
  });

  it('works in another zone, across its daylight-saving change', () => {
    // New York leaves DST on 2026-11-01 (a Sunday): opening hours are wall-clock hours either side.
    const hours: BusinessHours = { '0': { open: '00:00', close: '03:00' }, '1': { open: '09:00', close: '10:00' } };
    const newYork = 'America/New_York';
    const sunday = freeSlots(query({ date: '2026-11-01', timeZone: newYork, businessHours: hours, durationMin: 60, granularityMin: 60 }));
    expect(sunday.map((slot) => formatInZone(slot.start, newYork))).toEqual([
      '2026-11-01T00:00:00-04:00',
      '2026-11-01T01:00:00-04:00',
      '2026-11-01T02:00:00-05:00',
    ]);
    const monday = freeSlots(query({ date: '2026-11-02', timeZone: newYork, businessHours: hours, granularityMin: 60 }));
    expect(monday[0].start.toISOString()).toBe('2026-11-02T14:00:00.000Z');
  });

  it('on a daylight-saving day, offers slots that last the service and end by closing, each start once, as booking checks them', () => {
    const newYork = 'America/New_York';
    const hours: BusinessHours = { '0': { open: '00:00', close: '03:00' } };
    const at = (slot: { start: Date; end: Date }) => [formatInZone(slot.start, newYork), formatInZone(slot.end, newYork)];
    // 2027-03-14: 02:00 EST jumps to 03:00 EDT, so the day holds two hours and 03:00 is closing time.
    const spring = freeSlots(query({ date: '2027-03-14', timeZone: newYork, businessHours: hours, durationMin: 60, granularityMin: 30 }));
    expect(spring.map(at)).toEqual([
      ['2027-03-14T00:00:00-05:00', '2027-03-14T01:00:00-05:00'],
      ['2027-03-14T00:30:00-05:00', '2027-03-14T01:30:00-05:00'],
      ['2027-03-14T01:00:00-05:00', '2027-03-14T03:00:00-04:00'],
    ]);
    // 2026-11-01: 01:00-02:00 is lived twice; a one-hour service at 01:00 EDT ends at 01:00 EST, not two hours later.
    const fall = freeSlots(query({ date: '2026-11-01', timeZone: newYork, businessHours: hours, durationMin: 60, granularityMin: 60 }));
    expect(fall.map(at)[1]).toEqual(['2026-11-01T01:00:00-04:00', '2026-11-01T01:00:00-05:00']);
    const busy = new Map([['r1', [{ start: new Date('2026-11-01T06:00:00Z'), end: new Date('2026-11-01T07:00:00Z') }]]]);
    const around = freeSlots(query({ date: '2026-11-01', timeZone: newYork, businessHours: hours, durationMin: 60, granularityMin: 60, busy }));
    expect(around.map((slot) => formatInZone(slot.start, newYork))).toContain('2026-11-01T01:00:00-04:00');
  });
});
