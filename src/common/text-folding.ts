/**
 * How customers' words are compared with the words the assistants know: the
 * one folding of text for the offline menu, the campaign opt-out and the
 * owner's confirmation code.
 */

/** Emoji, their skin tones, keycaps and joiners: "1️⃣" is "1", "Cachorro 🐶" is "Cachorro". */
export const PICTOGRAPHS = /[\p{Extended_Pictographic}\p{Emoji_Modifier}\u{FE0F}\u{20E3}\u{200D}]/gu;

/**
 * After NFD, the combining accents; also the spacing accent marks (´ ` ^ ¨)
 * some keyboards leave beside a letter.
 */
const ACCENTS = /[\p{Diacritic}\u0300-\u036f]/gu;

export interface FoldOptions {
  /**
   * Dots and colons inside read as spaces too ("sair. da lista" -> "sair da
   * lista"), for texts that hold no times, dates or numbered choices.
   */
  separateAtDotsAndColons?: boolean;
}

/**
 * Lower case, accents and emoji removed, commas and the like inside read as
 * spaces, spaces collapsed, punctuation at the ends dropped: "Amanhã!" ->
 * "amanha", "Sim, pode 👍" -> "sim pode", "SAIR." -> "sair". Dots, colons,
 * slashes and hyphens inside stay unless told otherwise: they belong to
 * "n. 2", "10:30" and "28/11".
 */
export function foldText(text: string, { separateAtDotsAndColons = false }: FoldOptions = {}): string {
  return text
    .normalize('NFD')
    .replace(ACCENTS, '')
    .replace(PICTOGRAPHS, ' ')
    .toLowerCase()
    .replace(separateAtDotsAndColons ? /[,;!?….:]+/g : /[,;!?…]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[\s.:]+$/, '')
    .replace(/^[\s.:]+/, '');
}
