import { addDays, utcMidnight, weekdayOf } from '../booking/zoned-time.js';
import { PET_SIZES } from '../database/schema.js';
import { asksForHuman } from '../messaging/pipeline.pt-br.js';
import { menuVocabulary, type Species, SPECIES } from './offline-menu.pt-br.js';

/**
 * What the customer wrote, read as the menu needs it. Pure functions: the
 * offline menu agent calls them with the text and "today" in the shop's zone.
 */

/** Words beyond this length are not read as menu commands found inside a sentence. */
const COMMAND_SENTENCE_MAX = 60;
const QUOTE_MAX = 40;

/** Lower case, accents removed, spaces collapsed, trailing punctuation dropped: "Amanhã!" -> "amanha". */
export function fold(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s.!?,;:]+$/, '')
    .replace(/^[\s.!?,;:]+/, '');
}

/** The customer's text as quoted back: one line, at most 40 characters. */
export function quote(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= QUOTE_MAX ? line : `${line.slice(0, QUOTE_MAX - 1).trimEnd()}…`;
}

export type MenuCommand =
  | { kind: 'handoff' }
  | { kind: 'menu' }
  | { kind: 'book'; serviceHint: string }
  | { kind: 'cancel'; position: number | null }
  | { kind: 'myBookings' }
  | { kind: 'services' }
  | { kind: 'registerPet' }
  | { kind: 'thanks' };

/** A command that works from any step ("agendar", "cancelar 2", "atendente", "menu"...), or null. */
export function commandOf(text: string): MenuCommand | null {
  const folded = fold(text);
  if (folded === '') return null;
  if (asksForHuman(text) || menuVocabulary.handoff.test(folded)) return { kind: 'handoff' };
  if (folded.length <= COMMAND_SENTENCE_MAX) {
    const cancel = menuVocabulary.cancel.exec(folded);
    if (cancel !== null) return { kind: 'cancel', position: cancel[1] === undefined ? null : Number(cancel[1]) };
    const book = menuVocabulary.book.exec(folded);
    if (book !== null) return { kind: 'book', serviceHint: folded.slice(book.index + book[0].length).trim() };
    if (menuVocabulary.registerPet.test(folded)) return { kind: 'registerPet' };
  }
  if (menuVocabulary.myBookings.test(folded)) return { kind: 'myBookings' };
  if (menuVocabulary.services.test(folded)) return { kind: 'services' };
  if (folded.length <= COMMAND_SENTENCE_MAX && menuVocabulary.menu.test(folded)) return { kind: 'menu' };
  if (folded.length <= COMMAND_SENTENCE_MAX && menuVocabulary.thanks.test(folded)) return { kind: 'thanks' };
  return null;
}

/** "2", "2.", "opção 2", "nº 2" -> 2; anything else -> null. */
export function choiceNumber(text: string): number | null {
  const match = /^(?:(?:opcao|numero|n[o.º°]?|o|a)\s*)?(\d{1,3})[.)]?$/.exec(fold(text));
  return match === null ? null : Number(match[1]);
}

/** A number between 1 and `count`, as an index into the numbered list (0-based), or null. */
export function choiceIndex(text: string, count: number): number | null {
  const number = choiceNumber(text);
  return number !== null && number >= 1 && number <= count ? number - 1 : null;
}

function matchesAny(folded: string, words: readonly string[]): boolean {
  return words.includes(folded);
}

/** sim -> true, não -> false, anything else -> null. */
export function yesOrNo(text: string): boolean | null {
  const folded = fold(text);
  if (matchesAny(folded, menuVocabulary.yes)) return true;
  if (matchesAny(folded, menuVocabulary.no)) return false;
  return null;
}

/** "pular", "não sei"... */
export function isSkip(text: string): boolean {
  return matchesAny(fold(text), menuVocabulary.skip);
}

/** `needle` appears in `haystack` as whole words (punctuation counts as a space). */
function wholeWord(haystack: string, needle: string): boolean {
  const spaced = (text: string) => ` ${text.replace(/[.,;!?()"']/g, ' ').replace(/\s+/g, ' ').trim()} `;
  return spaced(haystack).includes(spaced(needle));
}

/**
 * The item the customer named: the same name (accents and case aside), or the
 * one item whose name is in the text or whose name contains the text. Null
 * when nothing or more than one item fits.
 */
export function matchByName<T extends { name: string }>(items: readonly T[], text: string): T | null {
  const folded = fold(text);
  if (folded === '') return null;
  const exact = items.filter((item) => fold(item.name) === folded);
  if (exact.length === 1) return exact[0];
  if (exact.length > 1) return null;
  const named = items.filter((item) => wholeWord(folded, fold(item.name)));
  if (named.length === 1) return named[0];
  if (folded.length < 3) return null;
  const partial = items.filter((item) => wholeWord(fold(item.name), folded) || fold(item.name).startsWith(folded));
  return partial.length === 1 ? partial[0] : null;
}

export function speciesOf(text: string): Species | null {
  const position = choiceIndex(text, SPECIES.length);
  if (position !== null) return SPECIES[position];
  const folded = fold(text);
  for (const species of SPECIES) if (matchesAny(folded, menuVocabulary.species[species])) return species;
  return null;
}

export type PetSize = (typeof PET_SIZES)[number];

export function sizeOf(text: string): PetSize | null {
  const position = choiceIndex(text, PET_SIZES.length);
  if (position !== null) return PET_SIZES[position];
  const folded = fold(text);
  const index = menuVocabulary.sizes.findIndex((words) => matchesAny(folded, words));
  return index === -1 ? null : PET_SIZES[index];
}

export type DayAnswer =
  /** A day, YYYY-MM-DD; may be before today when the customer wrote a past date. */
  | { date: string }
  /** Looked like a date, but there is no such day (31/02). */
  | { invalid: true };

/**
 * The day the customer asked for, relative to `today` (YYYY-MM-DD in the
 * shop's zone): "hoje", "amanhã", "depois de amanhã", a weekday (the next one,
 * today included), "28/11" (this year, or next year once it has passed),
 * "28/11/2026", "28/11/26". Null when the text names no day.
 */
export function dayOf(text: string, today: string): DayAnswer | null {
  const folded = fold(text);
  const numeric = /(?:^|[^\d/])(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}|\d{2}))?(?![\d/])/.exec(folded);
  if (numeric !== null) {
    const day = Number(numeric[1]);
    const month = Number(numeric[2]);
    const todayYear = Number(today.slice(0, 4));
    let year = numeric[3] === undefined ? todayYear : Number(numeric[3]);
    if (numeric[3] !== undefined && numeric[3].length === 2) year += 2000;
    const date = calendarDate(year, month, day);
    if (date === null) return { invalid: true };
    if (numeric[3] === undefined && date < today) {
      const nextYear = calendarDate(year + 1, month, day);
      return nextYear === null ? { invalid: true } : { date: nextYear };
    }
    return { date };
  }
  if (menuVocabulary.dayAfterTomorrow.some((words) => wholeWord(folded, words))) return { date: addDays(today, 2) };
  if (menuVocabulary.tomorrow.some((word) => wholeWord(folded, word))) return { date: addDays(today, 1) };
  if (menuVocabulary.today.some((word) => wholeWord(folded, word))) return { date: today };
  const weekday = menuVocabulary.weekdays.findIndex((words) => words.some((word) => wholeWord(folded, word)));
  if (weekday !== -1) return { date: addDays(today, (weekday - weekdayOf(today) + 7) % 7) };
  return null;
}

/** YYYY-MM-DD, or null when there is no such day (30/02, 00/13). */
function calendarDate(year: number, month: number, day: number): string | null {
  if (month < 1 || month > 12 || day < 1) return null;
  const candidate = new Date(utcMidnight(year, month, day));
  if (candidate.getUTCMonth() !== month - 1) return null;
  return candidate.toISOString().slice(0, 10);
}

/**
 * A wall-clock time in the text, as minutes after midnight: "10h", "10h30",
 * "às 10:30", "10 horas". A bare number is not a time (it is a choice).
 */
export function timeOf(text: string): number | null {
  const folded = fold(text);
  const hourWords = menuVocabulary.hourWords.join('|');
  const pattern = new RegExp(`(?:^|[^\\d/:])(\\d{1,2})(?::(\\d{2})|\\s*(?:${hourWords})(?:\\s*(\\d{2}))?(?:\\s*min)?)(?![\\w/:])`);
  const match = pattern.exec(folded);
  if (match === null) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2] ?? match[3] ?? 0);
  if (hours > 23 || minutes > 59) return null;
  return hours * 60 + minutes;
}

/** 630 -> "10:30" */
export function clockLabel(minutesOfDay: number): string {
  return `${String(Math.floor(minutesOfDay / 60)).padStart(2, '0')}:${String(minutesOfDay % 60).padStart(2, '0')}`;
}

/**
 * At most `max` items spread over the list (first and last included), so a
 * long day shows morning and afternoon rather than only the first hours.
 */
export function spreadOver<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  if (max <= 1) return items.slice(0, max);
  const picked: T[] = [];
  for (let index = 0; index < max; index += 1) picked.push(items[Math.round((index * (items.length - 1)) / (max - 1))]);
  return picked;
}
