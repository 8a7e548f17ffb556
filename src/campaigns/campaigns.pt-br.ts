import { foldText } from '../common/text-folding.js';

/** What customers and owners read about campaigns on WhatsApp. Brazilian Portuguese. */
export const campaignTexts = {
  /** The answer to a customer who wrote SAIR: no agent turn, just this. */
  optedOut:
    'Pronto! Você não vai mais receber nossas mensagens de promoções e campanhas. ' +
    'Se quiser falar com a gente, é só mandar uma mensagem por aqui a qualquer momento. 🙂',
} as const;

/** Short replies hold no times or dates: a dot or colon inside separates words ("Pare. de mandar"). */
const SENTENCE = { separateAtDotsAndColons: true };

/**
 * "SAIR", "sair.", "  Sáir ", "sair da lista", "quero sair da lista", and the
 * other words customers answer a campaign with ("PARAR", "pare", "stop", "não
 * quero mais receber"): the customer asks to receive no more campaigns. Only
 * the whole (short) message counts, so "vou sair mais tarde" or "pode parar o
 * banho?" in a sentence is a normal message.
 */
const OPT_OUT_REQUEST =
  /^(?:(?:(?:eu )?quero )?(?:sair|parar)(?: da lista| de receber(?: mensage(?:m|ns))?)?|pare(?: de (?:enviar|mandar)(?: mensage(?:m|ns))?)?|stop|(?:eu )?nao quero (?:mais )?receber(?: mensage(?:m|ns))?)$/;

export function asksToOptOut(text: string | null): boolean {
  return text !== null && text.length <= 40 && OPT_OUT_REQUEST.test(foldText(text, SENTENCE));
}

/**
 * The code in an owner's "CONFIRMAR K7P2QX" (also "confirmar k7p2qx", "Confirmar: K7P2QX"),
 * as typed; null when the message is not a confirmation. For the owner's agent.
 */
export function confirmationCode(text: string | null): string | null {
  if (text === null) return null;
  const match = /^confirmar\s*:?\s*([a-z0-9-]{6,8})$/.exec(foldText(text, SENTENCE));
  return match === null ? null : match[1].toUpperCase();
}
