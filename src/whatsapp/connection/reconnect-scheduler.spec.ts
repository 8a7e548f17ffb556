import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CloseCode } from '../transport/whatsapp-transport.js';
import { baseDelayMs } from './backoff.js';
import { ReconnectScheduler, type ReconnectTimer } from './reconnect-scheduler.js';

const instanceId = 'instance-1';

/** Jitter of 0.5 lands on the base delay, so the schedule is exact. */
function makeScheduler(options: { timer?: ReconnectTimer } = {}) {
  const reconnect = vi.fn<(instanceId: string) => void>();
  const scheduler = new ReconnectScheduler({ reconnect, random: () => 0.5, ...options });
  return { scheduler, reconnect };
}

/** A hand-driven timer: records what was scheduled and fires on demand. */
function makeManualTimer() {
  const scheduled = new Map<number, { callback: () => void; delayMs: number }>();
  let nextHandle = 0;
  const timer: ReconnectTimer = {
    setTimeout: (callback, delayMs) => {
      nextHandle += 1;
      scheduled.set(nextHandle, { callback, delayMs });
      return nextHandle;
    },
    clearTimeout: (handle) => {
      scheduled.delete(handle as number);
    },
  };
  const fireAll = () => {
    const due = [...scheduled.values()];
    scheduled.clear();
    for (const entry of due) entry.callback();
  };
  return { timer, scheduled, fireAll };
}

describe('ReconnectScheduler', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2025-01-01T12:00:00Z'));
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('tries ten times at the backoff delays, then gives up as failed with an alert', () => {
    const { scheduler, reconnect } = makeScheduler();
    const startedAt = Date.now();
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const plan = scheduler.onClose(instanceId, CloseCode.connectionLost);
      expect(plan).toEqual({
        kind: 'reconnect-later',
        status: 'reconnecting',
        delayMs: baseDelayMs(attempt),
        attempt,
        circuitOpen: false,
        reason: 'connection lost (408)',
      });
      vi.advanceTimersByTime(baseDelayMs(attempt) - 1);
      expect(reconnect).toHaveBeenCalledTimes(attempt - 1);
      vi.advanceTimersByTime(1);
      expect(reconnect).toHaveBeenCalledTimes(attempt);
      expect(reconnect).toHaveBeenLastCalledWith(instanceId);
    }
    expect(Date.now() - startedAt).toBe(5000 + 7500 + 11250 + 16875 + 25313 + 37969 + 56953 + 3 * 60000);

    expect(scheduler.onClose(instanceId, CloseCode.connectionLost)).toEqual({
      kind: 'give-up',
      status: 'failed',
      alert: 'reconnect_exhausted',
      reason: 'connection lost (408); gave up after 10 reconnect attempts',
    });
    expect(scheduler.hasPendingReconnect(instanceId)).toBe(false);
    vi.runAllTimers();
    expect(reconnect).toHaveBeenCalledTimes(10);
    // A later manual connect gets a full set of attempts again.
    expect(scheduler.attemptsOf(instanceId)).toBe(0);
  });

  it('starts the count over once the connection opens', () => {
    const { scheduler } = makeScheduler();
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      scheduler.onClose(instanceId, CloseCode.connectionClosed);
      vi.runOnlyPendingTimers();
    }
    expect(scheduler.attemptsOf(instanceId)).toBe(3);
    scheduler.onOpen(instanceId);
    vi.advanceTimersByTime(60 * 60_000);
    expect(scheduler.onClose(instanceId, CloseCode.connectionClosed)).toMatchObject({ attempt: 1, delayMs: 5000 });
  });

  it.each([CloseCode.loggedOut, CloseCode.forbidden])('never reconnects on %s and asks to wipe the session', (statusCode) => {
    const { scheduler, reconnect } = makeScheduler();
    scheduler.onClose(instanceId, CloseCode.connectionLost);
    const plan = scheduler.onClose(instanceId, statusCode);
    expect(plan).toMatchObject({ kind: 'stop', status: 'logged_out', wipeSession: true });
    expect(plan).not.toHaveProperty('alert');
    expect(scheduler.hasPendingReconnect(instanceId)).toBe(false);
    vi.runAllTimers();
    expect(reconnect).not.toHaveBeenCalled();
  });

  it('never reconnects on 440, keeps the session and alerts', () => {
    const { scheduler, reconnect } = makeScheduler();
    expect(scheduler.onClose(instanceId, CloseCode.connectionReplaced)).toEqual({
      kind: 'stop',
      status: 'disconnected',
      wipeSession: false,
      alert: 'connection_replaced',
      reason: 'connection replaced (440)',
    });
    vi.runAllTimers();
    expect(reconnect).not.toHaveBeenCalled();
  });

  it('reconnects at once on 515 without counting a failed attempt', () => {
    const { timer, scheduled, fireAll } = makeManualTimer();
    const { scheduler, reconnect } = makeScheduler({ timer });
    scheduler.onClose(instanceId, CloseCode.connectionLost);
    fireAll();
    scheduler.onClose(instanceId, CloseCode.connectionLost);
    fireAll();
    expect(scheduler.attemptsOf(instanceId)).toBe(2);

    expect(scheduler.onClose(instanceId, CloseCode.restartRequired)).toEqual({
      kind: 'reconnect-now',
      status: 'connecting',
      reason: 'restart required (515)',
    });
    expect([...scheduled.values()].map((entry) => entry.delayMs)).toEqual([0]);
    fireAll();
    expect(reconnect).toHaveBeenCalledTimes(3);
    expect(scheduler.attemptsOf(instanceId)).toBe(2);
    expect(scheduler.onClose(instanceId, CloseCode.connectionLost)).toMatchObject({ attempt: 3, delayMs: 11250 });
  });

  it('cancel drops the pending reconnect', () => {
    const { scheduler, reconnect } = makeScheduler();
    scheduler.onClose(instanceId, CloseCode.unavailableService);
    expect(scheduler.hasPendingReconnect(instanceId)).toBe(true);
    scheduler.cancel(instanceId);
    expect(scheduler.hasPendingReconnect(instanceId)).toBe(false);
    vi.runAllTimers();
    expect(reconnect).not.toHaveBeenCalled();
  });

  it('keeps one pending reconnect per instance, and an open drops it', () => {
    const { scheduler, reconnect } = makeScheduler();
    scheduler.onClose(instanceId, CloseCode.connectionLost);
    scheduler.onClose(instanceId, CloseCode.connectionLost);
    vi.runAllTimers();
    expect(reconnect).toHaveBeenCalledTimes(1);

    scheduler.onClose(instanceId, CloseCode.connectionLost);
    scheduler.onOpen(instanceId);
    vi.runAllTimers();
    expect(reconnect).toHaveBeenCalledTimes(1);
  });

  it('tracks instances separately', () => {
    const { scheduler, reconnect } = makeScheduler();
    scheduler.onClose('a', CloseCode.connectionLost);
    scheduler.onClose('a', CloseCode.connectionLost);
    expect(scheduler.onClose('b', CloseCode.connectionLost)).toMatchObject({ attempt: 1 });
    scheduler.forget('a');
    vi.runAllTimers();
    expect(reconnect.mock.calls).toEqual([['b']]);
  });

  describe('circuit breaker', () => {
    /** Open, stay up `upMs`, then close with 428. */
    function flap(scheduler: ReconnectScheduler, upMs: number) {
      scheduler.onOpen(instanceId);
      vi.advanceTimersByTime(upMs);
      return scheduler.onClose(instanceId, CloseCode.connectionClosed);
    }

    it('opens after repeated fast failures, waits for half-open, and closes after a success', () => {
      const { scheduler, reconnect } = makeScheduler();
      for (let failure = 1; failure <= 4; failure += 1) {
        expect(flap(scheduler, 5_000)).toMatchObject({ kind: 'reconnect-later', delayMs: 5000, attempt: 1, circuitOpen: false });
        vi.advanceTimersByTime(5000);
      }
      expect(reconnect).toHaveBeenCalledTimes(4);

      // The fifth connection to drop within 30 s of opening trips the breaker.
      expect(flap(scheduler, 5_000)).toMatchObject({ kind: 'reconnect-later', delayMs: 300_000, attempt: 1, circuitOpen: true });
      expect(scheduler.circuitStateOf(instanceId)).toBe('open');
      vi.advanceTimersByTime(299_999);
      expect(reconnect).toHaveBeenCalledTimes(4);
      vi.advanceTimersByTime(1);
      expect(reconnect).toHaveBeenCalledTimes(5);
      expect(scheduler.circuitStateOf(instanceId)).toBe('half_open');

      // The trial stays up past the fast-failure window: a success closes the breaker.
      expect(flap(scheduler, 60_000)).toMatchObject({ delayMs: 5000, circuitOpen: false });
      expect(scheduler.circuitStateOf(instanceId)).toBe('closed');
    });

    it('opens again when the half-open trial drops fast', () => {
      const { scheduler } = makeScheduler();
      for (let failure = 1; failure <= 5; failure += 1) {
        flap(scheduler, 1_000);
        vi.runOnlyPendingTimers();
      }
      expect(scheduler.circuitStateOf(instanceId)).toBe('half_open');
      expect(flap(scheduler, 1_000)).toMatchObject({ delayMs: 300_000, circuitOpen: true });
      expect(scheduler.circuitStateOf(instanceId)).toBe('open');
    });

    it('holds a 515 restart until the breaker half-opens', () => {
      const { scheduler } = makeScheduler();
      for (let failure = 1; failure <= 5; failure += 1) {
        flap(scheduler, 1_000);
        if (failure < 5) vi.runOnlyPendingTimers();
      }
      vi.advanceTimersByTime(100_000);
      // The count stays at the 1 the tripping close used: a 515 is not a failed attempt.
      expect(scheduler.onClose(instanceId, CloseCode.restartRequired)).toMatchObject({
        kind: 'reconnect-later',
        delayMs: 200_000,
        attempt: 1,
        circuitOpen: true,
      });
    });

    it('gives a flapping instance up after three cool-downs in a row, and a manual connect starts over', () => {
      const { scheduler, reconnect } = makeScheduler();
      for (let failure = 1; failure <= 5; failure += 1) {
        flap(scheduler, 1_000);
        vi.runOnlyPendingTimers();
      }
      // Half-open trials that drop fast again: the second and third trips.
      expect(flap(scheduler, 1_000)).toMatchObject({ kind: 'reconnect-later', circuitOpen: true });
      vi.runOnlyPendingTimers();
      const calls = reconnect.mock.calls.length;
      expect(flap(scheduler, 1_000)).toMatchObject({
        kind: 'give-up',
        status: 'failed',
        alert: 'connection_flapping',
        reason: expect.stringContaining('kept dropping right after opening (3 cool-downs in a row)'),
      });
      vi.runAllTimers();
      expect(reconnect).toHaveBeenCalledTimes(calls);
      expect(scheduler.circuitStateOf(instanceId)).toBe('closed');
      expect(flap(scheduler, 1_000)).toMatchObject({ kind: 'reconnect-later', attempt: 1, circuitOpen: false });
    });

    it('does not count connects that never open: the attempt cap bounds those', () => {
      const { scheduler } = makeScheduler();
      for (let attempt = 1; attempt <= 10; attempt += 1) {
        scheduler.onClose(instanceId, CloseCode.connectionLost);
        vi.runOnlyPendingTimers();
      }
      expect(scheduler.circuitStateOf(instanceId)).toBe('closed');
    });
  });
});
