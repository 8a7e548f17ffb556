import { describe, expect, it } from 'vitest';
import { asksToOptOut, confirmationCode } from './campaigns.pt-br.js';

describe('asksToOptOut', () => {
  it('matches SAIR however it is written, and "sair da lista"', () => {
    for (const text of ['SAIR', 'sair', ' Sair. ', 'SAÍR!', 'sáir', 'sair da lista', 'Quero sair da lista', 'eu quero sair']) {
      expect(asksToOptOut(text), text).toBe(true);
    }
  });

  it('matches the other ways customers answer a campaign to stop it: PARAR, pare, stop, não quero mais receber', () => {
    for (const text of ['PARAR', 'parar', 'Parar.', 'quero parar', 'parar de receber', 'Pare', 'pare de mandar mensagem', 'STOP', 'Não quero mais receber', 'nao quero receber mensagens']) {
      expect(asksToOptOut(text), text).toBe(true);
    }
  });

  it('matches them with an emoji or an ellipsis around them', () => {
    for (const text of ['SAIR 👋', 'sair…', 'Parar 🙏🏽', '🛑 stop']) expect(asksToOptOut(text), text).toBe(true);
  });

  it('leaves ordinary messages that mention leaving to the assistant', () => {
    for (const text of ['vou sair mais tarde', 'a que horas posso sair com o Rex?', 'saída', 'sair com o cachorro', 'pode parar o banho?', 'parar de latir', 'não quero mais receber o banho', '', null]) {
      expect(asksToOptOut(text), String(text)).toBe(false);
    }
  });
});

describe('confirmationCode', () => {
  it('reads the code of an owner confirmation', () => {
    expect(confirmationCode('CONFIRMAR K7P2QX')).toBe('K7P2QX');
    expect(confirmationCode('confirmar k7p2qx')).toBe('K7P2QX');
    expect(confirmationCode(' Confirmar: K7P2QX! ')).toBe('K7P2QX');
    expect(confirmationCode('Confirmar. k7p2qx')).toBe('K7P2QX');
    expect(confirmationCode('CONFIRMAR K7P2QX ✅')).toBe('K7P2QX');
  });

  it('is null for anything else', () => {
    for (const text of ['confirmar', 'confirmar o horário de amanhã', 'K7P2QX', null]) expect(confirmationCode(text), String(text)).toBeNull();
  });
});
