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

/** Same JSON as Baileys' own stores, so folders and rows move between them unchanged. */
export function encodeValue(value: unknown): string {
  return JSON.stringify(value, BufferJSON.replacer);
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
