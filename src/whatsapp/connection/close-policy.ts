import type { InstanceStatus } from '../../database/schema.js';
import { CloseCode } from '../transport/whatsapp-transport.js';

/**
 * What to do when a WhatsApp socket closes, decided from its close code alone
 * (DESIGN.md §5). Attempt counting, backoff and the circuit breaker live in
 * the reconnect scheduler; this is only the table.
 */

/** Extract<> turns a status the schema does not know into `never`, so a typo here fails to compile. */
type Status<Name extends InstanceStatus> = Extract<InstanceStatus, Name>;

export type ConnectionAlert = 'connection_replaced' | 'reconnect_exhausted' | 'connection_flapping';

interface CloseFacts {
  /** The close code as received, null when the transport did not report one. */
  statusCode: number | null;
  /** Human-readable, with the code, for `whatsapp_instances.last_disconnect_reason`. */
  reason: string;
}

export type CloseDecision = CloseFacts &
  (
    | { action: 'reconnect'; delay: 'immediate'; status: Status<'connecting'> }
    | { action: 'reconnect'; delay: 'backoff'; status: Status<'reconnecting'> }
    | { action: 'stop'; status: Status<'logged_out'>; wipeSession: true }
    | { action: 'stop'; status: Status<'disconnected'>; wipeSession: false; alert: 'connection_replaced' }
  );

/**
 * Codes that may heal on their own, retried with backoff. Two choices here
 * that the design leaves open:
 * - 411 multideviceMismatch is retried, not treated as a logout: it does not
 *   prove the session is dead, and wiping is irreversible (the owner has to
 *   pair again), while retrying costs at most MAX_RECONNECT_ATTEMPTS bounded
 *   tries before the instance is marked `failed` and someone is alerted.
 * - Unknown codes and a missing code (below) are retried for the same reason:
 *   only codes that certainly mean "this session is over" may wipe it.
 */
const RETRIED_WITH_BACKOFF: ReadonlyMap<number, string> = new Map([
  // 408 is both connectionLost and timedOut in Baileys.
  [CloseCode.connectionLost, 'connection lost'],
  [CloseCode.connectionClosed, 'connection closed'],
  [CloseCode.badSession, 'bad session'],
  [CloseCode.unavailableService, 'service unavailable'],
  [CloseCode.multideviceMismatch, 'multi-device mismatch'],
]);

export function classifyClose(statusCode: number | null): CloseDecision {
  switch (statusCode) {
    case CloseCode.restartRequired:
      // WhatsApp asks for a fresh socket right after pairing: part of the normal flow, not a failure.
      return { action: 'reconnect', delay: 'immediate', status: 'connecting', statusCode, reason: 'restart required (515)' };
    case CloseCode.loggedOut:
      return { action: 'stop', status: 'logged_out', wipeSession: true, statusCode, reason: 'logged out (401)' };
    case CloseCode.forbidden:
      return { action: 'stop', status: 'logged_out', wipeSession: true, statusCode, reason: 'forbidden (403)' };
    case CloseCode.connectionReplaced:
      // Another device or process took the session over; reconnecting would fight it
      // in a loop, and the session is still valid for whoever should own it.
      return {
        action: 'stop',
        status: 'disconnected',
        wipeSession: false,
        alert: 'connection_replaced',
        statusCode,
        reason: 'connection replaced (440)',
      };
  }
  if (statusCode === null) {
    return { action: 'reconnect', delay: 'backoff', status: 'reconnecting', statusCode, reason: 'closed without a status code' };
  }
  const known = RETRIED_WITH_BACKOFF.get(statusCode);
  return {
    action: 'reconnect',
    delay: 'backoff',
    status: 'reconnecting',
    statusCode,
    reason: `${known ?? 'unknown close code'} (${statusCode})`,
  };
}
