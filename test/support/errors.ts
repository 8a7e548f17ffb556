import { expect } from 'vitest';

/** The one JSON error shape: `{ statusCode, error, message, code?, details?, requestId }` and nothing else. */
export function expectErrorShape(body: unknown, statusCode: number): void {
  expect(body).toMatchObject({ statusCode, error: expect.any(String), message: expect.any(String) });
  const fields = body as Record<string, unknown>;
  expect(fields.requestId).toMatch(/^[\w.:-]{8,}$/);
  expect(Object.keys(fields).every((key) => ['statusCode', 'error', 'message', 'details', 'requestId', 'code'].includes(key))).toBe(true);
}
