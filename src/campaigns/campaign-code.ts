import { randomInt } from 'node:crypto';

/** Letters and digits an owner cannot misread on a phone: no 0/O, no 1/I/L. */
export const CAMPAIGN_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const CAMPAIGN_CODE_LENGTH = 6;

/** A fresh code for a campaign, e.g. `K7P2QX`: what the owner types after CONFIRMAR. */
export function generateCampaignCode(random: (max: number) => number = randomInt): string {
  let code = '';
  for (let index = 0; index < CAMPAIGN_CODE_LENGTH; index += 1) code += CAMPAIGN_CODE_ALPHABET[random(CAMPAIGN_CODE_ALPHABET.length)];
  return code;
}

/** A code as the owner may have typed it (`k7p2qx`, `K7P-2QX`) in its stored form; null when it cannot be one. */
export function normalizeCampaignCode(typed: string): string | null {
  const code = typed.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== CAMPAIGN_CODE_LENGTH) return null;
  return [...code].every((character) => CAMPAIGN_CODE_ALPHABET.includes(character)) ? code : null;
}
