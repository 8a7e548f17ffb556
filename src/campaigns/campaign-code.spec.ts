import { describe, expect, it } from 'vitest';
import { CAMPAIGN_CODE_ALPHABET, generateCampaignCode, normalizeCampaignCode } from './campaign-code.js';

describe('campaign codes', () => {
  it('are six characters from an alphabet without 0/O and 1/I/L', () => {
    expect(CAMPAIGN_CODE_ALPHABET).not.toMatch(/[0O1IL]/);
    for (let index = 0; index < 200; index += 1) expect(generateCampaignCode()).toMatch(/^[A-HJKMNP-Z2-9]{6}$/);
  });

  it('draw every character of the alphabet with the injected random source', () => {
    let next = 0;
    const code = generateCampaignCode((max) => (next++ * 7) % max);
    expect(code).toBe('A' + CAMPAIGN_CODE_ALPHABET[7] + CAMPAIGN_CODE_ALPHABET[14] + CAMPAIGN_CODE_ALPHABET[21] + CAMPAIGN_CODE_ALPHABET[28] + CAMPAIGN_CODE_ALPHABET[35 % 31]);
  });

  it('are read back whatever the case, spaces or hyphens the owner typed', () => {
    expect(normalizeCampaignCode('k7p2qx')).toBe('K7P2QX');
    expect(normalizeCampaignCode(' K7P-2QX ')).toBe('K7P2QX');
  });

  it('refuse what cannot be a code', () => {
    for (const typed of ['K7P2Q', 'K7P2QXX', 'K0P2QX', 'K1P2QX', 'KIP2QX', '', 'campanha']) expect(normalizeCampaignCode(typed), typed).toBeNull();
  });
});
