import type { AuthenticationCreds } from '../whatsapp/transport/baileys-auth.js';
import { decodeValue } from './session-codec.js';

const isKeyPair = (value: unknown) => {
  const pair = value as { public?: unknown; private?: unknown } | null;
  return pair !== null && typeof pair === 'object' && Buffer.isBuffer(pair.public) && Buffer.isBuffer(pair.private);
};

/** Parses creds JSON and checks the fields without which a session cannot connect; null when torn or invalid. */
export function parseCreds(json: string): AuthenticationCreds | null {
  try {
    const creds = decodeValue('creds', json) as AuthenticationCreds;
    const valid =
      creds !== null &&
      typeof creds === 'object' &&
      isKeyPair(creds.noiseKey) &&
      isKeyPair(creds.signedIdentityKey) &&
      isKeyPair(creds.signedPreKey?.keyPair) &&
      Number.isInteger(creds.registrationId) &&
      typeof creds.advSecretKey === 'string';
    return valid ? creds : null;
  } catch {
    return null;
  }
}
