export const PostgresErrorCode = {
  uniqueViolation: '23505',
  exclusionViolation: '23P01',
  /** A character the database cannot store in text: in practice NUL (\u0000). */
  characterNotInRepertoire: '22021',
  /** PostgreSQL failed this transaction to break a cycle of waits; run again, it goes through. */
  deadlockDetected: '40P01',
} as const;

/**
 * Whether an error is PostgreSQL's `code` (optionally on one constraint). Drizzle
 * wraps driver errors, so the code may sit on `cause`; PGlite puts it on the error.
 */
export function isPostgresError(error: unknown, code: string, constraint?: string): boolean {
  const candidate = error as { code?: string; constraint?: string; cause?: { code?: string; constraint?: string } };
  const failure = candidate.cause?.code === undefined ? candidate : candidate.cause;
  return failure.code === code && (constraint === undefined || failure.constraint === undefined || failure.constraint === constraint);
}

/** Network errors of the driver, and PostgreSQL's codes for a server shutting down or refusing connections. */
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const UNAVAILABLE_SQLSTATE = new Set(['57P01', '57P02', '57P03', '53300']);
const UNAVAILABLE_MESSAGE = /connection terminated|timeout exceeded when trying to connect|connection (?:is )?closed|Client has encountered a connection error/i;

/**
 * Whether an error says the database could not be reached (down, restarting,
 * out of connections), as opposed to refusing the statement itself: the work
 * can be held and tried again later. Looks through Drizzle's wrapping (`cause`).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined, depth = 0; current && depth < 5; depth += 1) {
    const code = typeof current.code === 'string' ? current.code : '';
    if (UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_SQLSTATE.has(code) || code.startsWith('08')) return true;
    if (typeof current.message === 'string' && UNAVAILABLE_MESSAGE.test(current.message)) return true;
    current = current.cause as typeof current;
  }
  return false;
}
