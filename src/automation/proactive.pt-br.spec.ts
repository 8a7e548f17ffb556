import { describe, expect, it } from 'vitest';
import { proactiveTexts } from './proactive.pt-br.js';

describe('proactiveTexts.noShow', () => {
  const alert = { pet: 'Mel', customer: 'Bruno', phone: '+5511911110002', date: '2026-11-24', time: '11:00', today: '2026-11-24' };

  it('reads right for services of either gender (never "ao Tosa")', () => {
    expect(proactiveTexts.noShow({ ...alert, service: 'Tosa' })).toBe(
      '⚠️ *Falta:* Mel (Bruno) não veio ao horário de *Tosa* marcado para hoje às 11:00. Telefone: +5511911110002',
    );
    expect(proactiveTexts.noShow({ ...alert, service: 'Consulta veterinária', date: '2026-11-23' })).toContain(
      'não veio ao horário de *Consulta veterinária* marcado para ontem às 11:00.',
    );
  });
});

describe('proactiveTexts.dailySummary', () => {
  const summary = { date: '2026-11-24', hour: 8, today: [], openHandoffs: 0 };

  it("counts yesterday's bookings nobody marked done or no-show, instead of leaving them out", () => {
    const text = proactiveTexts.dailySummary({ ...summary, yesterday: { done: 1, revenueCents: 6000, noShow: 0, cancelled: 0, total: 4 } });
    expect(text).toContain('• 1 atendimento concluído — R$ 60,00');
    expect(text).toContain('• 3 agendamentos ainda sem baixa (nem concluídos nem falta): o faturamento só conta os concluídos');
  });

  it('says nothing of them when every booking of yesterday was marked', () => {
    const text = proactiveTexts.dailySummary({ ...summary, yesterday: { done: 2, revenueCents: 14000, noShow: 1, cancelled: 1, total: 3 } });
    expect(text).not.toContain('sem baixa');
  });
});

describe('the daily summary greeting', () => {
  const greetingAt = (hour: number) =>
    proactiveTexts.dailySummary({ date: '2026-11-24', hour, today: [], yesterday: { done: 0, revenueCents: 0, noShow: 0, cancelled: 0, total: 0 }, openHandoffs: 0 }).split(' Resumo')[0];

  it('says good night in the small hours, as a summary set for midnight goes out then', () => {
    expect([0, 4, 5, 11, 12, 17, 18, 23].map(greetingAt)).toEqual([
      '🌙 *Boa noite!*',
      '🌙 *Boa noite!*',
      '☀️ *Bom dia!*',
      '☀️ *Bom dia!*',
      '🌤️ *Boa tarde!*',
      '🌤️ *Boa tarde!*',
      '🌙 *Boa noite!*',
      '🌙 *Boa noite!*',
    ]);
  });
});
