import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './keyed-queue.js';

describe('KeyedQueue', () => {
  it('runs the work of one key in call order, each after the previous has settled', async () => {
    const queue = new KeyedQueue();
    const events: string[] = [];
    const step = (name: string, ms: number) => () => {
      events.push(`${name} start`);
      return sleep(ms).then(() => events.push(`${name} end`));
    };
    await Promise.all([queue.run('a', step('first', 30)), queue.run('a', step('second', 1)), queue.run('a', step('third', 1))]);
    expect(events).toEqual(['first start', 'first end', 'second start', 'second end', 'third start', 'third end']);
  });

  it('runs different keys in parallel', async () => {
    const queue = new KeyedQueue();
    const events: string[] = [];
    const slow = queue.run('a', () => sleep(30).then(() => events.push('a')));
    const fast = queue.run('b', () => sleep(1).then(() => events.push('b')));
    await Promise.all([slow, fast]);
    expect(events).toEqual(['b', 'a']);
  });

  it("gives each caller its own result, and a failure only to its caller, without stopping the key's next run", async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('a', () => Promise.reject(new Error('disk full')));
    const next = queue.run('a', () => Promise.resolve(42));
    await expect(failed).rejects.toThrow('disk full');
    await expect(next).resolves.toBe(42);
  });

  it('forgets a key once its last run has settled', async () => {
    const queue = new KeyedQueue();
    const running = queue.run('a', () => sleep(5));
    expect(queue.size).toBe(1);
    await running;
    await sleep(0);
    expect(queue.size).toBe(0);
  });
});
