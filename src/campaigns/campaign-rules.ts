import { foldText } from '../common/text-folding.js';
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
  const unknown = unknownPlaceholders(input.text);
  if (unknown.length > 0) {
    problems.push(`text has placeholders no recipient can fill: ${unknown.join(', ')}; use {nome} (the customer's first name) or {pet} (their pet's name), or write the text without them`);
  }
  return problems;
}

/**
 * `{nome}`, `{{ Nome }}`, `{nome_do_pet}`, `[Nome do cliente]`: drafts (the owner's agent's above all)
 * write them the way mail-merge tools and templates do. Any such token would reach the customer raw, so
 * every one is either filled per recipient or, in braces, refused at drafting (square brackets around
 * anything but a name or a pet are ordinary text).
 */
const TOKEN = String.raw`(?:\{\{?|\[)\s*([\p{L}_ ]{1,40}?)\s*(?:\}?\}|\])`;
const PLACEHOLDER = new RegExp(TOKEN, 'gu');
/** A placeholder opening a line, with what follows it up to the next word ("{nome}, sentimos" -> "Sentimos"). */
const NAME_AT_LINE_START = new RegExp(String.raw`(^|\n)[ \t]*${TOKEN}[ \t]*[,:!]?[ \t]*(\p{L})?`, 'gu');
/** A placeholder after other words, with the comma or spaces before it ("Oi, {nome}!" -> "Oi!"). */
const NAME_AFTER_TEXT = new RegExp(String.raw`[ \t]*,?[ \t]*${TOKEN}`, 'gu');
const NAME_PLACEHOLDERS = new Set(['nome', 'primeiro nome', 'cliente', 'nome cliente', 'nome do cliente', 'name']);
const PET_PLACEHOLDERS = new Set(['pet', 'nome pet', 'nome do pet', 'pet name']);

function placeholderKey(token: string): string {
  return foldText(token.replace(/_/g, ' '));
}

/** The placeholders of a text that personalizeCampaignText cannot fill, as written. */
export function unknownPlaceholders(text: string): string[] {
  const unknown = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) {
    const key = placeholderKey(match[1]);
    if (match[0].startsWith('{') && !NAME_PLACEHOLDERS.has(key) && !PET_PLACEHOLDERS.has(key)) unknown.add(match[0]);
  }
  return [...unknown];
}

/** The first word of a contact's name, when it has letters (a push name may be an emoji or a dot). */
function firstName(name: string | null): string | null {
  const first = name?.trim().split(/\s+/)[0] ?? '';
  return /\p{L}/u.test(first) ? first : null;
}

/**
 * One recipient's text: `{nome}` becomes their first name and `{pet}` their
 * pet's name (or "seu pet" when they have none or several). Without a usable
 * name the placeholder goes with the comma or space before it ("Oi, {nome}!"
 * reads "Oi!"), and at the start of a line the next word takes the capital.
 * Drafts hold no other placeholder (campaignProblems refuses them).
 */
export function personalizeCampaignText(text: string, recipient: { name: string | null; petNames: readonly string[] }): string {
  const name = firstName(recipient.name);
  const pet = recipient.petNames.length === 1 ? recipient.petNames[0].trim() : 'seu pet';
  const filled = text.replace(PLACEHOLDER, (whole: string, token: string) => {
    const key = placeholderKey(token);
    if (PET_PLACEHOLDERS.has(key)) return pet;
    if (NAME_PLACEHOLDERS.has(key) && name !== null) return name;
    return whole;
  });
  if (name !== null) return filled;
  return filled
    .replace(NAME_AT_LINE_START, (whole: string, start: string, token: string, letter: string | undefined) =>
      NAME_PLACEHOLDERS.has(placeholderKey(token)) ? start + (letter?.toUpperCase() ?? '') : whole,
    )
    .replace(NAME_AFTER_TEXT, (whole: string, token: string) => (NAME_PLACEHOLDERS.has(placeholderKey(token)) ? '' : whole));
}

/**
 * Why a recipient gets no message, judged when their turn comes (so an opt-out
 * after approval still counts): opted out, or (unless the shop allows it) their
 * last message to the sending number is older than WhatsApp's 24-hour window
 * (which each business number has with each customer).
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
