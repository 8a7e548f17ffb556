import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/app-config.js';
import { DEFAULT_LLM_CLIENT_OPTIONS, LlmClient, parseRetryAfterMs, retryDelayMs } from './llm-client.js';

const policy = DEFAULT_LLM_CLIENT_OPTIONS;

function headers(entries: Record<string, string>): Headers {
  return new Headers(entries);
}

describe('retryDelayMs', () => {
  it('doubles from 500 ms per retry, capped at 8 s, when the jitter lands in the middle', () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7].map((retry) => retryDelayMs(retry, null, policy, () => 0.5));
    expect(schedule).toEqual([500, 1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('moves the delay by at most 25% either way', () => {
    expect(retryDelayMs(1, null, policy, () => 0)).toBe(375);
    expect(retryDelayMs(1, null, policy, () => 0.999999)).toBe(625);
    expect(retryDelayMs(5, null, policy, () => 0)).toBe(6000);
    expect(retryDelayMs(5, null, policy, () => 0.999999)).toBe(10000);
  });

  it('clamps a random source that strays outside [0, 1)', () => {
    expect(retryDelayMs(1, null, policy, () => -3)).toBe(375);
    expect(retryDelayMs(1, null, policy, () => 9)).toBe(625);
  });

  it('waits what the server asked, without jitter, up to the cap', () => {
    expect(retryDelayMs(1, 1200, policy, () => 0)).toBe(1200);
    expect(retryDelayMs(2, 0, policy)).toBe(0);
    expect(retryDelayMs(1, 60_000, policy)).toBe(policy.maxRetryAfterMs);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects retry %s', (retry) => {
    expect(() => retryDelayMs(retry, null, policy)).toThrow(RangeError);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');

  it('reads seconds, fractions included', () => {
    expect(parseRetryAfterMs(headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(parseRetryAfterMs(headers({ 'retry-after': '0.25' }), now)).toBe(250);
  });

  it("prefers OpenAI's retry-after-ms", () => {
    expect(parseRetryAfterMs(headers({ 'retry-after-ms': '150', 'retry-after': '2' }), now)).toBe(150);
  });

  it('reads an HTTP date, never giving a negative wait', () => {
    expect(parseRetryAfterMs(headers({ 'retry-after': 'Sat, 10 Jan 2026 12:00:03 GMT' }), now)).toBe(3000);
    expect(parseRetryAfterMs(headers({ 'retry-after': 'Sat, 10 Jan 2026 11:59:00 GMT' }), now)).toBe(0);
  });

  it('gives null when absent or unreadable', () => {
    expect(parseRetryAfterMs(undefined, now)).toBeNull();
    expect(parseRetryAfterMs(headers({}), now)).toBeNull();
    expect(parseRetryAfterMs(headers({ 'retry-after': 'soon' }), now)).toBeNull();
    expect(parseRetryAfterMs(headers({ 'retry-after': '-1' }), now)).toBeNull();
  });
});

describe('LlmClient options', () => {
  const config = loadConfig({ OPENAI_API_KEY: 'sk-test-options' });

  it.each([{ timeoutMs: 0 }, { maxRetries: -1 }, { initialBackoffMs: 1.5 }, { maxRetryAfterMs: Number.NaN }])(
    'rejects %o when built, not on the first call',
    (options) => {
      expect(() => new LlmClient(config, options)).toThrow(RangeError);
    },
  );

  it('takes the defaults for options left out', () => {
    expect(() => new LlmClient(config, { timeoutMs: undefined })).not.toThrow();
    expect(new LlmClient(config).available).toBe(true);
  });
});
