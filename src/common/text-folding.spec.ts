import { describe, expect, it } from 'vitest';
import { foldText } from './text-folding.js';

describe('foldText', () => {
  it('folds case, accents, spaces and the punctuation at the ends', () => {
    expect(foldText('  Amanhã!! ')).toBe('amanha');
    expect(foldText('Olá,   tudo   bem?')).toBe('ola tudo bem');
    expect(foldText('SÁBADO')).toBe('sabado');
    expect(foldText('sim…')).toBe('sim');
    expect(foldText(' Sair. ')).toBe('sair');
    expect(foldText('Não quero mais receber')).toBe('nao quero mais receber');
  });

  it('drops emoji, keycaps, skin tones and accent marks typed beside a letter', () => {
    expect(foldText('Cachorro 🐶')).toBe('cachorro');
    expect(foldText('1️⃣')).toBe('1');
    expect(foldText('Atendente 🙏🏽')).toBe('atendente');
    expect(foldText('sa´ir')).toBe('sair');
  });

  it('keeps what times, dates and choices are written with', () => {
    expect(foldText('às 10:30, dia 28/11.')).toBe('as 10:30 dia 28/11');
    expect(foldText('n. 2')).toBe('n. 2');
    expect(foldText('Confirmar: K7P2QX!')).toBe('confirmar: k7p2qx');
  });

  it('reads dots and colons inside as spaces when told to', () => {
    expect(foldText('Pare. de mandar: mensagem...', { separateAtDotsAndColons: true })).toBe('pare de mandar mensagem');
    expect(foldText('Confirmar:K7P2QX', { separateAtDotsAndColons: true })).toBe('confirmar k7p2qx');
  });
});
