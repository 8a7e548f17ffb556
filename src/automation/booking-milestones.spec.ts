import { describe, expect, it } from 'vitest';
import { milestoneReached } from './booking-milestones.js';

describe('milestoneReached', () => {
  it('is null below the first hundred bookings', () => {
    expect(milestoneReached(0)).toBeNull();
    expect(milestoneReached(99)).toBeNull();
  });

  it('names 100, 500 and 1000, then every thousand, as the highest reached', () => {
    expect([100, 101, 499, 500, 999, 1000, 1999, 2000, 12345].map(milestoneReached)).toEqual([100, 100, 100, 500, 500, 1000, 1000, 2000, 12000]);
  });
});
