import type { CampaignAudience, CampaignSkipReason } from '../database/schema.js';

/** WhatsApp lets a business write freely only within 24 hours of the customer's last message. */
export const CUSTOMER_SERVICE_WINDOW_MS = 24 * 3600 * 1000;
/** The fewest days without a booking or a message that make a customer inactive. */
export const MIN_INACTIVE_DAYS = 30;
export const MAX_INACTIVE_DAYS = 3650;
/** WhatsApp's limit on one text message. */
export const MAX_CAMPAIGN_TEXT_LENGTH = 4096;
export const MAX_CAMPAIGN_OBJECTIVE_LENGTH = 500;

/** What is wrong with a campaign before it is stored (empty: nothing). Callers without a DTO (the owner's agent) get the same rules. */
export function campaignProblems(input: { objective: string; audience: CampaignAudience; text: string }): string[] {
  const problems: string[] = [];
  if (input.objective.trim() === '') problems.push('objective must not be empty');
  if (input.objective.length > MAX_CAMPAIGN_OBJECTIVE_LENGTH) problems.push(`objective must be at most ${MAX_CAMPAIGN_OBJECTIVE_LENGTH} characters`);
  if (input.text.trim() === '') problems.push('text must not be empty');
  if (input.text.length > MAX_CAMPAIGN_TEXT_LENGTH) problems.push(`text must be at most ${MAX_CAMPAIGN_TEXT_LENGTH} characters`);
  const audience = input.audience as { kind?: unknown; days?: unknown };
  if (audience.kind === 'inactive') {
    const days = audience.days;
    if (typeof days !== 'number' || !Number.isInteger(days) || days < MIN_INACTIVE_DAYS || days > MAX_INACTIVE_DAYS) {
      problems.push(`audience.days must be a whole number of days from ${MIN_INACTIVE_DAYS} to ${MAX_INACTIVE_DAYS}`);
    }
  } else if (audience.kind !== 'all') {
    problems.push("audience.kind must be 'all' or 'inactive'");
  }
  return problems;
}

/**
 * Why a recipient gets no message, judged when their turn comes (so an opt-out
 * after approval still counts): opted out, or (unless the shop allows it) their
 * last message to the shop is older than WhatsApp's 24-hour window.
 */
export function recipientSkipReason(
  recipient: { optedOutAt: Date | null; lastMessageAt: Date | null },
  now: Date,
  outsideWindowAllowed: boolean,
): CampaignSkipReason | null {
  if (recipient.optedOutAt !== null) return 'opted_out';
  if (outsideWindowAllowed) return null;
  const inWindow = recipient.lastMessageAt !== null && now.getTime() - recipient.lastMessageAt.getTime() <= CUSTOMER_SERVICE_WINDOW_MS;
  return inWindow ? null : 'outside_window';
}
