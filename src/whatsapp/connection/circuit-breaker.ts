/**
 * A circuit breaker for one instance, against flapping: a connection that
 * opens and drops again within seconds resets the reconnect attempt count each
 * time, so the attempt cap alone would let it loop forever (and a number that
 * reconnects in a tight loop risks a ban). After enough fast failures the
 * breaker opens and reconnects wait out a cool-down; then one trial is let
 * through (half-open): a fast failure opens it again, a success closes it.
 *
 * Connects that never open are not the breaker's business; the attempt cap
 * bounds those. Time is always passed in, so tests drive it.
 */

export type CircuitState = 'closed' | 'open' | 'half_open';

export interface CircuitBreakerOptions {
  /** Fast failures within `failureWindowMs` that open the breaker. */
  failureThreshold: number;
  failureWindowMs: number;
  /** A connection that closes within this long after opening is a fast failure. */
  fastFailureMs: number;
  /** How long the breaker stays open before letting one trial through. */
  coolDownMs: number;
}

export const DEFAULT_CIRCUIT_BREAKER_OPTIONS: Readonly<CircuitBreakerOptions> = {
  failureThreshold: 5,
  failureWindowMs: 5 * 60_000,
  fastFailureMs: 30_000,
  coolDownMs: 5 * 60_000,
};

export class CircuitBreaker {
  private readonly options: CircuitBreakerOptions;
  /** Times of recent fast failures while closed, oldest first. */
  private failureTimes: number[] = [];
  /** When the breaker half-opens; null while closed. Half-open is "open, and this time has passed". */
  private openUntil: number | null = null;
  private tripsSinceSuccess = 0;

  constructor(options: Partial<CircuitBreakerOptions> = {}) {
    this.options = { ...DEFAULT_CIRCUIT_BREAKER_OPTIONS, ...options };
  }

  /** Whether a connection that opened at `openedAt` and closed at `closedAt` counts as a fast failure. */
  isFastFailure(openedAt: Date, closedAt: Date): boolean {
    return closedAt.getTime() - openedAt.getTime() <= this.options.fastFailureMs;
  }

  stateAt(now: Date): CircuitState {
    if (this.openUntil === null) return 'closed';
    return now.getTime() < this.openUntil ? 'open' : 'half_open';
  }

  /** True while reconnects must wait; false when closed or half-open (the trial may go). */
  isOpen(now: Date): boolean {
    return this.stateAt(now) === 'open';
  }

  /** When the breaker lets the next trial through; null unless it is open or half-open. */
  get halfOpensAt(): Date | null {
    return this.openUntil === null ? null : new Date(this.openUntil);
  }

  recordFailure(now: Date): void {
    const time = now.getTime();
    switch (this.stateAt(now)) {
      case 'open':
        // Nothing new is learnt while open; the half-open trial will tell.
        return;
      case 'half_open':
        this.open(time);
        return;
      case 'closed': {
        const windowStart = time - this.options.failureWindowMs;
        this.failureTimes = this.failureTimes.filter((failure) => failure > windowStart);
        this.failureTimes.push(time);
        if (this.failureTimes.length >= this.options.failureThreshold) this.open(time);
        return;
      }
    }
  }

  recordSuccess(): void {
    this.openUntil = null;
    this.failureTimes = [];
    this.tripsSinceSuccess = 0;
  }

  /** How many times the breaker opened since the last connection that stayed up: a flapping number keeps counting. */
  get trips(): number {
    return this.tripsSinceSuccess;
  }

  private open(time: number): void {
    this.openUntil = time + this.options.coolDownMs;
    this.failureTimes = [];
    this.tripsSinceSuccess += 1;
  }
}
