import { describe, expect, it } from 'vitest';
import { BODY_NOT_OBJECT_MESSAGE, MAX_JSON_DEPTH, NUL_IN_TEXT_MESSAGE, screenJsonBody } from './json-body.js';

const check = (text: string) => () => screenJsonBody(undefined, undefined, Buffer.from(text));

describe('screenJsonBody', () => {
  it('lets ordinary bodies through, brackets inside strings included', () => {
    expect(check('{"businessHours":{"1":{"open":"08:00","breaks":[{"start":"12:00"}]}}}')).not.toThrow();
    expect(check(JSON.stringify({ text: '['.repeat(1000), quoted: '\\"{{{{' }))).not.toThrow();
    expect(check(`{"a":${'['.repeat(MAX_JSON_DEPTH - 1)}${']'.repeat(MAX_JSON_DEPTH - 1)}}`)).not.toThrow();
  });

  it('refuses a body that is valid JSON but not an object; an empty body, whitespace and a byte-order mark before { pass', () => {
    for (const text of ['null', ' "str"', '42', 'true', '[]', '\n[{"name":"Rex"}]']) {
      expect(check(text), text).toThrow(expect.objectContaining({ status: 400, type: 'body_not_object', message: BODY_NOT_OBJECT_MESSAGE }));
    }
    expect(check('')).not.toThrow();
    expect(check(' \r\n\t{"name":"Rex"}')).not.toThrow();
    expect(() => screenJsonBody(undefined, undefined, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{}')]))).not.toThrow();
  });

  it('refuses nesting past the limit with a 400 the error filter shows', () => {
    expect(check(`${'{"a":'.repeat(MAX_JSON_DEPTH + 1)}1${'}'.repeat(MAX_JSON_DEPTH + 1)}`)).toThrow(
      expect.objectContaining({ status: 400, type: 'entity.too.deep', message: `The request body nests deeper than ${MAX_JSON_DEPTH} levels` }),
    );
  });

  it('refuses a NUL character in a string, and only there', () => {
    expect(check(JSON.stringify({ name: 'Ana\u0000Maria' }))).toThrow(expect.objectContaining({ status: 400, type: 'invalid_text', message: NUL_IN_TEXT_MESSAGE }));
    expect(check(JSON.stringify({ name: 'Ana\\u0000 is text, not a NUL', other: '\u0001' }))).not.toThrow();
  });
});
