/**
 * Delay before reconnect attempt `attempt` (1-based): 5 s x 1.5^(attempt-1),
 * capped at 60 s, then jittered so instances dropped by the same outage do not
 * all come back in the same second.
 */

export const MAX_RECONNECT_ATTEMPTS = 10;

export const FIRST_DELAY_MS = 5_000;
export const DELAY_GROWTH = 1.5;
export const MAX_DELAY_MS = 60_000;
/** Each delay is moved by up to this fraction either way. */
export const JITTER_FRACTION = 0.2;
/** A floor so a custom schedule or a bad random source cannot produce a reconnect storm. */
export const MIN_DELAY_MS = 1_000;

function assertAttempt(attempt: number): void {
  if (!Number.isInteger(attempt) || attempt < 1) {
    throw new RangeError(`reconnect attempt must be a positive integer, got ${attempt}`);
  }
}

/** The schedule without jitter, in whole milliseconds. */
export function baseDelayMs(attempt: number): number {
  assertAttempt(attempt);
  return Math.min(MAX_DELAY_MS, Math.round(FIRST_DELAY_MS * DELAY_GROWTH ** (attempt - 1)));
}

/**
 * The base delay moved by up to ±JITTER_FRACTION; `random` returns [0, 1) like
 * Math.random (0.5 gives the base delay exactly). Never below MIN_DELAY_MS and
 * never above MAX_DELAY_MS x (1 + JITTER_FRACTION).
 */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const base = baseDelayMs(attempt);
  const unit = Math.min(1, Math.max(0, random()));
  const jittered = Math.round(base * (1 + JITTER_FRACTION * (2 * unit - 1)));
  return Math.max(MIN_DELAY_MS, jittered);
}
