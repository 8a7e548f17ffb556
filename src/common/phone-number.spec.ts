import { describe, expect, it } from 'vitest';
import { brazilianMobileVariants, normalizePhoneNumber } from './phone-number.js';

describe('normalizePhoneNumber', () => {
  it.each([
    ['+55 (11) 98765-4321', '+5511987654321'],
    ['11987654321', '+5511987654321'],
    ['(21) 3456-7890', '+552134567890'],
    ['5511987654321', '+5511987654321'],
    ['+1 415 555 0100', '+14155550100'],
    ['005511987654321', '+5511987654321'],
    // A Brazilian mobile without its ninth digit (an old WhatsApp account's spelling) gets it.
    ['+551187654321', '+5511987654321'],
    ['551187654321', '+5511987654321'],
    ['(11) 8765-4321', '+5511987654321'],
    ['+552134567890', '+552134567890'],
  ])('%s becomes %s', (input, expected) => {
    expect(normalizePhoneNumber(input)).toBe(expected);
  });

  it.each(['', 'abc', '+55 11 9876-abc', '123', '+0123456789', '1'.repeat(20)])('rejects %j', (input) => {
    expect(normalizePhoneNumber(input)).toBeNull();
  });
});

describe('brazilianMobileVariants', () => {
  it('gives both spellings of a Brazilian mobile, the given one first', () => {
    expect(brazilianMobileVariants('5511987654321')).toEqual(['5511987654321', '551187654321']);
    expect(brazilianMobileVariants('551187654321')).toEqual(['551187654321', '5511987654321']);
  });

  it('leaves landlines and other countries alone', () => {
    expect(brazilianMobileVariants('551134567890')).toEqual(['551134567890']);
    expect(brazilianMobileVariants('14155550100')).toEqual(['14155550100']);
  });
});
