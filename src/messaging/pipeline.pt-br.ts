/** What the inbound pipeline itself says to customers (agents keep their own texts). Brazilian Portuguese. */
export const pipelineTexts = {
  /** Sent at most once per rate-limit window, when a customer writes faster than the assistant answers. */
  slowDown: 'Recebi suas mensagens! Aguarde um instante, por favor, que já te respondo. 🙂',
  /** The customer asked for a person. */
  handoffRequested: 'Certo! Vou chamar alguém da nossa equipe para falar com você. Aguarde só um pouquinho, por favor.',
  /** The assistant failed on every retry: a person takes over rather than silence. */
  technicalProblem:
    'Desculpe, tive um problema técnico para responder agora. Já avisei nossa equipe e alguém vai falar com você em breve.',
  /** The same failure in an owner's conversation: no one else to hand it to. */
  ownerTechnicalProblem: 'Desculpe, tive um problema técnico para responder agora. Tente de novo em alguns minutos, por favor.',
} as const;

/**
 * "atendente", "quero falar com um atendente", "humano", "pessoa": the customer
 * asks for a person. Matched on the whole (short) message, so "o atendente foi
 * ótimo" in a longer sentence does not hand the chat over.
 */
const HANDOFF_REQUEST =
  /^\s*(?:(?:eu\s+)?(?:quero|queria|gostaria\s+de|preciso|posso)\s+)?(?:falar\s+com\s+)?(?:(?:um|uma|o|a)\s+)?(?:atendente|humano|pessoa(?:\s+de\s+verdade)?|atendimento\s+humano)(?:\s+por\s+favor)?\s*[.!?]*\s*$/i;

export function asksForHuman(text: string | null): boolean {
  return text !== null && text.length <= 80 && HANDOFF_REQUEST.test(text.normalize('NFC'));
}
