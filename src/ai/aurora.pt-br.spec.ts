import { describe, expect, it } from 'vitest';
import { type AnalyticsPeriod, periodWindows } from '../analytics/analytics-period.js';
import type { AnalyticsReport, PeriodFigures } from '../analytics/analytics.service.js';
import { auroraTexts } from './aurora.pt-br.js';

const ZONE = 'America/Sao_Paulo';
/** Tuesday 24 November 2026, 10:00 in São Paulo. */
const NOW = new Date('2026-11-24T13:00:00Z');

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

function report(period: AnalyticsPeriod, current: [number, number], previous: [number, number]): AnalyticsReport {
  const windows = periodWindows(period, NOW, ZONE);
  return {
    period,
    timezone: ZONE,
    current: figures(windows.current, ...current),
    previous: figures(windows.previous, ...previous),
    byService: [],
    clients: { new: 0, returning: 0 },
    busiestHours: [],
  };
}

const comparison = (text: string) => text.split('\n').at(-1);

describe('auroraTexts.report', () => {
  it('names the period compared with its article', () => {
    expect(comparison(auroraTexts.report(report('hoje', [2, 12000], [1, 6000])))).toBe('Comparado com ontem: agendamentos +100% (1), faturamento +100% (R$ 60,00)');
    expect(comparison(auroraTexts.report(report('semana', [2, 12000], [4, 24000])))).toMatch(/^Comparado com a semana passada: /);
    expect(comparison(auroraTexts.report(report('mes', [2, 12000], [4, 24000])))).toMatch(/^Comparado com o mês passado: /);
    expect(comparison(auroraTexts.report(report('ano', [2, 12000], [4, 24000])))).toMatch(/^Comparado com o ano passado: /);
  });

  it('says the figures themselves when the period before had none, instead of "novo (0)"', () => {
    expect(comparison(auroraTexts.report(report('mes', [3, 18000], [0, 0])))).toBe(
      'Comparado com o mês passado: agendamentos 3 contra 0, faturamento R$ 180,00 contra R$ 0,00',
    );
    expect(comparison(auroraTexts.report(report('mes', [0, 0], [0, 0])))).toBe('Comparado com o mês passado: agendamentos igual (0), faturamento igual (R$ 0,00)');
  });
});
