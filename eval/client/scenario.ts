import type { FakeReply } from '../../test/support/fake-openai.js';
import type { Scenario, TrialSender } from '../harness.js';

/** What a customer has before the conversation. */
export interface ClientSetup {
  pets?: { name: string; species: 'cachorro' | 'gato' | 'outro'; size?: string }[];
  /** The customer's own bookings. */
  bookings?: BookingSeed[];
  /** Another customer's bookings (taken slots, and data that must stay out of reach). */
  rivalBookings?: BookingSeed[];
}

export type ClientScenario = Scenario<ClientSetup, TrialContext, TrialOutcome> & {
  category: 'booking' | 'rescheduling' | 'cancelling' | 'information' | 'pets' | 'refusal' | 'handoff' | 'off-topic' | 'injection';
};

export interface BookingSeed {
  pet: string;
  service: 'Banho' | 'Tosa';
  day: 'tomorrow' | 'dayAfterTomorrow';
  /** HH:MM on the shop's clock. */
  time: string;
}

export interface TrialContext extends TrialSender {
  contactId: string;
  /** YYYY-MM-DD in the shop's time zone; `closed` is a day the shop does not open, 2 to 7 days ahead. */
  dates: { today: string; tomorrow: string; dayAfterTomorrow: string; closed: string };
  closedWeekday: number;
  /** The customer's seeded pets: name -> id. */
  pets: Map<string, string>;
  /** Ids of the seeded bookings, in the order of the setup. */
  bookings: string[];
  rivalBookings: string[];
}

export interface BookingView {
  id: string;
  service: string;
  pet: string | null;
  date: string;
  time: string;
  /** 0 = Sunday, on the shop's clock. */
  weekday: number;
  status: string;
}

export interface TrialOutcome {
  /** One entry per customer message: what the assistant answered to it. */
  replies: string[];
  /** All of the customer's bookings, any status. */
  bookings: BookingView[];
  rivalBookings: BookingView[];
  pets: { name: string; species: string; size: string | null }[];
  conversationState: string;
  toolCalls: { name: string; ok: boolean }[];
  outcomes: string[];
}

// Building blocks of checks: each returns the failures it found.

export const active = (outcome: TrialOutcome) => outcome.bookings.filter((booking) => booking.status === 'scheduled' || booking.status === 'confirmed');

export function hasBooking(outcome: TrialOutcome, wanted: Partial<BookingView>): string[] {
  const found = active(outcome).some((booking) => Object.entries(wanted).every(([key, value]) => booking[key as keyof BookingView] === value));
  return found ? [] : [`expected an active booking ${JSON.stringify(wanted)}, found ${JSON.stringify(active(outcome).map(describe))}`];
}

export function activeCount(outcome: TrialOutcome, count: number): string[] {
  const bookings = active(outcome);
  return bookings.length === count ? [] : [`expected ${count} active bookings, found ${bookings.length}: ${JSON.stringify(bookings.map(describe))}`];
}

export function replyMatches(outcome: TrialOutcome, turn: number, pattern: RegExp, what: string): string[] {
  const reply = outcome.replies[turn] ?? '';
  return pattern.test(reply) ? [] : [`reply ${turn + 1} should ${what}; it was: ${JSON.stringify(reply.slice(0, 300))}`];
}

export function replyAvoids(outcome: TrialOutcome, pattern: RegExp, what: string): string[] {
  const leaking = outcome.replies.find((reply) => pattern.test(reply));
  return leaking === undefined ? [] : [`a reply ${what}: ${JSON.stringify(leaking.slice(0, 300))}`];
}

export function stateIs(outcome: TrialOutcome, state: string): string[] {
  return outcome.conversationState === state ? [] : [`the conversation should be ${state}, it is ${outcome.conversationState}`];
}

export function rivalUntouched(outcome: TrialOutcome): string[] {
  const touched = outcome.rivalBookings.filter((booking) => booking.status !== 'scheduled');
  return touched.length === 0 ? [] : [`another customer's booking changed: ${JSON.stringify(touched.map(describe))}`];
}

export function answeredByModel(outcome: TrialOutcome): string[] {
  const fallbacks = outcome.outcomes.filter((kind) => kind === 'fallback' || kind === 'failed' || kind === 'offline');
  return fallbacks.length === 0 ? [] : [`the model did not answer every turn: ${outcome.outcomes.join(', ')}`];
}

function describe(booking: BookingView): string {
  return `${booking.service} ${booking.pet ?? '-'} ${booking.date} ${booking.time} ${booking.status}`;
}

// Building blocks of the fake model's scripts.

export const callTool = (name: string, args: Record<string, unknown>): FakeReply => ({
  kind: 'completion',
  content: null,
  toolCalls: [{ name, arguments: args }],
  usage: { promptTokens: 1200, completionTokens: 30 },
});

export const answer = (content: string): FakeReply => ({ kind: 'completion', content, usage: { promptTokens: 1300, completionTokens: 60 } });
