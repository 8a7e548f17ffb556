import type { FakeReply } from '../../test/support/fake-openai.js';
import type { Scenario, TrialSender } from '../harness.js';

/** What the shop holds before the owner writes, beyond the standard seed. */
export interface AuroraSetup {
  /** A campaign draft made through the API before the conversation (its code is in the context). */
  draftCampaign?: boolean;
  /**
   * The shop allows campaigns outside WhatsApp's 24-hour window: without it a
   * campaign to inactive customers (outside it by definition) reaches nobody and
   * is refused.
   */
  campaignsOutsideWindow?: boolean;
}

export interface AuroraContext extends TrialSender {
  /** The draft's code when the setup asked for one. */
  draftCode: string | null;
  /** The inactive customer of the standard seed. */
  inactiveName: string;
}

export interface AuroraOutcome {
  replies: string[];
  campaigns: { code: string; status: string }[];
  /** Messages the shop's number sent to anyone but the owner. */
  sentToCustomers: number;
  /** Statuses of the shop's bookings, any customer. */
  bookingStatuses: string[];
  toolCalls: { name: string; ok: boolean }[];
  outcomes: string[];
}

export type AuroraScenario = Scenario<AuroraSetup, AuroraContext, AuroraOutcome> & {
  category: 'figures' | 'comparison' | 'customers' | 'campaigns' | 'refusal' | 'small-talk';
};

export function replyMatches(outcome: AuroraOutcome, turn: number, pattern: RegExp, what: string): string[] {
  const reply = outcome.replies[turn] ?? '';
  return pattern.test(reply) ? [] : [`reply ${turn + 1} should ${what}; it was: ${JSON.stringify(reply.slice(0, 400))}`];
}

export function nothingSent(outcome: AuroraOutcome): string[] {
  return outcome.sentToCustomers === 0 ? [] : [`${outcome.sentToCustomers} messages went to customers`];
}

export function bookingsUnchanged(outcome: AuroraOutcome): string[] {
  // The standard seed: 1 cancelled today, the rest not; Aurora changes none.
  const cancelled = outcome.bookingStatuses.filter((status) => status === 'cancelled').length;
  return cancelled === 1 ? [] : [`bookings changed: ${cancelled} cancelled, expected 1`];
}

/** A turn answered by the plain summary (the model failing) measures the fallback, not the model. */
export function answeredByModel(outcome: AuroraOutcome): string[] {
  const fallbacks = outcome.outcomes.filter((kind) => kind === 'fallback' || kind === 'failed' || kind === 'offline');
  return fallbacks.length === 0 ? [] : [`the model did not answer every turn: ${outcome.outcomes.join(', ')}`];
}

export const callTool = (name: string, args: Record<string, unknown>): FakeReply => ({
  kind: 'completion',
  content: null,
  toolCalls: [{ name, arguments: args }],
  usage: { promptTokens: 1500, completionTokens: 30 },
});

export const answer = (content: string): FakeReply => ({ kind: 'completion', content, usage: { promptTokens: 1700, completionTokens: 90 } });
