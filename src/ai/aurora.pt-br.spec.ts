import { describe, expect, it } from 'vitest';
import { type AnalyticsPeriod, periodWindows, sameMomentBefore } from '../analytics/analytics-period.js';
import type { AnalyticsReport, PeriodFigures } from '../analytics/analytics.service.js';
import { auroraTexts, plainRequestOf } from './aurora.pt-br.js';

const ZONE = 'America/Sao_Paulo';
/** Tuesday 24 November 2026, 10:00 in São Paulo. */
const NOW = new Date('2026-11-24T13:00:00Z');
const TODAY = '2026-11-24';

function figures(window: PeriodFigures['window'], done: number, revenueCents: number): PeriodFigures {
  return {
    window,
    byStatus: { scheduled: 0, confirmed: 0, done, cancelled: 0, no_show: 0 },
    total: done,
    revenueCents,
    noShowRate: done === 0 ? null : 0,
    cancellationRate: done === 0 ? null : 0,
  };
}

function report(period: AnalyticsPeriod, current: [number, number], previous: [number, number], previousSoFarCents = previous[1]): AnalyticsReport {
  const windows = periodWindows(period, NOW, ZONE);
  return {
    period,
    timezone: ZONE,
    current: figures(windows.current, ...current),
    previous: figures(windows.previous, ...previous),
    previousSoFar: { until: sameMomentBefore(period, NOW, ZONE), revenueCents: previousSoFarCents },
    byService: [],
    clients: { new: 0, returning: 0 },
    busiestHours: [],
    previousDetails: { byService: [], clients: { new: 0, returning: 0 }, busiestHours: [] },
  };
}

const comparison = (text: string) => text.split('\n').find((line) => line.startsWith('Comparado'));

describe('auroraTexts.report', () => {
  it('names the period compared with its article', () => {
    expect(comparison(auroraTexts.report(report('hoje', [2, 12000], [1, 6000])))).toBe('Comparado com ontem: agendamentos +100% (1), faturamento até agora +100% (R$ 60,00 até esta hora)');
    expect(comparison(auroraTexts.report(report('semana', [2, 12000], [4, 24000])))).toMatch(/^Comparado com a semana passada: /);
    expect(comparison(auroraTexts.report(report('mes', [2, 12000], [4, 24000])))).toMatch(/^Comparado com o mês passado: /);
    expect(comparison(auroraTexts.report(report('ano', [2, 12000], [4, 24000])))).toMatch(/^Comparado com o ano passado: /);
  });

  it('says the figures themselves when the period before had none, instead of "novo (0)"', () => {
    expect(comparison(auroraTexts.report(report('mes', [3, 18000], [0, 0])))).toBe(
      'Comparado com o mês passado: agendamentos 3 contra 0, faturamento até agora R$ 180,00 contra R$ 0,00 até o mesmo dia e hora',
    );
    expect(comparison(auroraTexts.report(report('mes', [0, 0], [0, 0])))).toBe('Comparado com o mês passado: agendamentos igual (0), faturamento até agora igual (R$ 0,00 até o mesmo dia e hora)');
  });

  it("compares the revenue so far with the previous period up to the same moment, and gives that period's whole revenue", () => {
    // Tuesday: R$ 300 so far this week, R$ 250 by Tuesday last week, R$ 1.000 in the whole of last week.
    const text = auroraTexts.report(report('semana', [5, 30000], [20, 100000], 25000));
    expect(comparison(text)).toBe('Comparado com a semana passada: agendamentos -75% (20), faturamento até agora +20% (R$ 250,00 até o mesmo dia e hora)');
    expect(text.split('\n').at(-1)).toBe('Faturamento total da semana passada: R$ 1.000,00');
  });
});

describe('what Aurora says about who a campaign reaches', () => {
  it('approves with the count that gets it and who is left out, in the singular or plural', () => {
    expect(auroraTexts.campaignApproved('K7P2QX', { total: 5, reachable: 2, optedOut: 1, outsideWindow: 2 })).toBe(
      '✅ Campanha *K7P2QX* aprovada! Vou enviar para 2 clientes, com intervalo entre as mensagens. ' +
        'Ficam de fora 1 que pediu para sair e 2 que não falaram com a loja nas últimas 24 horas (regra do WhatsApp). Quem responder SAIR não recebe mais.',
    );
    expect(auroraTexts.campaignApproved('K7P2QX', { total: 1, reachable: 1, optedOut: 0, outsideWindow: 0 })).toBe(
      '✅ Campanha *K7P2QX* aprovada! Vou enviar para 1 cliente, com intervalo entre as mensagens. Quem responder SAIR não recebe mais.',
    );
  });

  it('says why nobody would get it, in one sentence each, ending once', () => {
    expect(auroraTexts.campaignUnreachable('K7P2QX', { total: 3, reachable: 0, optedOut: 2, outsideWindow: 0 })).toBe(
      'A campanha *K7P2QX* não foi aprovada: nenhum dos 3 clientes do público receberia agora: 2 pediram para não receber campanhas (responderam SAIR). Ela continua como rascunho.',
    );
    const window = auroraTexts.campaignUnreachable('K7P2QX', { total: 2, reachable: 0, optedOut: 1, outsideWindow: 1 });
    expect(window).toContain('1 pediu para não receber campanhas (respondeu SAIR); 1 não falou com a loja nas últimas 24 horas. O WhatsApp só deixa');
    expect(window).not.toContain('..');
    expect(auroraTexts.campaignUnreachable('K7P2QX', { total: 0, reachable: 0, optedOut: 0, outsideWindow: 0 })).toBe(
      'A campanha *K7P2QX* não foi aprovada: nenhum cliente está no público dela. Ela continua como rascunho.',
    );
  });
});

describe('plainRequestOf: what the answers without the model understand', () => {
  it('takes the inactive customers, with the days or months when said', () => {
    expect(plainRequestOf('clientes inativos', TODAY)).toEqual({ kind: 'inactive', days: null });
    expect(plainRequestOf('Quem sumiu há 90 dias?', TODAY)).toEqual({ kind: 'inactive', days: 90 });
    expect(plainRequestOf('clientes que não voltam há 3 meses', TODAY)).toEqual({ kind: 'inactive', days: 90 });
    expect(plainRequestOf('inativos 99999 dias', TODAY)).toEqual({ kind: 'inactive', days: 3650 });
  });

  it('takes the periods named, in the order of the reports', () => {
    expect(plainRequestOf('quanto faturei esse mês?', TODAY)).toEqual({ kind: 'figures', periods: ['mes'] });
    expect(plainRequestOf('e o ano? e a semana?', TODAY)).toEqual({ kind: 'figures', periods: ['semana', 'ano'] });
    expect(plainRequestOf('Faturamento de HOJE', TODAY)).toEqual({ kind: 'figures', periods: ['hoje'] });
  });

  it("takes a day's agenda: any question about tomorrow, or the agenda of the day named (today when none is)", () => {
    expect(plainRequestOf('quantos agendamentos amanhã?', TODAY)).toEqual({ kind: 'agenda', date: '2026-11-25' });
    expect(plainRequestOf('como está a agenda de sexta?', TODAY)).toEqual({ kind: 'agenda', date: '2026-11-27' });
    expect(plainRequestOf('quem vem 01/12?', TODAY)).toEqual({ kind: 'agenda', date: '2026-12-01' });
    expect(plainRequestOf('Agenda', TODAY)).toEqual({ kind: 'agenda', date: TODAY });
    expect(plainRequestOf('agenda de 31/02', TODAY)).toEqual({ kind: 'no-such-day' });
  });

  it('takes next week as Monday to Sunday after this one, and "agenda da semana" as the rest of this one', () => {
    // Tuesday 24/11.
    expect(plainRequestOf('quem vem na semana que vem?', TODAY)).toEqual({ kind: 'week', from: '2026-11-30', to: '2026-12-07' });
    expect(plainRequestOf('como está a próxima semana?', TODAY)).toEqual({ kind: 'week', from: '2026-11-30', to: '2026-12-07' });
    expect(plainRequestOf('agenda da semana', TODAY)).toEqual({ kind: 'week', from: TODAY, to: '2026-11-30' });
    expect(plainRequestOf('agenda de sexta da semana que vem', TODAY)).toEqual({ kind: 'agenda', date: '2026-12-04' });
    // The week's figures are still the figures.
    expect(plainRequestOf('quantos agendamentos essa semana?', TODAY)).toEqual({ kind: 'figures', periods: ['semana'] });
  });

  it('answers null to anything else, a greeting included', () => {
    expect(plainRequestOf('bom dia', TODAY)).toBeNull();
    expect(plainRequestOf('mesmo assim, obrigado', TODAY)).toBeNull();
  });
});

describe('auroraTexts.inactiveClients', () => {
  it('lists each customer with the last service, the last visit in the shop zone, pets and an opt-out', () => {
    const text = auroraTexts.inactiveClients(
      60,
      [
        { name: 'Ana', phone: '+5511981110001', lastActivityAt: new Date('2026-09-12T02:00:00Z'), lastService: 'Banho', pets: ['Rex', 'Mel'], optedOut: false },
        { name: null, phone: '+5511981110002', lastActivityAt: null, lastService: null, pets: [], optedOut: true },
      ],
      true,
      ZONE,
    );
    expect(text).toBe(
      '👥 *Clientes sem agendar nem escrever há 60 dias ou mais* (os 2 primeiros):\n' +
        '1. Ana (+5511981110001): último serviço Banho, última vez em 11/09/2026; pets: Rex, Mel\n' +
        '2. Sem nome (+5511981110002): nunca agendou (pediu para não receber campanhas)',
    );
    expect(auroraTexts.inactiveClients(90, [], false, ZONE)).toBe('Nenhum cliente está sem agendar nem escrever há 90 dias ou mais. 🎉');
  });
});

describe('auroraTexts.agenda', () => {
  const entry = (time: string, service: string, pet: string | null, customer: string | null) => ({
    bookingId: `booking-${time}`,
    startsAt: new Date(`2026-11-25T${time}:00-03:00`),
    status: 'scheduled',
    service,
    pet,
    customer,
    phone: '+5511981110001',
    priceCents: 6000,
  });

  it("names the day as the owner would and lists each booking at the shop's time", () => {
    expect(auroraTexts.agenda('2026-11-25', TODAY, [entry('09:00', 'Banho', 'Rex', 'Ana'), entry('14:30', 'Tosa', null, 'Bruno')], ZONE)).toBe(
      '📅 *Agenda de amanhã, quarta-feira, 25/11* (2 agendamentos)\n• 09:00 Banho — Rex (Ana)\n• 14:30 Tosa — Bruno',
    );
    expect(auroraTexts.agenda(TODAY, TODAY, [], ZONE)).toBe('📅 Nenhum agendamento para hoje, terça-feira, 24/11.');
    expect(auroraTexts.agenda('2026-11-27', TODAY, [], ZONE)).toBe('📅 Nenhum agendamento para sexta-feira, 27/11.');
  });

  it("lists a week's bookings day by day, leaving out the days without any", () => {
    const at = (date: string, time: string, pet: string) => ({ ...entry(time, 'Banho', pet, 'Ana'), startsAt: new Date(`${date}T${time}:00-03:00`) });
    expect(auroraTexts.weekAgenda('2026-11-30', '2026-12-07', TODAY, [at('2026-11-30', '09:00', 'Rex'), at('2026-12-04', '22:30', 'Mel')], ZONE)).toBe(
      '🗓️ *Agenda da próxima semana* (segunda-feira, 30/11 a domingo, 06/12): 2 agendamentos\n\n' +
        '📅 *Agenda de segunda-feira, 30/11* (1 agendamento)\n• 09:00 Banho — Rex (Ana)\n\n' +
        '📅 *Agenda de sexta-feira, 04/12* (1 agendamento)\n• 22:30 Banho — Mel (Ana)',
    );
    expect(auroraTexts.weekAgenda(TODAY, '2026-11-30', TODAY, [], ZONE)).toBe(
      '📅 Nenhum agendamento no resto desta semana (terça-feira, 24/11 a domingo, 29/11).',
    );
  });
});
