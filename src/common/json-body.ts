/** Deepest nesting a JSON body may have; the deepest DTO (business hours with breaks) needs 4. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPENERS = new Set([0x7b, 0x5b]); // { [
const CLOSERS = new Set([0x7d, 0x5d]); // } ]

/**
 * body-parser's `verify` hook: refuses a JSON body nested deeper than
 * MAX_JSON_DEPTH before it is parsed. Thousands of levels parse fine but
 * overflow the stack of the recursive transform and validation that follow,
 * which would answer 500; this answers 400 and costs one pass over the bytes.
 */
export function refuseDeepJson(_request: unknown, _response: unknown, body: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < body.length; index += 1) {
    const byte = body[index];
    if (inString) {
      if (byte === BACKSLASH) index += 1;
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
}
