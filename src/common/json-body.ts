/** Deepest nesting a JSON body may have; the deepest DTO (business hours with breaks) needs 4. */
export const MAX_JSON_DEPTH = 32;

/** What a client is told of a body that is valid JSON but not an object (`null`, `"text"`, `42`, `[...]`). */
export const BODY_NOT_OBJECT_MESSAGE = 'The request body must be a JSON object ({ ... }), not null, a string, a number or an array';

/** What a client is told of a NUL character in text, whether the body parser or the database found it. */
export const NUL_IN_TEXT_MESSAGE = 'A text field contains the NUL character (\\u0000), which cannot be stored: remove it and send again';

const OBJECT_OPENER = 0x7b; // {
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x7b, 0x5b]); // { [
const CLOSERS = new Set([0x7d, 0x5d]); // } ]

/** `\u0000` as it appears in JSON text, after the backslash. */
const NUL_ESCAPE = Buffer.from('u0000');

/**
 * body-parser's `verify` hook, one pass over the bytes before they are parsed:
 * - refuses a body nested deeper than MAX_JSON_DEPTH: thousands of levels parse
 *   fine but overflow the stack of the recursive transform and validation that
 *   follow, which would answer 500;
 * - refuses a NUL character (`\u0000`) in a string: PostgreSQL cannot store it in
 *   text or jsonb, and a request must be refused before it does any work (media
 *   stored, a first write), not when its last write fails;
 * - refuses a body that is not an object: every route takes an object, and the
 *   parser would answer `null` or `"text"` with "is not valid JSON", which it is.
 * All answer 400. (An empty body is left alone: the parser reads it as `{}`.)
 */
export function screenJsonBody(_request: unknown, _response: unknown, body: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < body.length; index += 1) {
    const byte = body[index];
    if (inString) {
      if (byte === BACKSLASH) {
        if (body.subarray(index + 1, index + 1 + NUL_ESCAPE.length).equals(NUL_ESCAPE)) {
          throw Object.assign(new Error(NUL_IN_TEXT_MESSAGE), { status: 400, type: 'invalid_text' });
        }
        index += 1;
      }
      else if (byte === QUOTE) inString = false;
    } else if (byte === QUOTE) {
      inString = true;
    } else if (OPENERS.has(byte)) {
      depth += 1;
      if (depth > MAX_JSON_DEPTH) {
        // body-parser keeps `status` (400, not its 403 for a failed verify) and the message reaches the client.
        throw Object.assign(new Error(`The request body nests deeper than ${MAX_JSON_DEPTH} levels`), {
          status: 400,
          type: 'entity.too.deep',
        });
      }
    } else if (CLOSERS.has(byte)) {
      depth -= 1;
    }
  }
  // After the scan, so a body nested too deep is told that whatever its outer bracket.
  const first = firstSignificantByte(body);
  if (first !== undefined && first !== OBJECT_OPENER) {
    throw Object.assign(new Error(BODY_NOT_OBJECT_MESSAGE), { status: 400, type: 'body_not_object' });
  }
}

/** The first byte past a UTF-8 byte-order mark and JSON whitespace; undefined when there is none. */
function firstSignificantByte(body: Buffer): number | undefined {
  let index = body.subarray(0, UTF8_BOM.length).equals(UTF8_BOM) ? UTF8_BOM.length : 0;
  while (index < body.length && WHITESPACE.has(body[index])) index += 1;
  return body[index];
}
