import { describe, expect, it } from 'vitest';
import { asksForHuman } from './pipeline.pt-br.js';

describe('asksForHuman', () => {
  it('recognises a customer asking for a person', () => {
    for (const text of ['atendente', 'Atendente!', 'quero falar com um atendente', 'falar com atendente por favor', 'humano', 'preciso falar com uma pessoa']) {
      expect(asksForHuman(text), text).toBe(true);
    }
  });

  it('does not hand over for sentences that only mention one', () => {
    for (const text of ['o atendente de ontem foi ótimo, quero agendar banho', 'agendar', '1', null]) {
      expect(asksForHuman(text), String(text)).toBe(false);
    }
  });
});
