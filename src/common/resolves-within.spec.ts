import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { resolvesWithin } from './resolves-within.js';

describe('resolvesWithin', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is true when the work resolves in time, and leaves no timer behind', async () => {
    await expect(resolvesWithin(Promise.resolve('done'), 1_000)).resolves.toBe(true);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is false when the time runs out first', async () => {
    const outcome = resolvesWithin(new Promise(() => undefined), 1_000);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(outcome).resolves.toBe(false);
  });

  it("rejects with the work's own error, and leaves no timer behind", async () => {
    await expect(resolvesWithin(Promise.reject(new Error('redis down')), 1_000)).rejects.toThrow('redis down');
    expect(vi.getTimerCount()).toBe(0);
  });
});
