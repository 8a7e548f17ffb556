import { Clock } from '../../common/clock.js';
import { backoffDelayMs, MAX_RECONNECT_ATTEMPTS } from './backoff.js';
import { CircuitBreaker, type CircuitBreakerOptions, type CircuitState } from './circuit-breaker.js';
import { classifyClose, type CloseDecision } from './close-policy.js';

/**
 * Decides, per instance, what follows a closed socket and schedules the
 * reconnect: close table, backoff with an attempt cap, and a circuit breaker
 * against flapping. It keeps no I/O of its own; the connection manager acts on
 * the plan (status, last_disconnect_reason, wiping, alerts) and owns the
 * `reconnect` callback.
 */

/** The timer functions, swappable so tests run the schedule without waiting. */
export interface ReconnectTimer {
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Looks the globals up at call time, so vi.useFakeTimers() also reaches the default. */
export const realTimer: ReconnectTimer = {
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * A number whose connection keeps dropping within seconds of opening, through
 * three cool-downs (about 15 minutes), is given up on: `failed` and an alert,
 * rather than a retry every 5 minutes forever.
 */
export const MAX_CIRCUIT_TRIPS = 3;

export type ReconnectPlan =
  /** Scheduled on the next tick (515 after pairing); not a failed attempt. */
  | { kind: 'reconnect-now'; status: 'connecting'; reason: string }
  /**
   * Scheduled after `delayMs`. `attempt` is the count of backoff attempts since
   * the last open, this one included (for `reconnect_attempts`); `circuitOpen`
   * says the delay was stretched to wait for the breaker to half-open.
   */
  | { kind: 'reconnect-later'; status: 'reconnecting'; delayMs: number; attempt: number; circuitOpen: boolean; reason: string }
  /** The attempts are used up; nothing is scheduled. */
  | { kind: 'give-up'; status: 'failed'; alert: 'reconnect_exhausted' | 'connection_flapping'; reason: string }
  /** The close code forbids reconnecting; nothing is scheduled. */
  | { kind: 'stop'; status: 'logged_out' | 'disconnected'; wipeSession: boolean; alert?: 'connection_replaced'; reason: string };

export interface ReconnectSchedulerOptions {
  /** Called when a scheduled reconnect is due. It must not throw: a failed connect is reported back through onClose. */
  reconnect: (instanceId: string) => void;
  timer?: ReconnectTimer;
  clock?: Pick<Clock, 'now'>;
  /** Source of jitter, [0, 1) like Math.random. */
  random?: () => number;
  maxAttempts?: number;
  /** Breaker openings without a connection that stayed up, after which the instance is given up as flapping. */
  maxCircuitTrips?: number;
  circuitBreaker?: Partial<CircuitBreakerOptions>;
  classify?: (statusCode: number | null) => CloseDecision;
  delayForAttempt?: (attempt: number, random: () => number) => number;
}

interface InstanceState {
  /** Backoff attempts since the last open. */
  attempts: number;
  /** Wrapped, because a timer handle may be any value, 0 included. */
  pending: { handle: unknown } | null;
  openedAt: Date | null;
  breaker: CircuitBreaker;
}

export class ReconnectScheduler {
  private readonly instances = new Map<string, InstanceState>();
  private readonly reconnect: (instanceId: string) => void;
  private readonly timer: ReconnectTimer;
  private readonly clock: Pick<Clock, 'now'>;
  private readonly random: () => number;
  private readonly maxAttempts: number;
  private readonly maxCircuitTrips: number;
  private readonly circuitBreakerOptions: Partial<CircuitBreakerOptions>;
  private readonly classify: (statusCode: number | null) => CloseDecision;
  private readonly delayForAttempt: (attempt: number, random: () => number) => number;

  constructor(options: ReconnectSchedulerOptions) {
    this.reconnect = options.reconnect;
    this.timer = options.timer ?? realTimer;
    this.clock = options.clock ?? new Clock();
    this.random = options.random ?? Math.random;
    this.maxAttempts = options.maxAttempts ?? MAX_RECONNECT_ATTEMPTS;
    this.maxCircuitTrips = options.maxCircuitTrips ?? MAX_CIRCUIT_TRIPS;
    this.circuitBreakerOptions = options.circuitBreaker ?? {};
    this.classify = options.classify ?? classifyClose;
    this.delayForAttempt = options.delayForAttempt ?? backoffDelayMs;
  }

  /** The socket opened: the attempt count starts over and any pending reconnect is dropped (it would open a second socket). */
  onOpen(instanceId: string): void {
    const state = this.stateOf(instanceId);
    this.clearPending(state);
    state.attempts = 0;
    state.openedAt = this.clock.now();
  }

  /** The socket closed: decides what follows and, for a reconnect, schedules it (replacing any pending one). */
  onClose(instanceId: string, statusCode: number | null): ReconnectPlan {
    const state = this.stateOf(instanceId);
    this.clearPending(state);
    const now = this.clock.now();
    this.recordLifetime(state, now);

    const decision = this.classify(statusCode);
    if (decision.action === 'stop') {
      state.attempts = 0;
      return decision.status === 'logged_out'
        ? { kind: 'stop', status: decision.status, wipeSession: true, reason: decision.reason }
        : { kind: 'stop', status: decision.status, wipeSession: false, alert: decision.alert, reason: decision.reason };
    }

    if (state.breaker.trips >= this.maxCircuitTrips) {
      // A manual connect later starts over, with a fresh breaker and a full set of attempts.
      const trips = state.breaker.trips;
      state.breaker = new CircuitBreaker(this.circuitBreakerOptions);
      state.attempts = 0;
      return {
        kind: 'give-up',
        status: 'failed',
        alert: 'connection_flapping',
        reason: `${decision.reason}; the connection kept dropping right after opening (${trips} cool-downs in a row), reconnects stopped`,
      };
    }

    const untilHalfOpen = this.msUntilHalfOpen(state.breaker, now);
    if (decision.delay === 'immediate') {
      if (untilHalfOpen === null) {
        this.schedule(instanceId, state, 0);
        return { kind: 'reconnect-now', status: 'connecting', reason: decision.reason };
      }
      this.schedule(instanceId, state, untilHalfOpen);
      return this.later(untilHalfOpen, state.attempts, true, decision.reason);
    }

    const attempt = state.attempts + 1;
    if (attempt > this.maxAttempts) {
      // A later manual connect starts with a full set of attempts.
      state.attempts = 0;
      return {
        kind: 'give-up',
        status: 'failed',
        alert: 'reconnect_exhausted',
        reason: `${decision.reason}; gave up after ${this.maxAttempts} reconnect attempts`,
      };
    }
    state.attempts = attempt;
    const backoff = this.delayForAttempt(attempt, this.random);
    const delayMs = untilHalfOpen === null ? backoff : Math.max(backoff, untilHalfOpen);
    this.schedule(instanceId, state, delayMs);
    return this.later(delayMs, attempt, untilHalfOpen !== null, decision.reason);
  }

  /** Drops the pending reconnect, if any (the owner disconnected, the process is shutting down). */
  cancel(instanceId: string): void {
    const state = this.instances.get(instanceId);
    if (state) this.clearPending(state);
  }

  /** Cancels and forgets everything about the instance (it was deleted). */
  forget(instanceId: string): void {
    this.cancel(instanceId);
    this.instances.delete(instanceId);
  }

  attemptsOf(instanceId: string): number {
    return this.instances.get(instanceId)?.attempts ?? 0;
  }

  hasPendingReconnect(instanceId: string): boolean {
    return this.instances.get(instanceId)?.pending != null;
  }

  circuitStateOf(instanceId: string): CircuitState {
    return this.instances.get(instanceId)?.breaker.stateAt(this.clock.now()) ?? 'closed';
  }

  private stateOf(instanceId: string): InstanceState {
    let state = this.instances.get(instanceId);
    if (!state) {
      state = { attempts: 0, pending: null, openedAt: null, breaker: new CircuitBreaker(this.circuitBreakerOptions) };
      this.instances.set(instanceId, state);
    }
    return state;
  }

  /** Feeds the breaker with how long the connection that just closed was open, if it opened at all. */
  private recordLifetime(state: InstanceState, now: Date): void {
    if (state.openedAt === null) return;
    if (state.breaker.isFastFailure(state.openedAt, now)) state.breaker.recordFailure(now);
    else state.breaker.recordSuccess();
    state.openedAt = null;
  }

  private msUntilHalfOpen(breaker: CircuitBreaker, now: Date): number | null {
    if (!breaker.isOpen(now)) return null;
    const halfOpensAt = breaker.halfOpensAt;
    return halfOpensAt === null ? null : halfOpensAt.getTime() - now.getTime();
  }

  private later(delayMs: number, attempt: number, circuitOpen: boolean, reason: string): ReconnectPlan {
    return { kind: 'reconnect-later', status: 'reconnecting', delayMs, attempt, circuitOpen, reason };
  }

  private schedule(instanceId: string, state: InstanceState, delayMs: number): void {
    const pending: { handle: unknown } = { handle: undefined };
    pending.handle = this.timer.setTimeout(() => {
      // Only the timer still registered may fire (a fake timer may not honour clearTimeout).
      if (state.pending !== pending) return;
      state.pending = null;
      this.reconnect(instanceId);
    }, delayMs);
    state.pending = pending;
  }

  private clearPending(state: InstanceState): void {
    if (state.pending === null) return;
    this.timer.clearTimeout(state.pending.handle);
    state.pending = null;
  }
}
