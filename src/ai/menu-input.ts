import { addDays, calendarDate, weekdayOf } from '../booking/zoned-time.js';
import { foldText, PICTOGRAPHS } from '../common/text-folding.js';
import { PET_SIZES } from '../database/schema.js';
import { asksForHuman } from '../messaging/pipeline.pt-br.js';
import { menuVocabulary, type PartOfDay, PARTS_OF_DAY, type Species, SPECIES } from './offline-menu.pt-br.js';

/**
 * What the customer wrote, read as the menu needs it. Pure functions: the
 * offline menu agent calls them with the text and "today" in the shop's zone.
 */

/** Words beyond this length are not read as menu commands found inside a sentence. */
const COMMAND_SENTENCE_MAX = 60;
const QUOTE_MAX = 40;
/** Shorter words ("de", "para", "tosa" in "Banho e tosa") are too common to name an item alone. */
const NAME_WORD_MIN = 5;
/** "ele é um cachorro": a species is read in a short answer, not in a story. */
const SPECIES_SENTENCE_WORDS = 5;

/**
 * A pet's name as the customer wrote it, without the emoji, quotes or
 * punctuation around it, nor the words people put before a name: "Thor." ->
 * "Thor", "O nome dele é Thor" -> "Thor", "ela se chama Mel" -> "Mel".
 */
export function cleanName(text: string): string {
  const cleaned = trimName(text);
  const lead = menuVocabulary.beforePetName.exec(foldText(cleaned));
  if (lead === null) return cleaned;
  // Folding keeps the words (accents and case aside), so the lead-in is as many words of the original.
  const leadWords = lead[0].trim().split(' ').length;
  const name = trimName(cleaned.split(/\s+/).slice(leadWords).join(' '));
  return /\p{L}/u.test(name) ? name : cleaned;
}

/** Where a sentence goes on after a name: "Thor, ele é um cachorro", "Mel - uma gata". */
const AFTER_NAME = /\s*[,;!?]\s+|\s+[-–—]\s+/;

/**
 * The answer to "Qual é o nome do seu pet?" when it says more than the name:
 * the name before a comma, and the species when what follows names one
 * ("Thor, ele é um cachorro"); after a yes, the name that follows ("Sim, é o
 * Thor"). A name alone comes back as cleanName gives it, with no species.
 */
export function petNameAnswer(text: string): { name: string; species: Species | null } {
  const clause = AFTER_NAME.exec(text);
  if (clause === null) return { name: cleanName(text), species: null };
  const before = text.slice(0, clause.index);
  const after = text.slice(clause.index + clause[0].length);
  if (isNotAPetName(before)) return isNotAPetName(after) ? { name: cleanName(text), species: null } : petNameAnswer(after);
  const name = cleanName(before);
  return /\p{L}/u.test(name) ? { name, species: speciesOf(after) } : { name: cleanName(text), species: null };
}

function trimName(text: string): string {
  return text
    .replace(PICTOGRAPHS, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/^[\s.!?,;:…"'()*_~-]+|[\s.!?,;:…"'()*_~-]+$/g, '');
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
  /** `hint`: the rest of "cancelar o banho de sábado", which may name the booking. */
  | { kind: 'cancel'; position: number | null; hint: string }
  | { kind: 'myBookings' }
  | { kind: 'reschedule' }
  | { kind: 'services' }
  | { kind: 'registerPet' }
  | { kind: 'thanks' }
  | { kind: 'farewell' }
  | { kind: 'openingHours' };

/** A command that works from any step ("agendar", "cancelar 2", "atendente", "menu"...), or null. */
export function commandOf(text: string): MenuCommand | null {
  const folded = foldText(text);
  if (folded === '') return null;
  if (asksForHuman(text) || menuVocabulary.handoff.test(folded)) return { kind: 'handoff' };
  if (folded.length <= COMMAND_SENTENCE_MAX) {
    // "não quero cancelar" does not start a cancellation.
    const cancel = menuVocabulary.notCancel.test(folded) ? null : menuVocabulary.cancel.exec(folded);
    if (menuVocabulary.reschedule.test(folded)) return { kind: 'reschedule' };
    if (cancel !== null) {
      const hint = folded.slice(cancel.index + cancel[0].length).trim();
      return { kind: 'cancel', position: cancel[1] === undefined ? null : Number(cancel[1]), hint };
    }
    const book = menuVocabulary.book.exec(folded);
    if (book !== null) return { kind: 'book', serviceHint: folded.slice(book.index + book[0].length).trim() };
    if (menuVocabulary.registerPet.test(folded)) return { kind: 'registerPet' };
  }
  if (menuVocabulary.myBookings.test(folded)) return { kind: 'myBookings' };
  if (menuVocabulary.services.test(folded)) return { kind: 'services' };
  if (folded.length <= COMMAND_SENTENCE_MAX && menuVocabulary.servicesQuestion.test(folded)) return { kind: 'services' };
  if (folded.length <= COMMAND_SENTENCE_MAX && menuVocabulary.openingHours.test(folded)) return { kind: 'openingHours' };
  if (folded.length <= COMMAND_SENTENCE_MAX && menuVocabulary.menu.test(folded)) return { kind: 'menu' };
  // Before thanks: "valeu, até mais" takes leave.
  if (menuVocabulary.farewell.test(folded)) return { kind: 'farewell' };
  if (folded.length <= COMMAND_SENTENCE_MAX && menuVocabulary.thanks.test(folded)) return { kind: 'thanks' };
  return null;
}

/** "2", "2.", "opção 2", "nº 2" -> 2; anything else -> null. */
export function choiceNumber(text: string): number | null {
  const match = /^(?:(?:opcao|numero|n[o.º°]?|o|a)\s*)?(\d{1,3})[.)]?$/.exec(foldText(text));
  return match === null ? null : Number(match[1]);
}

/**
 * A number between 1 and `count`, or an ordinal ("o primeiro", "a última",
 * "o segundo horário"), as an index into the numbered list (0-based), or null.
 */
export function choiceIndex(text: string, count: number): number | null {
  const number = choiceNumber(text) ?? ordinalOf(text, count);
  return number !== null && number >= 1 && number <= count ? number - 1 : null;
}

/** "o primeiro" -> 1, "a última" -> `count`; "segunda", "quarta" and "quinta" alone are weekdays, not ordinals. */
function ordinalOf(text: string, count: number): number | null {
  const { ordinals, lastOrdinal, ordinalNouns } = menuVocabulary;
  const match = new RegExp(`^(?:(?:o|a) )?(\\p{L}+)(?: (?:${ordinalNouns.join('|')}))?$`, 'u').exec(foldText(text));
  if (match === null) return null;
  if (matchesAny(match[1], lastOrdinal)) return count;
  const place = ordinals.findIndex((words) => matchesAny(match[1], words));
  return place === -1 ? null : place + 1;
}

function matchesAny(folded: string, words: readonly string[]): boolean {
  return words.includes(folded);
}

/** The question a yes or no answers: confirming a booking, or cancelling one. */
export type ConfirmationStep = 'confirm_booking' | 'confirm_cancel';

/**
 * A reply to a yes/no question: true, false, 'courtesy' when it holds only
 * greetings and thanks ("Opa!", "obrigada"), or null when it says something
 * else. Every word must be one the vocabulary knows, so a sentence that goes
 * on ("sim, mas às 11h") is not read as a plain yes. The step's own verbs
 * count: "pode cancelar" is a yes to a cancellation, "não, cancela" a no to a
 * booking. A yes and a no together ("sim... não") are not an answer.
 */
export function confirmationOf(text: string, step: ConfirmationStep): boolean | 'courtesy' | null {
  const words = menuVocabulary.confirmation;
  let folded = ` ${foldText(text.replace(/👍|👌|✅/gu, ' sim ').replace(/👎|❌/gu, ' nao '))} `;
  for (const [phrase, meaning] of words.phrases) folded = folded.replaceAll(` ${phrase} `, ` ${meaning} `);
  const tokens = folded.split(' ').filter((token) => token !== '');
  if (tokens.length === 0) return null;
  const verbs = words.verbs[step];
  let plainYes = false;
  let yes = false;
  let no = false;
  for (const token of tokens) {
    if (matchesAny(token, words.plainYes)) plainYes = yes = true;
    else if (matchesAny(token, words.yes) || matchesAny(token, verbs.yes)) yes = true;
    else if (matchesAny(token, words.no) || matchesAny(token, verbs.no)) no = true;
    else if (!matchesAny(token, words.courtesy)) return null;
  }
  // "não pode", "não cancela": the no governs the verb; "sim, não" says nothing.
  if (no) return plainYes ? null : false;
  return yes ? true : 'courtesy';
}

/**
 * An answer to "Qual é o nome do seu pet?" that names no pet: a yes, a no, a
 * greeting or a filler ("sim", "ok", "pode", "não quero", "oi", "tudo bem"),
 * "não sei", a sentence ("não tenho...", "quero outro horário"), a time
 * ("15h") or the species ("cachorro", "um gato"). Read on the
 * whole message: "o nome dele é Sim" names a pet Sim.
 */
export function isNotAPetName(text: string): boolean {
  const folded = foldText(text);
  if (folded === '' || matchesAny(folded, menuVocabulary.skip) || matchesAny(folded.split(' ')[0], menuVocabulary.notBeforePetName)) return true;
  if (timeOf(text) !== null) return true;
  const species = folded.replace(/^(?:(?:e|eh) )?(?:um|uma) /, '');
  if (SPECIES.some((candidate) => matchesAny(species, menuVocabulary.species[candidate]))) return true;
  return confirmationOf(text, 'confirm_booking') !== null;
}

/** "pular", "não sei"... */
export function isSkip(text: string): boolean {
  return matchesAny(foldText(text), menuVocabulary.skip);
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
  const folded = foldText(text);
  if (folded === '') return null;
  const exact = items.filter((item) => foldText(item.name) === folded);
  if (exact.length === 1) return exact[0];
  if (exact.length > 1) return null;
  // "banho e tosa" names "Banho e tosa", not also "Banho" and "Tosa": a name found only inside a longer one found too does not count.
  const found = items.filter((item) => wholeWord(folded, foldText(item.name)));
  const named = found.filter(
    (item) => !found.some((other) => foldText(other.name) !== foldText(item.name) && wholeWord(foldText(other.name), foldText(item.name))),
  );
  if (named.length === 1) return named[0];
  if (folded.length < 3) return null;
  const partial = items.filter((item) => wholeWord(foldText(item.name), folded) || foldText(item.name).startsWith(folded));
  if (partial.length > 0) return partial.length === 1 ? partial[0] : null;
  // "consulta amanhã às 10h" names "Consulta veterinária": a longer word of the text found in one name only.
  const words = folded.split(' ').filter((word) => word.length >= NAME_WORD_MIN && /\p{L}/u.test(word));
  const byWord = items.filter((item) => words.some((word) => wholeWord(foldText(item.name), word)));
  return byWord.length === 1 ? byWord[0] : null;
}

/** "2", "gato", "é um cachorro", "cachorra 🐶": the one species named; null for none or several ("cachorro e gato"). */
export function speciesOf(text: string): Species | null {
  const position = choiceIndex(text, SPECIES.length);
  if (position !== null) return SPECIES[position];
  const words = foldText(text).split(' ');
  if (words.length > SPECIES_SENTENCE_WORDS) return null;
  const named = SPECIES.filter((species) => words.some((word) => matchesAny(word, menuVocabulary.species[species])));
  return named.length === 1 ? named[0] : null;
}

/**
 * The kind of pet a request is for, wherever the sentence says it ("banho pro
 * meu cachorro", "tosa da minha gata amanhã"): a dog or a cat, the one named;
 * null for none or both. "outro" is left out: in a sentence it is rarely a species.
 */
export function speciesMentioned(text: string): Exclude<Species, 'outro'> | null {
  const words = foldText(text).split(' ');
  const named = (['cachorro', 'gato'] as const).filter((species) => words.some((word) => matchesAny(word, menuVocabulary.species[species])));
  return named.length === 1 ? named[0] : null;
}

/**
 * A pet introduced by its kind and name in a request ("consulta para minha gata
 * Luna", "banho no meu cachorro Thor amanhã"): the word written with a capital
 * right after the kind. A lowercase word there ("meu cachorro amanhã") is not
 * taken for a name, nor a day, a time or a word that is never a name.
 */
export function petIntroduced(text: string): { name: string; species: Exclude<Species, 'outro'> } | null {
  for (const match of text.matchAll(/(?:^|[\s,])(\p{L}+)\s+(\p{Lu}\p{Ll}+)(?=$|[\s,.!?;:])/gu)) {
    const species = speciesMentioned(match[1]);
    const name = match[2];
    if (species !== null && !isNotAPetName(name) && dayOf(name, '2000-01-01') === null) return { name, species };
  }
  return null;
}

export type PetSize = (typeof PET_SIZES)[number];

export function sizeOf(text: string): PetSize | null {
  const position = choiceIndex(text, PET_SIZES.length);
  if (position !== null) return PET_SIZES[position];
  // "médio porte", "de porte médio": the size is the word besides "porte".
  const folded = foldText(text).replace(/\b(?:de\s+)?porte\b/g, ' ').replace(/\s+/g, ' ').trim();
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
 * today included), "28/11" or "28 de novembro" (this year, or next year once
 * it has passed), "28/11/2026", "28/11/26", "1º de dezembro de 2026", "dia 30"
 * (this month, or the next that has it).
 * Null when the text names no day.
 */
export function dayOf(text: string, today: string): DayAnswer | null {
  const folded = foldText(text);
  const numeric = /(?:^|[^\d/])(\d{1,2})[/-](\d{1,2})(?:[/-](\d{4}|\d{2}))?(?![\d/])/.exec(folded);
  if (numeric !== null) return dayOfMonthIn(Number(numeric[1]), Number(numeric[2]), numeric[3], today);
  const months = menuVocabulary.months.join('|');
  const written = new RegExp(`(?:^|\\s)(\\d{1,2})(?:º|o)?\\s+(?:de\\s+)?(${months})(?:\\s+(?:de\\s+)?(\\d{4}))?\\b`).exec(folded);
  if (written !== null) return dayOfMonthIn(Number(written[1]), (menuVocabulary.months as readonly string[]).indexOf(written[2]) + 1, written[3], today);
  const dayOfMonth = /(?:^|\s)dia\s+(\d{1,2})(?![\d/:h])/.exec(folded);
  if (dayOfMonth !== null) return nextDayOfMonth(Number(dayOfMonth[1]), today);
  if (menuVocabulary.dayAfterTomorrow.some((words) => wholeWord(folded, words))) return { date: addDays(today, 2) };
  if (menuVocabulary.tomorrow.some((word) => wholeWord(folded, word))) return { date: addDays(today, 1) };
  if (menuVocabulary.today.some((word) => wholeWord(folded, word))) return { date: today };
  const weekday = menuVocabulary.weekdays.findIndex((words) => words.some((word) => wholeWord(folded, word)));
  if (weekday === -1) return null;
  if (menuVocabulary.followingWeek.test(folded)) return { date: addDays(nextWeekStart(today), (weekday + 6) % 7) };
  const ahead = (weekday - weekdayOf(today) + 7) % 7;
  // On a Thursday, "quinta que vem" / "próxima quinta" is next week's, not today.
  return { date: addDays(today, ahead === 0 && menuVocabulary.nextWeek.test(folded) ? 7 : ahead) };
}

/** The Monday after `today` (YYYY-MM-DD): where "a semana que vem" starts. */
export function nextWeekStart(today: string): string {
  return addDays(today, 7 - ((weekdayOf(today) + 6) % 7));
}

/** A day and month, with the year as written (4 or 2 digits) or, without it, the next such day from today. */
function dayOfMonthIn(day: number, month: number, yearText: string | undefined, today: string): DayAnswer {
  let year = yearText === undefined ? Number(today.slice(0, 4)) : Number(yearText);
  if (yearText !== undefined && yearText.length === 2) year += 2000;
  const date = calendarDate(year, month, day);
  if (date === null) return { invalid: true };
  if (yearText === undefined && date < today) {
    const nextYear = calendarDate(year + 1, month, day);
    return nextYear === null ? { invalid: true } : { date: nextYear };
  }
  return { date };
}

/** "dia 30": that day of this month, or of the next month that has it once this month's has passed. */
function nextDayOfMonth(day: number, today: string): DayAnswer {
  if (day < 1 || day > 31) return { invalid: true };
  const [year, month] = today.split('-').map(Number);
  for (let ahead = 0; ahead < 3; ahead += 1) {
    const date = calendarDate(year + Math.floor((month - 1 + ahead) / 12), ((month - 1 + ahead) % 12) + 1, day);
    if (date !== null && date >= today) return { date };
  }
  return { invalid: true };
}

/**
 * A wall-clock time in the text, as minutes after midnight: "10h", "10h30",
 * "10:30", "10:30h", "10 horas", "às 9", "às 9 e meia", "10 e meia", "2h da tarde",
 * "8 da noite", "meio-dia". A bare number is not a time (it is a choice).
 */
export function timeOf(text: string): number | null {
  const folded = foldText(text);
  const { hourWords, beforeHour, halfPast, hourBeforeHalfPast, afternoon, hourOfPartOfDay, noon } = menuVocabulary;
  const after = hourWords.join('|');
  const written = new RegExp(
    `(?:^|[^\\d/:])(\\d{1,2})(?::(\\d{2})(?:\\s*(?:${after}))?|\\s*(?:${after})(?:\\s*(\\d{2}))?(?:\\s*min)?)(?![\\w/:])`,
  ).exec(folded);
  const led =
    written ??
    new RegExp(`(?:^|\\s)(?:${beforeHour.join('|')})\\s+(\\d{1,2})(?![\\w/:])`).exec(folded) ??
    hourOfPartOfDay.exec(folded) ??
    hourBeforeHalfPast.exec(folded);
  if (led === null) {
    const midday = noon.exec(folded);
    if (midday === null) return null;
    return folded.slice(midday.index + midday[0].length).trimStart().startsWith(halfPast) ? 12 * 60 + 30 : 12 * 60;
  }
  let hours = Number(led[1]);
  let minutes = Number(led[2] ?? led[3] ?? 0);
  if (led[2] === undefined && led[3] === undefined && folded.slice(led.index + led[0].length).trimStart().startsWith(halfPast)) minutes = 30;
  if (hours >= 1 && hours <= 11 && afternoon.test(folded)) hours += 12;
  if (hours > 23 || minutes > 59) return null;
  return hours * 60 + minutes;
}

/** Where each part of the day starts, in minutes after midnight; it ends where the next starts. */
const PART_OF_DAY_STARTS: Record<PartOfDay, number> = { manha: 0, tarde: 12 * 60, noite: 18 * 60 };

/** "amanhã à tarde", "de manhã": the part of the day asked for, when no time is written (timeOf wins). */
export function partOfDayOf(text: string): PartOfDay | null {
  if (timeOf(text) !== null) return null;
  const folded = foldText(text);
  return PARTS_OF_DAY.find((part) => menuVocabulary.partsOfDay[part].test(folded)) ?? null;
}

/** Whether a time of day (minutes after midnight) is in that part of the day. */
export function inPartOfDay(minutesOfDay: number, part: PartOfDay): boolean {
  const index = PARTS_OF_DAY.indexOf(part);
  const next = PARTS_OF_DAY[index + 1];
  return minutesOfDay >= PART_OF_DAY_STARTS[part] && (next === undefined || minutesOfDay < PART_OF_DAY_STARTS[next]);
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
