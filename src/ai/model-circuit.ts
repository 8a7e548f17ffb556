/** Failed turns in a row that open the circuit. */
const FAILURES_TO_OPEN = 3;
/** How long turns skip the model once it is open; then one turn tries again. */
const OPEN_FOR_MS = 30_000;

/**
 * A circuit breaker on the model, per process. While the model is down every
 * turn would wait out its timeout and retries (tens of seconds) before the menu
 * answers; once three turns in a row have failed, turns go to the menu at once
 * for a while, then one turn tries the model again.
 */
export class ModelCircuit {
  private consecutiveFailures = 0;
  private openUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  allows(): boolean {
    return this.now() >= this.openUntil;
  }

  failed(): void {
    this.consecutiveFailures += 1;
    if (this.consecutiveFailures >= FAILURES_TO_OPEN) this.openUntil = this.now() + OPEN_FOR_MS;
  }

  succeeded(): void {
    this.consecutiveFailures = 0;
    this.openUntil = 0;
  }
}
