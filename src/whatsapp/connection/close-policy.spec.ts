import { describe, expect, it } from 'vitest';
import { CloseCode } from '../transport/whatsapp-transport.js';
import { classifyClose } from './close-policy.js';

describe('classifyClose', () => {
  it('reconnects at once on 515 restartRequired, the normal close right after pairing', () => {
    expect(classifyClose(CloseCode.restartRequired)).toEqual({
      action: 'reconnect',
      delay: 'immediate',
      status: 'connecting',
      statusCode: 515,
      reason: 'restart required (515)',
    });
  });

  it.each([
    ['connectionLost', CloseCode.connectionLost, 'connection lost (408)'],
    ['timedOut', CloseCode.timedOut, 'connection lost (408)'],
    ['connectionClosed', CloseCode.connectionClosed, 'connection closed (428)'],
    ['badSession', CloseCode.badSession, 'bad session (500)'],
    ['unavailableService', CloseCode.unavailableService, 'service unavailable (503)'],
    ['multideviceMismatch', CloseCode.multideviceMismatch, 'multi-device mismatch (411)'],
  ])('reconnects with backoff on %s', (_name, statusCode, reason) => {
    expect(classifyClose(statusCode)).toEqual({
      action: 'reconnect',
      delay: 'backoff',
      status: 'reconnecting',
      statusCode,
      reason,
    });
  });

  it.each([
    ['loggedOut', CloseCode.loggedOut, 'logged out (401)'],
    ['forbidden', CloseCode.forbidden, 'forbidden (403)'],
  ])('never reconnects on %s and wipes the session', (_name, statusCode, reason) => {
    expect(classifyClose(statusCode)).toEqual({
      action: 'stop',
      status: 'logged_out',
      wipeSession: true,
      statusCode,
      reason,
    });
  });

  it('never reconnects on 440 connectionReplaced, keeps the session and alerts', () => {
    expect(classifyClose(CloseCode.connectionReplaced)).toEqual({
      action: 'stop',
      status: 'disconnected',
      wipeSession: false,
      alert: 'connection_replaced',
      statusCode: 440,
      reason: 'connection replaced (440)',
    });
  });

  it('retries an unknown code with backoff rather than wiping a session it cannot judge', () => {
    expect(classifyClose(999)).toEqual({
      action: 'reconnect',
      delay: 'backoff',
      status: 'reconnecting',
      statusCode: 999,
      reason: 'unknown close code (999)',
    });
  });

  it('retries a close without a code with backoff', () => {
    expect(classifyClose(null)).toEqual({
      action: 'reconnect',
      delay: 'backoff',
      status: 'reconnecting',
      statusCode: null,
      reason: 'closed without a status code',
    });
  });

  it('covers every CloseCode', () => {
    for (const statusCode of Object.values(CloseCode)) {
      expect(classifyClose(statusCode).reason).not.toMatch(/unknown/);
    }
  });
});
