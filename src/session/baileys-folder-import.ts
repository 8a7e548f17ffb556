import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SignalDataSet } from '../whatsapp/transport/baileys-auth.js';
import { type AuthStateStore, KEY_TYPES, type SessionRef } from './auth-state-store.js';
import { parseCreds } from './creds-validation.js';
import { decodeValue } from './session-codec.js';

// Longest first, so "sender-key-memory-x" is not read as a "sender-key" named "memory-x".
const TYPES_BY_LENGTH = [...KEY_TYPES].sort((a, b) => b.length - a.length);
const BATCH = 500;

export class SessionImportError extends Error {
  override name = 'SessionImportError';
}

export interface ImportResult {
  keys: number;
  skipped: string[];
  registered: boolean;
  me: string | null;
}

/**
 * Imports a folder written by Baileys' useMultiFileAuthState (Evolution API and
 * older gateways use it) into one of our stores: creds as they are, and every
 * `{type}-{id}.json` key. Baileys turns "/" into "__" and ":" into "-" in file
 * names; "/" is restored, ":" cannot be told from "-" and stays "-", which is the
 * name the file store would use anyway.
 */
export async function importBaileysFolder(store: AuthStateStore, ref: SessionRef, folder: string): Promise<ImportResult> {
  const credsJson = await readFile(join(folder, 'creds.json'), 'utf8').catch(() => null);
  const creds = credsJson === null ? null : parseCreds(credsJson);
  if (creds === null) throw new SessionImportError(`${folder}/creds.json is missing or not valid Baileys creds`);

  const phoneDigits = creds.me?.id?.split(/[:@]/)[0];
  const session = await store.open(ref, { phoneNumber: phoneDigits === undefined ? null : `+${phoneDigits}` });
  Object.assign(session.state.creds, creds);
  await session.saveCreds();

  const skipped: string[] = [];
  let batch: SignalDataSet = {};
  let inBatch = 0;
  let keys = 0;
  const flush = async () => {
    if (inBatch > 0) await session.state.keys.set(batch);
    batch = {};
    inBatch = 0;
  };
  for (const name of (await readdir(folder)).filter((file) => file.endsWith('.json') && file !== 'creds.json')) {
    const type = TYPES_BY_LENGTH.find((candidate) => name.startsWith(`${candidate}-`));
    if (type === undefined) {
      skipped.push(name);
      continue;
    }
    const id = name.slice(type.length + 1, -'.json'.length).replace(/__/g, '/');
    const value = decodeValue(type, await readFile(join(folder, name), 'utf8'));
    ((batch as Record<string, Record<string, unknown>>)[type] ??= {})[id] = value;
    keys++;
    if (++inBatch >= BATCH) await flush();
  }
  await flush();
  await session.close();
  return { keys, skipped, registered: creds.registered === true, me: creds.me?.id ?? null };
}
