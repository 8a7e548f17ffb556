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
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    // Dates, protobuf messages: JSON.stringify would call toJSON first and hand its result to the replacer.
    return withBuffersEncoded((value as { toJSON(key: string): unknown }).toJSON(key), key);
  }
  if ((value as { type?: unknown }).type === 'Buffer') return BufferJSON.replacer(key, value) as EncodedBuffer;
  if (Array.isArray(value)) return value.map((item, index) => withBuffersEncoded(item, String(index)));
  const copy: Record<string, unknown> = {};
  for (const name of Object.keys(value)) copy[name] = withBuffersEncoded((value as Record<string, unknown>)[name], name);
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
