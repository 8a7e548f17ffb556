import { isUuid } from '../database/database.js';
import { BufferJSON, proto, type SignalDataSet } from '../whatsapp/transport/baileys-auth.js';
import type { SessionRef } from './auth-state-store.js';

export class InvalidSessionKeyError extends Error {
  override name = 'InvalidSessionKeyError';
}

/** Instance and organization ids name folders and rows, so only UUIDs are accepted. */
export function assertSessionRef(ref: SessionRef): void {
  if (!isUuid(ref.organizationId) || !isUuid(ref.instanceId)) {
    throw new InvalidSessionKeyError(`not a session reference: ${JSON.stringify(ref)}`);
  }
}

/**
 * Baileys key ids are JIDs, numbers and base64 strings. Anything that could
 * climb out of the session folder or truncate a path is refused.
 */
export function assertKeyId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > 512 || id.includes('\0') || id.includes('..') || id.includes('\\')) {
    throw new InvalidSessionKeyError(`refused key id: ${JSON.stringify(id)}`);
  }
}

/**
 * Same JSON as Baileys' own stores (`JSON.stringify(value, BufferJSON.replacer)`,
 * byte for byte), so folders and rows move between them unchanged.
 *
 * Why not that call itself: JSON.stringify runs Buffer's toJSON before any
 * replacer sees it, so every byte of a key becomes an element of a number array
 * that the replacer then copies back into a Buffer to base64 it. Key values are
 * mostly Buffers and every message turn writes one, so this walk base64s them
 * directly and leaves everything else to JSON.stringify as Baileys' replacer would.
 */
export function encodeValue(value: unknown): string {
  return JSON.stringify(withBuffersEncoded(value, ''));
}

interface EncodedBuffer {
  type: 'Buffer';
  data: string;
}

/** What Baileys' replacer turns `value` into, with the same applied to everything under it. */
function withBuffersEncoded(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof Uint8Array) return encodedBuffer(value);
  // Dates, protobuf messages: JSON.stringify calls toJSON once and hands its result to the replacer.
  const own = typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(key: string): unknown }).toJSON(key) : value;
  if (typeof own !== 'object' || own === null) return own;
  if (own instanceof Uint8Array) return encodedBuffer(own);
  if ((own as { type?: unknown }).type === 'Buffer') return BufferJSON.replacer(key, own) as EncodedBuffer;
  // A boxed primitive (new String('x')) is written as its primitive; JSON.stringify unboxes it itself.
  if (own instanceof String || own instanceof Number || own instanceof Boolean) return own;
  if (Array.isArray(own)) return own.map((item, index) => withBuffersEncoded(item, String(index)));
  const copy: Record<string, unknown> = {};
  for (const name of Object.keys(own)) {
    const member = withBuffersEncoded((own as Record<string, unknown>)[name], name);
    // JSON.stringify leaves these out anyway; kept, a function named toJSON would be called on the copy.
    if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
    // An own "__proto__" (JSON.parse makes one) assigned as copy[name] would set the copy's prototype instead.
    if (name === '__proto__') Object.defineProperty(copy, name, { value: member, enumerable: true, writable: true, configurable: true });
    else copy[name] = member;
  }
  return copy;
}

function encodedBuffer(bytes: Uint8Array): EncodedBuffer {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { type: 'Buffer', data: buffer.toString('base64') };
}

/** One key change as the stores write it: the key's encoded value, or null when it is deleted. */
export type KeyChange = [type: string, id: string, encoded: string | null];

/** A `keys.set` batch as the changes to write, every id checked and every value encoded. */
export function encodeKeyChanges(data: SignalDataSet): KeyChange[] {
  const changes: KeyChange[] = [];
  for (const [type, entries] of Object.entries(data)) {
    for (const [id, value] of Object.entries(entries ?? {})) {
      assertKeyId(id);
      changes.push([type, id, value === null || value === undefined ? null : encodeValue(value)]);
    }
  }
  return changes;
}

export function decodeValue(type: string, text: string): unknown {
  const value: unknown = JSON.parse(text, BufferJSON.reviver);
  // Baileys expects the protobuf object for these, as its own file store returns.
  return type === 'app-state-sync-key' && value !== null
    ? proto.Message.AppStateSyncKeyData.fromObject(value as Record<string, unknown>)
    : value;
}

/** File name of a key as Baileys' useMultiFileAuthState writes it ("/" -> "__", ":" -> "-"). */
export function keyFileName(type: string, id: string): string {
  return `${type}-${id}.json`.replace(/\//g, '__').replace(/:/g, '-');
}
