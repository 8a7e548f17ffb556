import { describe, expect, it } from 'vitest';
import { backoffDelayMs, baseDelayMs, MAX_DELAY_MS, MAX_RECONNECT_ATTEMPTS } from './backoff.js';

describe('baseDelayMs', () => {
  it('grows 5 s x 1.5 per attempt, rounded to the millisecond, capped at 60 s', () => {
    const schedule = Array.from({ length: MAX_RECONNECT_ATTEMPTS }, (_, index) => baseDelayMs(index + 1));
    expect(schedule).toEqual([5000, 7500, 11250, 16875, 25313, 37969, 56953, 60000, 60000, 60000]);
  });

  it('stays at the cap however many attempts', () => {
    expect(baseDelayMs(50)).toBe(MAX_DELAY_MS);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects attempt %s', (attempt) => {
    expect(() => baseDelayMs(attempt)).toThrow(RangeError);
  });

  it('allows ten attempts', () => {
    expect(MAX_RECONNECT_ATTEMPTS).toBe(10);
  });
});

describe('backoffDelayMs', () => {
  it('gives the base delay when the jitter lands in the middle', () => {
    expect(backoffDelayMs(1, () => 0.5)).toBe(5000);
    expect(backoffDelayMs(9, () => 0.5)).toBe(60000);
  });

  it('moves the delay by at most 20% either way', () => {
    expect(backoffDelayMs(1, () => 0)).toBe(4000);
    expect(backoffDelayMs(1, () => 0.999999)).toBe(6000);
    expect(backoffDelayMs(10, () => 0)).toBe(48000);
    expect(backoffDelayMs(10, () => 0.999999)).toBe(72000);
  });

  it('stays within the bounds over many random values, and is not constant', () => {
    let seed = 42;
    // A small deterministic generator, so a failure can be replayed.
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let attempt = 1; attempt <= MAX_RECONNECT_ATTEMPTS; attempt += 1) {
      const base = baseDelayMs(attempt);
      const delays = Array.from({ length: 1000 }, () => backoffDelayMs(attempt, random));
      for (const delay of delays) {
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(Math.max(1000, Math.floor(base * 0.8)));
        expect(delay).toBeLessThanOrEqual(Math.ceil(base * 1.2));
        expect(delay).toBeLessThanOrEqual(MAX_DELAY_MS * 1.2);
      }
      expect(new Set(delays).size).toBeGreaterThan(100);
    }
  });

  it('uses Math.random by default and keeps within bounds', () => {
    for (let index = 0; index < 1000; index += 1) {
      const delay = backoffDelayMs(3);
      expect(delay).toBeGreaterThanOrEqual(9000);
      expect(delay).toBeLessThanOrEqual(13500);
    }
  });

  it('clamps a random source that strays outside [0, 1)', () => {
    expect(backoffDelayMs(1, () => -5)).toBe(4000);
    expect(backoffDelayMs(1, () => 7)).toBe(6000);
  });
});
