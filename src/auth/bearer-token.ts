import type { Request } from 'express';

/**
 * The bearer token of a request, or null when there is none. Whether it is valid,
 * and what a missing one means (a 401, no per-key rate limit), is each caller's business.
 */
export function bearerTokenOf(request: Request): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(request.header('authorization') ?? '');
  return match === null ? null : match[1];
}
