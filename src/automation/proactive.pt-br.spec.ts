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
