/**
 * What Aurora sends the owner on her own, kept in `organizations.settings.proactive`.
 * Absent fields take the defaults: every kind on, the summary at 08:00 shop time.
 */
export interface ProactiveSettings {
  /** Hour of the shop's clock (0-23) at which the daily summary goes out. */
  dailySummaryHour: number;
  dailySummary: boolean;
  /** No-shows and cancellations. */
  alerts: boolean;
  /** Pet birthdays and round numbers of bookings. */
  celebrations: boolean;
}

export const DEFAULT_PROACTIVE_SETTINGS: ProactiveSettings = { dailySummaryHour: 8, dailySummary: true, alerts: true, celebrations: true };

/** The organization's proactive settings with the defaults filled in, whatever the stored JSON holds. */
export function proactiveSettingsOf(settings: Record<string, unknown>): ProactiveSettings {
  const stored = (typeof settings.proactive === 'object' && settings.proactive !== null ? settings.proactive : {}) as Record<string, unknown>;
  const hour = stored.dailySummaryHour;
  const flag = (name: 'dailySummary' | 'alerts' | 'celebrations') =>
    typeof stored[name] === 'boolean' ? stored[name] : DEFAULT_PROACTIVE_SETTINGS[name];
  return {
    dailySummaryHour: Number.isInteger(hour) && (hour as number) >= 0 && (hour as number) <= 23 ? (hour as number) : DEFAULT_PROACTIVE_SETTINGS.dailySummaryHour,
    dailySummary: flag('dailySummary'),
    alerts: flag('alerts'),
    celebrations: flag('celebrations'),
  };
}
