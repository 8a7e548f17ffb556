import { describe, expect, it } from 'vitest';
import { normalizePhoneNumber } from './phone-number.js';

describe('normalizePhoneNumber', () => {
  it.each([
    ['+55 (11) 98765-4321', '+5511987654321'],
    ['11987654321', '+5511987654321'],
    ['(21) 3456-7890', '+552134567890'],
    ['5511987654321', '+5511987654321'],
    ['+1 415 555 0100', '+14155550100'],
    ['005511987654321', '+5511987654321'],
  ])('%s becomes %s', (input, expected) => {
    expect(normalizePhoneNumber(input)).toBe(expected);
  });

  it.each(['', 'abc', '+55 11 9876-abc', '123', '+0123456789', '1'.repeat(20)])('rejects %j', (input) => {
    expect(normalizePhoneNumber(input)).toBeNull();
  });
});
