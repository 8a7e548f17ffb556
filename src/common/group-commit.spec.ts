import { describe, expect, it, vi } from 'vitest';
import { GroupCommit } from './group-commit.js';

interface Write {
  key: string;
  value: number;
}

/** A store whose runs finish only when the test lets them, recording what each run held. */
function controlledStore(fail: (items: Write[]) => boolean = () => false) {
  const runs: Write[][] = [];
  const finishers: (() => void)[] = [];
  const commit = new GroupCommit<Write>(
    (items) =>
      new Promise<void>((resolve, reject) => {
        runs.push(items);
        finishers.push(() => (fail(items) ? reject(new Error(`refused ${items.map((item) => item.value).join(',')}`)) : resolve()));
      }),
    { maxInFlight: 1, keyOf: (write) => write.key },
  );
  const finishNext = async () => {
    finishers.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { commit, runs, finishNext };
}

describe('GroupCommit', () => {
  it('writes a lone item at once, and everything that came while it ran in one next run', async () => {
    const { commit, runs, finishNext } = controlledStore();
    const first = commit.submit({ key: 'a', value: 1 });
    expect(runs).toEqual([[{ key: 'a', value: 1 }]]);
    const waiting = [2, 3, 4].map((value) => commit.submit({ key: String(value), value }));
    expect(runs).toHaveLength(1);
    await finishNext();
    await first;
    expect(runs[1].map((item) => item.value)).toEqual([2, 3, 4]);
    await finishNext();
    await Promise.all(waiting);
  });

  it('never runs one key in two runs at once, so a later write cannot land first', async () => {
    const runs: number[][] = [];
    let release: () => void = () => undefined;
    const commit = new GroupCommit<Write>(
      async (items) => {
        runs.push(items.map((item) => item.value));
        if (items.some((item) => item.value === 1)) await new Promise<void>((resolve) => (release = resolve));
      },
      { maxInFlight: 4, keyOf: (write) => write.key },
    );
    const writes = [commit.submit({ key: 'a', value: 1 })];
    writes.push(commit.submit({ key: 'a', value: 2 }), commit.submit({ key: 'b', value: 3 }), commit.submit({ key: 'a', value: 4 }));
    await new Promise((resolve) => setImmediate(resolve));
    // b had a free run; a's later writes waited for the first, then went together in order.
    expect(runs).toEqual([[1], [3]]);
    release();
    await Promise.all(writes);
    expect(runs).toEqual([[1], [3], [2, 4]]);
  });

  it('fails only the caller whose item the store refuses when a shared run fails', async () => {
    const { commit, runs, finishNext } = controlledStore((items) => items.some((item) => item.value === 3));
    const first = commit.submit({ key: 'a', value: 1 });
    const grouped = Promise.allSettled([2, 3, 4].map((value) => commit.submit({ key: String(value), value })));
    await finishNext();
    await first;
    await finishNext(); // the shared run [2, 3, 4] fails
    await finishNext(); // 2 alone
    await finishNext(); // 3 alone: refused
    await finishNext(); // 4 alone
    const outcomes = await grouped;
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason.message).toBe('refused 3');
    expect(runs.map((items) => items.map((item) => item.value))).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('keeps items of different batch keys in different runs, each run holding one batch key', async () => {
    const runs: string[][] = [];
    let release: () => void = () => undefined;
    const commit = new GroupCommit<Write>(
      async (items) => {
        runs.push(items.map((item) => `${item.key}${item.value}`));
        if (runs.length === 1) await new Promise<void>((resolve) => (release = resolve));
      },
      { maxInFlight: 1, keyOf: (write) => `${write.key}${write.value}`, batchKeyOf: (write) => write.key },
    );
    const writes = [commit.submit({ key: 'a', value: 1 })];
    writes.push(...[['b', 2], ['a', 3], ['b', 4], ['a', 5]].map(([key, value]) => commit.submit({ key: key as string, value: value as number })));
    release();
    await Promise.all(writes);
    // The first waiting item's batch key goes first, with every other item of that key; then the rest.
    expect(runs).toEqual([['a1'], ['b2', 'b4'], ['a3', 'a5']]);
  });

  it('fails every caller of a shared run at once when splitOnFailure says no item caused the failure', async () => {
    const runs: number[][] = [];
    let release: () => void = () => undefined;
    const commit = new GroupCommit<Write>(
      async (items) => {
        runs.push(items.map((item) => item.value));
        if (runs.length === 1) await new Promise<void>((resolve) => (release = resolve));
        else throw new Error('database unreachable');
      },
      { maxInFlight: 1, keyOf: (write) => write.key, splitOnFailure: (error) => !/unreachable/.test((error as Error).message) },
    );
    const first = commit.submit({ key: 'a', value: 1 });
    const waiting = [2, 3, 4].map((value) => commit.submit({ key: String(value), value }));
    release();
    await first;
    const outcomes = await Promise.allSettled(waiting);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'rejected']);
    // One shared attempt, not one more per item.
    expect(runs).toEqual([[1], [2, 3, 4]]);
  });

  it('on close, writes what lingers at once, waits for every run, and lingers no more', async () => {
    vi.useFakeTimers();
    try {
      const runs: number[][] = [];
      let release: () => void = () => undefined;
      const commit = new GroupCommit<Write>(
        async (items) => {
          runs.push(items.map((item) => item.value));
          if (items.some((item) => item.value === 1)) await new Promise<void>((resolve) => (release = resolve));
        },
        { maxInFlight: 1, keyOf: (write) => write.key, lingerMs: 20 },
      );
      const first = commit.submit({ key: 'a', value: 1 });
      await vi.advanceTimersByTimeAsync(20);
      // The first run is under way; these two linger behind it.
      const lingering = [commit.submit({ key: 'a', value: 2 }), commit.submit({ key: 'b', value: 3 })];
      let closed = false;
      const closing = commit.close().then(() => (closed = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(closed).toBe(false);
      release();
      await closing;
      // Closed only once both were written, without any timer having to fire.
      expect(vi.getTimerCount()).toBe(0);
      expect(runs).toEqual([[1], [2, 3]]);
      await Promise.all([first, ...lingering]);
      const afterClose = commit.submit({ key: 'c', value: 4 });
      expect(runs).toEqual([[1], [2, 3], [4]]);
      await afterClose;
    } finally {
      vi.useRealTimers();
    }
  });

  it('with lingerMs, holds a quiet spell\'s first item that long and writes it with those that came meanwhile', async () => {
    vi.useFakeTimers();
    try {
      const runs: number[][] = [];
      const commit = new GroupCommit<Write>(async (items) => void runs.push(items.map((item) => item.value)), {
        maxInFlight: 1,
        keyOf: (write) => write.key,
        lingerMs: 20,
      });
      const writes = [commit.submit({ key: 'a', value: 1 })];
      await vi.advanceTimersByTimeAsync(15);
      expect(runs).toEqual([]);
      writes.push(commit.submit({ key: 'b', value: 2 }), commit.submit({ key: 'c', value: 3 }));
      await vi.advanceTimersByTimeAsync(5);
      await Promise.all(writes);
      expect(runs).toEqual([[1, 2, 3]]);
      // The next quiet spell waits again.
      const later = commit.submit({ key: 'a', value: 4 });
      await vi.advanceTimersByTimeAsync(19);
      expect(runs).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      await later;
      expect(runs).toEqual([[1, 2, 3], [4]]);
    } finally {
      vi.useRealTimers();
    }
  });
});
