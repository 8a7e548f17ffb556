export const PostgresErrorCode = {
  uniqueViolation: '23505',
  exclusionViolation: '23P01',
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
