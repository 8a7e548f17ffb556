import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, refuseDeepJson } from './json-depth.js';

const check = (text: string) => () => refuseDeepJson(undefined, undefined, Buffer.from(text));

describe('refuseDeepJson', () => {
  it('lets ordinary bodies through, brackets inside strings included', () => {
    expect(check('{"businessHours":{"1":{"open":"08:00","breaks":[{"start":"12:00"}]}}}')).not.toThrow();
    expect(check(JSON.stringify({ text: '['.repeat(1000), quoted: '\\"{{{{' }))).not.toThrow();
    expect(check(`${'['.repeat(MAX_JSON_DEPTH)}${']'.repeat(MAX_JSON_DEPTH)}`)).not.toThrow();
  });

  it('refuses nesting past the limit with a 400 the error filter shows', () => {
    expect(check(`${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`)).toThrow(
      expect.objectContaining({ status: 400, type: 'entity.too.deep', message: `The request body nests deeper than ${MAX_JSON_DEPTH} levels` }),
    );
  });
});
