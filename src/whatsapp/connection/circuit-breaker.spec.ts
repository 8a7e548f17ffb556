import { describe, expect, it } from 'vitest';
import { CircuitBreaker } from './circuit-breaker.js';

const start = new Date('2025-01-01T12:00:00Z').getTime();
const at = (seconds: number) => new Date(start + seconds * 1000);

describe('CircuitBreaker', () => {
  it('counts a close within 30 s of opening as a fast failure', () => {
    const breaker = new CircuitBreaker();
    expect(breaker.isFastFailure(at(0), at(30))).toBe(true);
    expect(breaker.isFastFailure(at(0), at(31))).toBe(false);
  });

  it('opens after 5 fast failures within 5 minutes and refuses until the cool-down ends', () => {
    const breaker = new CircuitBreaker();
    for (const second of [0, 10, 20, 30]) breaker.recordFailure(at(second));
    expect(breaker.stateAt(at(40))).toBe('closed');
    breaker.recordFailure(at(40));
    expect(breaker.stateAt(at(40))).toBe('open');
    expect(breaker.isOpen(at(40))).toBe(true);
    expect(breaker.halfOpensAt).toEqual(at(340));
    expect(breaker.isOpen(at(339))).toBe(true);
    expect(breaker.stateAt(at(340))).toBe('half_open');
    expect(breaker.isOpen(at(340))).toBe(false);
  });

  it('does not open when the failures are spread wider than the window', () => {
    const breaker = new CircuitBreaker();
    for (const minute of [0, 2, 4, 6, 8, 10]) breaker.recordFailure(at(minute * 60));
    expect(breaker.stateAt(at(600))).toBe('closed');
  });

  it('closes after a success in half-open', () => {
    const breaker = new CircuitBreaker();
    for (let index = 0; index < 5; index += 1) breaker.recordFailure(at(index));
    expect(breaker.stateAt(at(400))).toBe('half_open');
    breaker.recordSuccess();
    expect(breaker.stateAt(at(400))).toBe('closed');
    expect(breaker.halfOpensAt).toBeNull();
    // The old failures are gone: it takes a full five again.
    for (let index = 0; index < 4; index += 1) breaker.recordFailure(at(401 + index));
    expect(breaker.stateAt(at(410))).toBe('closed');
  });

  it('opens again on a single failure of the half-open trial', () => {
    const breaker = new CircuitBreaker();
    for (let index = 0; index < 5; index += 1) breaker.recordFailure(at(index));
    breaker.recordFailure(at(310));
    expect(breaker.stateAt(at(310))).toBe('open');
    expect(breaker.halfOpensAt).toEqual(at(610));
  });

  it('ignores failures while open: the cool-down is not stretched', () => {
    const breaker = new CircuitBreaker();
    for (let index = 0; index < 5; index += 1) breaker.recordFailure(at(index));
    breaker.recordFailure(at(100));
    expect(breaker.halfOpensAt).toEqual(at(304));
  });

  it('takes its thresholds from options', () => {
    const breaker = new CircuitBreaker({ failureThreshold: 2, coolDownMs: 1000 });
    breaker.recordFailure(at(0));
    breaker.recordFailure(at(1));
    expect(breaker.isOpen(at(1.5))).toBe(true);
    expect(breaker.isOpen(at(2))).toBe(false);
  });
});
