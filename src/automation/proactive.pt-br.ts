import { formatDay, formatPrice } from '../ai/offline-menu.pt-br.js';
import { addDays, weekdayOf } from '../booking/zoned-time.js';

/**
 * Everything Aurora tells the owner on her own, in Brazilian Portuguese, with
 * WhatsApp formatting (*bold*). Inputs are already in the shop's clock: dates
 * as YYYY-MM-DD, times as "09:00".
 */

export interface SummaryBooking {
  time: string;
  service: string;
  pet: string | null;
  customer: string | null;
}

export interface SummaryInput {
  /** The shop's date the summary is about. */
  date: string;
  /** The hour of the shop's clock it goes out at (for the greeting). */
  hour: number;
  today: SummaryBooking[];
  yesterday: { done: number; revenueCents: number; noShow: number; cancelled: number; total: number };
  openHandoffs: number;
}

export interface AlertInput {
  service: string;
  pet: string | null;
  customer: string | null;
  phone: string;
  /** The booking's date and time on the shop's clock. */
  date: string;
  time: string;
  /** The shop's date today, to say "hoje" and "amanhã". */
  today: string;
}

export interface BirthdayInput {
  pet: string;
  species: string;
  customer: string | null;
  years: number | null;
}

const plural = (count: number, one: string, many: string) => `${count} ${count === 1 ? one : many}`;

/** "2026-11-26" -> "quinta-feira, 26/11": no year, even for a date in the next one, as these texts have always read. */
export function dayLabel(date: string): string {
  const [year, month, day] = date.split('-').map(Number);
  return formatDay({ weekday: weekdayOf(date), day, month, year, withYear: false });
}

function whenLabel(date: string, time: string, today: string): string {
  if (date === today) return `hoje às ${time}`;
  if (date === addDays(today, 1)) return `amanhã às ${time}`;
  if (date === addDays(today, -1)) return `ontem às ${time}`;
  return `${dayLabel(date)} às ${time}`;
}

/** "Rex (Ana)", "Rex", "Ana" or "cliente" */
function whoLabel(pet: string | null, customer: string | null): string {
  if (pet !== null && customer !== null) return `${pet} (${customer})`;
  return pet ?? customer ?? 'cliente';
}

/**
 * A day's bookings as the owner reads them, in the daily summary and in
 * Aurora's plain answer: "📅 *Agenda de hoje* (2 agendamentos)" and a line per
 * booking ("• 10:00 Banho — Rex (Ana)"). `day` names the day ("hoje").
 */
export function agendaLines(day: string, bookings: SummaryBooking[]): string[] {
  if (bookings.length === 0) return [`📅 Nenhum agendamento para ${day}.`];
  return [
    `📅 *Agenda de ${day}* (${plural(bookings.length, 'agendamento', 'agendamentos')})`,
    ...bookings.map((booking) => `• ${booking.time} ${booking.service} — ${whoLabel(booking.pet, booking.customer)}`),
  ];
}

/** The owner may choose any hour (0-23): at 02:00 "Bom dia!" reads wrong in Brazil, where it is still "boa noite". */
function greeting(hour: number): string {
  if (hour < 5) return '🌙 *Boa noite!*';
  if (hour < 12) return '☀️ *Bom dia!*';
  if (hour < 18) return '🌤️ *Boa tarde!*';
  return '🌙 *Boa noite!*';
}

export const proactiveTexts = {
  dailySummary(input: SummaryInput): string {
    const lines = [`${greeting(input.hour)} Resumo de ${dayLabel(input.date)}`, ''];
    lines.push(...agendaLines('hoje', input.today), '');
    const { yesterday } = input;
    if (yesterday.total === 0 && yesterday.cancelled === 0) {
      lines.push('📊 Ontem não houve agendamentos.');
    } else {
      lines.push('📊 *Ontem*');
      lines.push(`• ${plural(yesterday.done, 'atendimento concluído', 'atendimentos concluídos')} — ${formatPrice(yesterday.revenueCents)}`);
      lines.push(`• ${plural(yesterday.noShow, 'falta', 'faltas')} · ${plural(yesterday.cancelled, 'cancelamento', 'cancelamentos')}`);
      // Bookings still scheduled or confirmed: left out, a day of work would read as "0 concluídos — R$ 0,00".
      const unmarked = yesterday.total - yesterday.done - yesterday.noShow;
      if (unmarked > 0) {
        lines.push(
          `• ${plural(unmarked, 'agendamento ainda sem baixa (nem concluído nem falta)', 'agendamentos ainda sem baixa (nem concluídos nem falta)')}: o faturamento só conta os concluídos`,
        );
      }
    }
    lines.push('');
    lines.push(
      input.openHandoffs === 0
        ? '✅ Nenhuma conversa esperando atendimento.'
        : `💬 *${plural(input.openHandoffs, 'conversa', 'conversas')}* esperando atendimento humano.`,
    );
    return lines.join('\n');
  },

  noShow(input: AlertInput): string {
    // "ao horário de": the service's name is the shop's, of either gender ("ao Banho" reads, "ao Tosa" does not).
    return `⚠️ *Falta:* ${whoLabel(input.pet, input.customer)} não veio ao horário de *${input.service}* marcado para ${whenLabel(input.date, input.time, input.today)}. Telefone: ${input.phone}`;
  },

  cancellation(input: AlertInput): string {
    return (
      `❌ *Agendamento cancelado:* *${input.service}* de ${whoLabel(input.pet, input.customer)}, ` +
      `${whenLabel(input.date, input.time, input.today)}. O horário ficou livre. Telefone: ${input.phone}`
    );
  },

  birthdays(pets: BirthdayInput[]): string {
    const lines = [pets.length === 1 ? '🎂 *Aniversariante de hoje*' : '🎂 *Aniversariantes de hoje*'];
    for (const pet of pets) {
      const owner = pet.customer === null ? '' : ` de ${pet.customer}`;
      const age = pet.years === null ? '' : ` faz ${plural(pet.years, 'ano', 'anos')}`;
      lines.push(`• *${pet.pet}* (${pet.species}${owner})${age}`);
    }
    lines.push('', 'Que tal mandar os parabéns? 🐾');
    return lines.join('\n');
  },

  milestone(count: number): string {
    return `🎉 *${count.toLocaleString('pt-BR')} agendamentos!* A loja chegou ao ${count.toLocaleString('pt-BR')}º agendamento. Parabéns pelo trabalho! 🥳`;
  },
};
