import { createHash, randomBytes } from 'node:crypto';

const KEY_MARKER = 'oxy_';
const PREFIX_LENGTH = 12;

export interface GeneratedApiKey {
  /** The full key: shown once, never stored. */
  key: string;
  prefix: string;
  hash: string;
}

export function generateApiKey(): GeneratedApiKey {
  const key = KEY_MARKER + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, PREFIX_LENGTH), hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(KEY_MARKER);
}
