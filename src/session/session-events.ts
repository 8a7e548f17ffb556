import type { SessionRef } from './auth-state-store.js';

export class SessionCorruptedError extends Error {
  override name = 'SessionCorruptedError';

  constructor(
    readonly ref: SessionRef,
    reason: string,
  ) {
    super(`session of instance ${ref.instanceId} is corrupted: ${reason}`);
  }
}

/** What the stores report so it can be counted and alerted on (metrics and alerts subscribe later). */
export interface SessionStoreEvents {
  credsRestored(ref: SessionRef): void;
  credsUnrecoverable(ref: SessionRef): void;
  keyUnreadable(): void;
}

/** Counts the events in memory; what /health/whatsapp shows. */
export class SessionStoreCounters implements SessionStoreEvents {
  restoredFromBackup = 0;
  unrecoverable = 0;
  unreadableKeys = 0;

  credsRestored(): void {
    this.restoredFromBackup++;
  }

  credsUnrecoverable(): void {
    this.unrecoverable++;
  }

  keyUnreadable(): void {
    this.unreadableKeys++;
  }
}
