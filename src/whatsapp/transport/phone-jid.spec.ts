import { describe, expect, it } from 'vitest';
import { brazilianMobileVariants, phoneFromJid, userJid } from './phone-jid.js';

describe('phone numbers and JIDs', () => {
  it('gives both spellings of a Brazilian mobile, the given one first', () => {
    expect(brazilianMobileVariants('5511987654321')).toEqual(['5511987654321', '551187654321']);
    expect(brazilianMobileVariants('551187654321')).toEqual(['551187654321', '5511987654321']);
  });

  it('leaves landlines and other countries alone', () => {
    expect(brazilianMobileVariants('551134567890')).toEqual(['551134567890']);
    expect(brazilianMobileVariants('14155550100')).toEqual(['14155550100']);
  });

  it('turns numbers into user JIDs and back, dropping the device', () => {
    expect(userJid('+55 11 98765-4321')).toBe('5511987654321@s.whatsapp.net');
    expect(phoneFromJid('5511987654321:12@s.whatsapp.net')).toBe('5511987654321');
    expect(phoneFromJid('123456789@lid')).toBeNull();
  });
});
