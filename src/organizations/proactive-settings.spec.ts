import { describe, expect, it } from 'vitest';
import { DEFAULT_PROACTIVE_SETTINGS, proactiveSettingsOf } from './proactive-settings.js';

describe('proactiveSettingsOf', () => {
  it('gives the defaults (every kind on, summary at 8) to a shop that never set them', () => {
    expect(proactiveSettingsOf({})).toEqual({ dailySummaryHour: 8, dailySummary: true, alerts: true, celebrations: true });
    expect(proactiveSettingsOf({ proactive: null })).toEqual(DEFAULT_PROACTIVE_SETTINGS);
  });

  it('keeps what was set and fills the rest, ignoring values of the wrong shape', () => {
    expect(proactiveSettingsOf({ proactive: { dailySummaryHour: 0, celebrations: false } })).toEqual({
      dailySummaryHour: 0,
      dailySummary: true,
      alerts: true,
      celebrations: false,
    });
    expect(proactiveSettingsOf({ proactive: { dailySummaryHour: 24, alerts: 'no' } })).toEqual(DEFAULT_PROACTIVE_SETTINGS);
  });
});
