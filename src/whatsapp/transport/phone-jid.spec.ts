import { describe, expect, it } from 'vitest';
import { phoneFromJid, userJid } from './phone-jid.js';

describe('phone numbers and JIDs', () => {
  it('turns numbers into user JIDs and back, dropping the device', () => {
    expect(userJid('+55 11 98765-4321')).toBe('5511987654321@s.whatsapp.net');
    expect(phoneFromJid('5511987654321:12@s.whatsapp.net')).toBe('5511987654321');
    expect(phoneFromJid('123456789@lid')).toBeNull();
  });
});
