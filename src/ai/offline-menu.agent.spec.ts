import { describe, expect, it } from 'vitest';
import { InvalidSlotException, SlotTakenException } from '../booking/booking.exceptions.js';
import type { BookingRow } from '../booking/bookings.repository.js';
import type { BookingsService, NewBooking } from '../booking/bookings.service.js';
import { addDays, formatInZone, localDate, minutesOf, weekdayOf, zonedInstant } from '../booking/zoned-time.js';
import type { ContactsService } from '../contacts/contacts.service.js';
import type { BusinessHours, MessageType } from '../database/schema.js';
import type { AgentContext, AgentReply } from '../messaging/conversation-agent.js';
import { OfflineMenuAgent } from './offline-menu.agent.js';

const SAO_PAULO = 'America/Sao_Paulo';
// Thursday 26 November 2026, 09:00 in São Paulo.
const NOW = new Date('2026-11-26T12:00:00Z');
const at = (date: string, clock: string) => zonedInstant(date, Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3)), SAO_PAULO);

const BANHO = { id: 'service-banho', name: 'Banho', durationMin: 60, priceCents: 6000 };
const TOSA = { id: 'service-tosa', name: 'Tosa', durationMin: 90, priceCents: 8000 };
const REX = { id: 'pet-rex', name: 'Rex', species: 'cachorro', breed: null, size: null };

/** Thursdays and Fridays, 08:00 to 18:00. */
const THURSDAY_AND_FRIDAY: BusinessHours = { '4': { open: '08:00', close: '18:00' }, '5': { open: '08:00', close: '18:00' } };

/**
 * A booking domain in memory: every half hour from 08:00 to 17:00 within the
 * day's hours (the service ending by closing, outside breaks) is free unless
 * booked or listed in `taken`.
 */
class FakeBookings {
  readonly rows: BookingRow[] = [];
  readonly taken = new Set<string>();

  constructor(
    private readonly businessHours: BusinessHours,
    /** Times sooner than this after the clock's now are not offered nor booked, as the real rules' minimum notice. */
    private readonly minimumNoticeMin = 0,
    private readonly clock = { now: NOW },
  ) {}

  private soonest(): number {
    return this.clock.now.getTime() + this.minimumNoticeMin * 60_000;
  }

  async availability(_organizationId: string, serviceId: string, date: string) {
    const hours = this.businessHours[String(weekdayOf(date)) as keyof BusinessHours];
    const durationMin = serviceId === TOSA.id ? TOSA.durationMin : BANHO.durationMin;
    const slots = [];
    for (let minutes = 8 * 60; hours !== undefined && minutes <= 17 * 60; minutes += 30) {
      const start = zonedInstant(date, minutes, SAO_PAULO);
      const withinHours =
        minutes >= minutesOf(hours.open) &&
        minutes + durationMin <= minutesOf(hours.close) &&
        !(hours.breaks ?? []).some((pause) => minutes < minutesOf(pause.end) && minutes + durationMin > minutesOf(pause.start));
      const noticed = start.getTime() >= this.soonest();
      if (withinHours && noticed && this.isFree(start)) slots.push({ start, end: new Date(start.getTime() + 3600_000), resourceIds: ['groomer'] });
    }
    return { service: { id: serviceId }, timezone: SAO_PAULO, slots };
  }

  /** The first three free times from the day of `from` on, as the real rules offer them. */
  async nextFreeSlots(organizationId: string, serviceId: string, from: Date) {
    const slots = [];
    for (let day = 0; day < 14 && slots.length < 3; day += 1) {
      const date = addDays(localDate(from, SAO_PAULO), day);
      slots.push(...(await this.availability(organizationId, serviceId, date)).slots.filter((slot) => slot.start >= from));
    }
    return { service: { id: serviceId }, timezone: SAO_PAULO, slots: slots.slice(0, 3) };
  }

  async create(organizationId: string, input: NewBooking): Promise<BookingRow> {
    if (input.startsAt.getTime() < this.soonest()) {
      const next = new Date(this.soonest() + 3600_000);
      throw new InvalidSlotException(`Bookings need at least ${this.minimumNoticeMin} minutes of notice`, [
        { start: formatInZone(next, SAO_PAULO), end: formatInZone(next, SAO_PAULO), resourceIds: ['groomer'] },
      ]);
    }
    if (!this.isFree(input.startsAt)) {
      const next = [1, 2].map((hours) => new Date(input.startsAt.getTime() + hours * 3600_000));
      throw new SlotTakenException(
        next.map((start) => ({ start: formatInZone(start, SAO_PAULO), end: formatInZone(start, SAO_PAULO), resourceIds: ['groomer'] })),
      );
    }
    const row = {
      id: `booking-${this.rows.length + 1}`,
      organizationId,
      contactId: input.contactId,
      petId: input.petId ?? null,
      serviceId: input.serviceId,
      resourceId: 'groomer',
      during: { start: input.startsAt, end: new Date(input.startsAt.getTime() + 3600_000) },
      status: 'scheduled',
      priceCents: input.serviceId === TOSA.id ? TOSA.priceCents : BANHO.priceCents,
      notes: null,
    } as BookingRow;
    this.rows.push(row);
    return row;
  }

  async list(_organizationId: string, filter: { contactId?: string }) {
    return this.rows.filter((row) => row.contactId === filter.contactId);
  }

  async get(_organizationId: string, id: string) {
    const row = this.rows.find((candidate) => candidate.id === id);
    if (row === undefined) throw new Error('not found');
    return row;
  }

  async changeStatus(_organizationId: string, id: string, status: BookingRow['status']) {
    const row = await this.get(_organizationId, id);
    row.status = status;
    return row;
  }

  private isFree(start: Date): boolean {
    return !this.taken.has(start.toISOString()) && !this.rows.some((row) => row.status === 'scheduled' && row.during.start.getTime() === start.getTime());
  }
}

class FakeContacts {
  readonly pets: AgentContext['pets'] = [];

  async createPet(_organizationId: string, pet: { name: string; species: string; size?: string | null }) {
    const created = { id: `pet-${this.pets.length + 1}`, name: pet.name, species: pet.species, breed: null, size: pet.size ?? null };
    this.pets.push(created);
    return created;
  }
}

function setup(pets: AgentContext['pets'] = [REX], businessHours: BusinessHours = THURSDAY_AND_FRIDAY, minimumNoticeMin = 0) {
  /** The turns' instant, which a test may move on between messages. */
  const clock = { now: NOW };
  const bookings = new FakeBookings(businessHours, minimumNoticeMin, clock);
  const contacts = new FakeContacts();
  const agent = new OfflineMenuAgent(bookings as unknown as BookingsService, contacts as unknown as ContactsService);
  let state: Record<string, unknown> | null = null;
  /** A text, a captionless image (null), or any other message as WhatsApp's type and text. */
  const send = async (...texts: (string | null | { type: MessageType; text: string })[]): Promise<AgentReply> => {
    const reply = await agent.respond({
      context: {
        now: clock.now,
        organization: { id: 'org', name: 'Pet Shop Aurora', timezone: SAO_PAULO, businessHours, minimumNoticeMin },
        contact: { id: 'contact-ana', phone: '+5511987654321', name: 'Ana' },
        conversation: { id: 'conversation', agentState: state },
        services: [BANHO, TOSA],
        pets: [...pets, ...contacts.pets],
        upcomingBookings: [],
        history: [],
      },
      messages: texts.map((text, index) => ({
        id: `m${index}`,
        ...(text === null ? { type: 'image' as const, text } : typeof text === 'string' ? { type: 'text' as const, text } : text),
        receivedAt: clock.now,
      })),
    });
    if (reply.agentState !== undefined) state = reply.agentState;
    return reply;
  };
  return { agent, bookings, contacts, send, state: () => state, clock };
}

const textOf = (reply: AgentReply) => {
  expect(reply.texts).toHaveLength(1);
  return reply.texts[0];
};

describe('OfflineMenuAgent', () => {
  it('greets with the shop name and the numbered menu', async () => {
    const { send, state } = setup();
    const text = textOf(await send('Oi'));
    expect(text).toBe(
      'Olá! 👋 Bem-vindo(a) ao atendimento virtual de *Pet Shop Aurora*.\n\n' +
        'Como posso ajudar? Responda com o número da opção:\n1. Serviços e preços\n2. Agendar\n3. Meus agendamentos\n4. Cadastrar pet\n5. Falar com atendente',
    );
    expect(state()).toEqual({ agent: 'offline-menu', step: 'main' });
  });

  it('books in the shop zone and states the booking as stored', async () => {
    const { send, bookings, state } = setup();
    await send('menu');
    expect(textOf(await send('1'))).toContain('1. Banho — R$ 60,00 (1h)\n2. Tosa — R$ 80,00 (1h30)');
    expect(textOf(await send('1'))).toContain('*Banho*, ótimo! Para qual dia?');
    const slots = textOf(await send('sexta'));
    expect(slots).toContain('Horários livres para *Banho* na sexta-feira, 27/11:');
    // 19 free times, 8 shown spread over the day.
    expect(slots).toContain('1. 08:00\n');
    expect(slots).toContain('8. 17:00\n');
    expect(slots).toContain('outros horários livres do dia também valem');
    expect(state()).toMatchObject({ step: 'choose_slot', booking: { serviceId: BANHO.id, date: '2026-11-27' } });
    // Not one of the eight shown, but free: any free time of the day can be typed.
    expect(textOf(await send('10h30'))).toBe('Para qual pet?\n1. Rex\n2. Cadastrar outro pet\n\nResponda com o número ou o nome do pet.');
    expect(textOf(await send('1'))).toBe('Confirma *Banho* (R$ 60,00) para *Rex* na sexta-feira, 27/11, às 10:30? (sim/não)');
    expect(textOf(await send('Sim!'))).toBe('Agendado! ✅ *Banho* para *Rex* na sexta-feira, 27/11, às 10:30. Valor: R$ 60,00. Até lá!');
    expect(bookings.rows).toHaveLength(1);
    expect(bookings.rows[0]).toMatchObject({ serviceId: BANHO.id, petId: REX.id, contactId: 'contact-ana' });
    expect(bookings.rows[0].during.start).toEqual(at('2026-11-27', '10:30'));
    expect(state()).toEqual({ agent: 'offline-menu', step: 'main' });
  });

  it('keeps the day and time written with the service chosen from the list', async () => {
    const { send, state } = setup();
    await send('agendar');
    expect(textOf(await send('banho sexta às 10h'))).toBe('Para qual pet?\n1. Rex\n2. Cadastrar outro pet\n\nResponda com o número ou o nome do pet.');
    expect(state()).toMatchObject({ step: 'choose_pet', booking: { serviceId: BANHO.id, startsAt: at('2026-11-27', '10:00').toISOString() } });
    await send('agendar');
    expect(textOf(await send('Tosa, amanhã'))).toContain('Horários livres para *Tosa* na sexta-feira, 27/11:');
  });

  it('takes a yes at "Para qual pet?" as the one pet offered', async () => {
    const { send } = setup();
    await send('agendar');
    expect(textOf(await send('banho sexta às 10h'))).toContain('Para qual pet?\n1. Rex\n2. Cadastrar outro pet');
    expect(textOf(await send('sim, pode ser'))).toBe('Confirma *Banho* (R$ 60,00) para *Rex* na sexta-feira, 27/11, às 10:00? (sim/não)');
  });

  it('reads "10 e meia" as a time, not as the first time of the list', async () => {
    const { send } = setup();
    await send('oi');
    expect(textOf(await send('agendar banho sexta 10 e meia'))).toContain('Para qual pet?');
    expect(textOf(await send('1'))).toBe('Confirma *Banho* (R$ 60,00) para *Rex* na sexta-feira, 27/11, às 10:30? (sim/não)');
  });

  it('shows the free times of the part of the day asked for ("à tarde", "de manhã")', async () => {
    const { send, state } = setup();
    await send('oi');
    const afternoon = textOf(await send('agendar banho amanhã à tarde'));
    expect(afternoon).toMatch(/^Horários livres para \*Banho\* na sexta-feira, 27\/11, à tarde:\n1\. 12:00\n/);
    expect(afternoon).toContain('8. 17:00\n');
    expect(afternoon).not.toContain('08:00');
    expect(textOf(await send('de manhã'))).toMatch(/^Horários livres para \*Banho\* na sexta-feira, 27\/11, de manhã:\n1\. 08:00\n[^]*8\. 11:30\n/);
    expect(textOf(await send('à noite'))).toMatch(/^Não há horários livres à noite na sexta-feira, 27\/11\.\n\nHorários livres para \*Banho\* na sexta-feira, 27\/11:\n1\. 08:00/);
    await send('agendar');
    await send('tosa');
    expect(textOf(await send('sexta de tarde'))).toContain('Horários livres para *Tosa* na sexta-feira, 27/11, à tarde:\n1. 12:00');
    expect(textOf(await send('1'))).toContain('Para qual pet?');
    expect(state()).toMatchObject({ booking: { startsAt: at('2026-11-27', '12:00').toISOString() } });
  });

  it("answers when the shop is open with the week's hours, keeping a booking under way", async () => {
    const { send, state } = setup([REX], { ...THURSDAY_AND_FRIDAY, '1': { open: '08:00', close: '18:00', breaks: [{ start: '12:00', end: '13:00' }] }, '6': { open: '08:00', close: '12:00' } });
    const hours =
      'Nosso horário de atendimento:\nsegunda: 08:00 às 18:00 (pausa das 12:00 às 13:00)\nterça e quarta: fechado\n' +
      'quinta e sexta: 08:00 às 18:00\nsábado: 08:00 às 12:00\ndomingo: fechado\n\n';
    expect(textOf(await send('qual o horário de funcionamento?'))).toBe(
      `Olá! 👋 Bem-vindo(a) ao atendimento virtual de *Pet Shop Aurora*.\n\n${hours}Escreva *agendar* para marcar um horário ou *menu* para ver as opções.`,
    );
    await send('agendar tosa');
    expect(textOf(await send('vocês abrem sábado?'))).toBe(
      `${hours}Responda com o dia: *hoje*, *amanhã*, um dia da semana (ex.: *sexta*) ou uma data (ex.: *28/11*). Ou escreva *menu*.`,
    );
    expect(state()).toMatchObject({ step: 'choose_day', booking: { serviceId: TOSA.id } });
    // A shop that asks for notice says how much, under its hours.
    const withNotice = setup([REX], THURSDAY_AND_FRIDAY, 120);
    expect(textOf(await withNotice.send('qual o horário de funcionamento?'))).toContain(
      'sábado e domingo: fechado\nAgendamentos com pelo menos 2h de antecedência.\n\nEscreva *agendar*',
    );
  });

  it('takes "o primeiro" or "a última" from a list as its place in it', async () => {
    const { send } = setup();
    await send('oi');
    await send('agendar banho sexta');
    expect(textOf(await send('o último'))).toContain('Para qual pet?');
    expect(textOf(await send('o primeiro'))).toBe('Confirma *Banho* (R$ 60,00) para *Rex* na sexta-feira, 27/11, às 17:00? (sim/não)');
  });

  it('on a Thursday, reads "quinta que vem" as next Thursday, not today', async () => {
    const { send } = setup();
    await send('oi');
    expect(textOf(await send('agendar banho quinta que vem'))).toContain('Horários livres para *Banho* na quinta-feira, 03/12:');
  });

  it('reads a date with the month by name ("3 de dezembro")', async () => {
    const { send } = setup();
    await send('oi');
    await send('agendar banho');
    expect(textOf(await send('3 de dezembro às 10h'))).toContain('Para qual pet?');
    expect(textOf(await send('rex'))).toBe('Confirma *Banho* (R$ 60,00) para *Rex* na quinta-feira, 03/12, às 10:00? (sim/não)');
  });

  it('takes the pet named with the service rather than asking for it again', async () => {
    const MEL = { id: 'pet-mel', name: 'Mel', species: 'gato', breed: null, size: null };
    const { send, state } = setup([REX, MEL]);
    await send('oi');
    expect(textOf(await send('quero agendar banho pra Mel amanhã às 15h'))).toBe(
      'Confirma *Banho* (R$ 60,00) para *Mel* na sexta-feira, 27/11, às 15:00? (sim/não)',
    );
    await send('não');
    await send('agendar');
    expect(textOf(await send('tosa do rex'))).toContain('*Tosa*, ótimo! Para qual dia?');
    expect(textOf(await send('sexta 10h'))).toBe('Confirma *Tosa* (R$ 80,00) para *Rex* na sexta-feira, 27/11, às 10:00? (sim/não)');
    expect(state()).toMatchObject({ step: 'confirm_booking', booking: { petId: REX.id } });
    // Both named: one after the other.
    await send('não');
    expect(textOf(await send('agendar banho pra Mel e Rex sexta 14h'))).toBe(
      'Confirma *Banho* (R$ 60,00) para *Rex* na sexta-feira, 27/11, às 14:00? (sim/não)',
    );
    expect(textOf(await send('sim'))).toContain('Agora vamos marcar para *Mel*.\n\nHorários livres para *Banho* na sexta-feira, 27/11:');
  });

  it('follows a change of mind in the middle of a booking, keeping what still fits', async () => {
    const { send, state, bookings } = setup([REX, { id: 'pet-mel', name: 'Mel', species: 'gato', breed: null, size: null }]);
    await send('agendar banho');
    expect(textOf(await send('Na verdade quero tosa'))).toContain('*Tosa*, ótimo! Para qual dia?');
    await send('agendar banho sexta');
    // Another service: the same day's free times for it.
    expect(textOf(await send('na verdade quero tosa'))).toContain('Horários livres para *Tosa* na sexta-feira, 27/11:');
    expect(state()).toMatchObject({ step: 'choose_slot', booking: { serviceId: TOSA.id, date: '2026-11-27' } });
    expect(textOf(await send('outro dia'))).toContain('*Tosa*, ótimo! Para qual dia?');
    await send('sexta 10h');
    expect(textOf(await send('rex'))).toBe('Confirma *Tosa* (R$ 80,00) para *Rex* na sexta-feira, 27/11, às 10:00? (sim/não)');
    // At the confirmation: another time, another pet, another service; the rest is kept.
    expect(textOf(await send('não, pode ser às 11h?'))).toBe('Confirma *Tosa* (R$ 80,00) para *Rex* na sexta-feira, 27/11, às 11:00? (sim/não)');
    expect(textOf(await send('é pra Mel'))).toBe('Confirma *Tosa* (R$ 80,00) para *Mel* na sexta-feira, 27/11, às 11:00? (sim/não)');
    expect(textOf(await send('na verdade quero banho às 11h'))).toBe('Confirma *Banho* (R$ 60,00) para *Mel* na sexta-feira, 27/11, às 11:00? (sim/não)');
    expect(textOf(await send('outro horário'))).toContain('Horários livres para *Banho* na sexta-feira, 27/11:');
    expect(state()).toMatchObject({ step: 'choose_slot', booking: { serviceId: BANHO.id, petId: 'pet-mel' } });
    expect(textOf(await send('14h'))).toBe('Confirma *Banho* (R$ 60,00) para *Mel* na sexta-feira, 27/11, às 14:00? (sim/não)');
    // Another day only: the same time on it.
    expect(textOf(await send('pode ser dia 3?'))).toBe('Confirma *Banho* (R$ 60,00) para *Mel* na quinta-feira, 03/12, às 14:00? (sim/não)');
    expect(textOf(await send('sexta'))).toBe('Confirma *Banho* (R$ 60,00) para *Mel* na sexta-feira, 27/11, às 14:00? (sim/não)');
    expect(textOf(await send('sim'))).toContain('Agendado! ✅ *Banho* para *Mel* na sexta-feira, 27/11, às 14:00.');
    expect(bookings.rows).toEqual([expect.objectContaining({ serviceId: BANHO.id, petId: 'pet-mel', during: expect.objectContaining({ start: at('2026-11-27', '14:00') }) })]);
  });

  it('does not go on with a time that passed while the customer was away', async () => {
    const { agent } = setup();
    const turn = (agentState: Record<string, unknown>, text: string) =>
      agent.respond({
        context: {
          now: NOW,
          organization: { id: 'org', name: 'Pet Shop Aurora', timezone: SAO_PAULO, businessHours: { '3': { open: '08:00', close: '18:00' }, '4': { open: '08:00', close: '18:00' } }, minimumNoticeMin: 0 },
          contact: { id: 'contact-ana', phone: '+5511987654321', name: 'Ana' },
          conversation: { id: 'conversation', agentState },
          services: [BANHO],
          pets: [REX],
          upcomingBookings: [],
          history: [],
        },
        messages: [{ id: 'm', type: 'text', text, receivedAt: NOW }],
      });
    // Shown at 07:00 today, answered at 09:00: 08:00 has passed.
    const earlierToday = {
      agent: 'offline-menu',
      step: 'choose_slot',
      booking: { serviceId: BANHO.id, date: '2026-11-26' },
      offeredSlots: [at('2026-11-26', '08:00').toISOString(), at('2026-11-26', '14:00').toISOString()],
    };
    const passed = await turn(earlierToday, '1');
    expect(textOf(passed)).toMatch(/^Esse horário já passou\.\n\nHorários livres para \*Banho\* na quinta-feira, 26\/11:/);
    expect(passed.agentState).toMatchObject({ step: 'choose_slot', booking: { date: '2026-11-26' } });
    expect(passed.agentState).not.toHaveProperty('booking.startsAt');
    // Shown yesterday, answered today: the day itself has passed, whether a number or a time is answered.
    const yesterday = {
      agent: 'offline-menu',
      step: 'choose_slot',
      booking: { serviceId: BANHO.id, date: '2026-11-25', petId: REX.id },
      offeredSlots: [at('2026-11-25', '14:00').toISOString()],
    };
    for (const answer of ['1', '14h']) {
      const reply = await turn(yesterday, answer);
      expect(textOf(reply)).toBe('Essa data já passou. Para qual dia? Responda *hoje*, *amanhã*, um dia da semana ou uma data (ex.: *28/11*).');
      expect(reply.agentState).toEqual({ agent: 'offline-menu', step: 'choose_day', booking: { serviceId: BANHO.id, petId: REX.id } });
    }
  });

  it('books "os dois" one pet after the other, the second on the same day', async () => {
    const MEL = { id: 'pet-mel', name: 'Mel', species: 'gato', breed: null, size: null };
    const { send, state, bookings } = setup([REX, MEL]);
    await send('agendar banho sexta 10h');
    expect(textOf(await send('os dois'))).toBe('Confirma *Banho* (R$ 60,00) para *Rex* na sexta-feira, 27/11, às 10:00? (sim/não)');
    const first = textOf(await send('sim'));
    expect(first).toContain('Agendado! ✅ *Banho* para *Rex* na sexta-feira, 27/11, às 10:00.');
    expect(first).toContain('Agora vamos marcar para *Mel*.\n\nHorários livres para *Banho* na sexta-feira, 27/11:');
    expect(state()).toMatchObject({ step: 'choose_slot', booking: { serviceId: BANHO.id, petId: MEL.id, date: '2026-11-27' } });
    // The pet is known: the time goes straight to the confirmation.
    expect(textOf(await send('11h'))).toBe('Confirma *Banho* (R$ 60,00) para *Mel* na sexta-feira, 27/11, às 11:00? (sim/não)');
    expect(textOf(await send('sim'))).toBe('Agendado! ✅ *Banho* para *Mel* na sexta-feira, 27/11, às 11:00. Valor: R$ 60,00. Até lá!');
    expect(state()).toEqual({ agent: 'offline-menu', step: 'main' });
    expect(bookings.rows.map((row) => [row.petId, row.during.start])).toEqual([
      [REX.id, at('2026-11-27', '10:00')],
      [MEL.id, at('2026-11-27', '11:00')],
    ]);
    // Named together, in the customer's words.
    await send('agendar tosa sexta 14h');
    expect(textOf(await send('Mel e Rex'))).toContain('para *Rex*');
    expect(state()).toMatchObject({ booking: { petId: REX.id, nextPetIds: [MEL.id] } });
  });

  it('sends a stay longer than a working day (hotel) to the staff instead of a day with no free times', async () => {
    const HOTEL = { id: 'service-hotel', name: 'Hotel (diária)', durationMin: 1440, priceCents: 9000 };
    const { agent } = setup();
    const reply = await agent.respond({
      context: {
        now: NOW,
        organization: { id: 'org', name: 'Pet Shop Aurora', timezone: SAO_PAULO, businessHours: { '5': { open: '08:00', close: '18:00' } }, minimumNoticeMin: 0 },
        contact: { id: 'contact-ana', phone: '+5511987654321', name: 'Ana' },
        conversation: { id: 'conversation', agentState: { agent: 'offline-menu', step: 'main' } },
        services: [BANHO, HOTEL],
        pets: [REX],
        upcomingBookings: [],
        history: [],
      },
      messages: [{ id: 'm', type: 'text', text: 'quero agendar hotel de sexta a domingo', receivedAt: NOW }],
    });
    expect(textOf(reply)).toBe(
      '*Hotel (diária)* não cabe em um dia de atendimento, então não consigo marcar por aqui. ' +
        'Escreva *atendente* para combinar as datas com a nossa equipe.',
    );
    expect(reply.agentState).toEqual({ agent: 'offline-menu', step: 'main' });
  });

  it('asked for a pet name, takes neither "os dois" nor an existing pet for a new pet', async () => {
    const { send, contacts, state } = setup([]);
    await send('agendar banho sexta 10h');
    expect(textOf(await send('os dois'))).toBe('Vamos cadastrar um de cada vez. Qual é o nome do primeiro?');
    expect(state()).toMatchObject({ step: 'pet_name' });
    await send('Rex');
    await send('2');
    expect(contacts.pets.map((pet) => pet.name)).toEqual(['Rex']);
    // A second booking: "Cadastrar outro pet" chosen by mistake, then the same name.
    await send('não');
    await send('agendar banho sexta 14h');
    await send('2');
    const reply = textOf(await send('rex'));
    expect(reply).toBe('*Rex* já está no seu cadastro.\n\nConfirma *Banho* (R$ 60,00) para *Rex* na sexta-feira, 27/11, às 14:00? (sim/não)');
    expect(contacts.pets).toHaveLength(1);
  });

  it("asked for a pet's name, does not register a yes, a no, a greeting or a species as one and asks for the name again", async () => {
    const { send, contacts, state } = setup([]);
    await send('agendar banho sexta 10h');
    expect(state()).toMatchObject({ step: 'pet_name', pet: { forBooking: true } });
    const askedAgain =
      'Para o cadastro, preciso do nome do seu pet 🙂 Responda com o nome dele(a), por exemplo *Thor* ou *o nome é Thor*. Ou escreva *menu*.';
    for (const answer of ['sim', 'Ok!', 'pode', 'quero', 'não', 'Não tenho', 'tudo bem', 'oi', 'Oie', 'bom dia', '👍', 'não sei', 'cachorro', 'é um gato']) {
      expect(textOf(await send(answer)), answer).toBe(askedAgain);
      expect(state(), answer).toMatchObject({ step: 'pet_name', booking: { startsAt: at('2026-11-27', '10:00').toISOString() } });
    }
    expect(contacts.pets).toEqual([]);
    // Announced as a name, even such a word is one.
    expect(textOf(await send('o nome dela é Beleza'))).toContain('*Beleza* é:');
    await send('2');
    expect(contacts.pets.map((pet) => pet.name)).toEqual(['Beleza']);
    // From the menu too; "menu" still leaves.
    await send('sim');
    await send('4');
    expect(textOf(await send('Sim'))).toBe(askedAgain);
    expect(textOf(await send('menu'))).toContain('Como posso ajudar?');
    expect(contacts.pets).toHaveLength(1);
  });

  it('registering the pet of a booking, takes "outro horário" as such and a species written in a sentence', async () => {
    const { send, contacts, state } = setup([]);
    await send('oi');
    await send('agendar banho sexta 15h');
    expect(textOf(await send('quero outro horário'))).toContain('Horários livres para *Banho* na sexta-feira, 27/11:');
    expect(textOf(await send('16h'))).toBe('Para finalizar, vamos cadastrar seu pet. Qual é o nome do seu pet?');
    expect(textOf(await send('mudar o dia'))).toContain('*Banho*, ótimo! Para qual dia?');
    await send('sexta 16h');
    await send('Thor');
    expect(textOf(await send('é um cachorro'))).toContain('Qual é o porte de *Thor*?');
    expect(textOf(await send('pequeno porte'))).toBe(
      'Pronto, cadastrei *Thor*! 🐾\n\nConfirma *Banho* (R$ 60,00) para *Thor* na sexta-feira, 27/11, às 16:00? (sim/não)',
    );
    expect(contacts.pets).toEqual([expect.objectContaining({ name: 'Thor', species: 'cachorro', size: 'pequeno' })]);
    expect(state()).toMatchObject({ step: 'confirm_booking' });
  });

  it("registers the name said in a sentence, not the sentence, and does not ask a species already said", async () => {
    const { send, contacts } = setup([]);
    await send('oi');
    await send('4');
    expect(textOf(await send('Thor, ele é um cachorro'))).toBe(
      'Qual é o porte de *Thor*?\n1. Mini\n2. Pequeno\n3. Médio\n4. Grande\n5. Gigante\n\nOu escreva *pular*.',
    );
    await send('pular');
    await send('4');
    expect(textOf(await send('Sim, é a Mel, uma gata'))).toBe(
      'Pronto, cadastrei *Mel*! 🐾\n\nEscreva *agendar* para marcar um horário ou *menu* para ver as opções.',
    );
    expect(contacts.pets).toEqual([
      expect.objectContaining({ name: 'Thor', species: 'cachorro', size: null }),
      expect.objectContaining({ name: 'Mel', species: 'gato', size: null }),
    ]);
  });

  it('takes "pro meu cachorro" as the kind of pet: the one dog booked, a first dog registered without asking its species', async () => {
    const MIMI = { id: 'pet-mimi', name: 'Mimi', species: 'gato', breed: null, size: null };
    const withDogAndCat = setup([REX, MIMI]);
    await withDogAndCat.send('oi');
    expect(textOf(await withDogAndCat.send('quero marcar banho pro meu cachorro sexta às 10h'))).toBe(
      'Confirma *Banho* (R$ 60,00) para *Rex* na sexta-feira, 27/11, às 10:00? (sim/não)',
    );
    // Two dogs: only they are offered.
    const twoDogs = setup([REX, MIMI, { ...REX, id: 'pet-bob', name: 'Bob' }]);
    await twoDogs.send('oi');
    expect(textOf(await twoDogs.send('banho pro cachorro sexta às 10h'))).toBe(
      'Para qual pet?\n1. Rex\n2. Bob\n3. Cadastrar outro pet\n\nResponda com o número ou o nome do pet.',
    );
    expect(textOf(await twoDogs.send('2'))).toContain('para *Bob*');
    // "outro pet" at the confirmation: every pet, the cat too.
    expect(textOf(await twoDogs.send('outro pet'))).toBe(
      'Para qual pet?\n1. Rex\n2. Mimi\n3. Bob\n4. Cadastrar outro pet\n\nResponda com o número ou o nome do pet.',
    );
    // The cat's owner with no dog yet: the dog is registered, its species not asked.
    const catOnly = setup([MIMI]);
    await catOnly.send('oi');
    expect(textOf(await catOnly.send('quero agendar para o meu cachorro'))).toContain('Qual serviço você quer agendar?');
    await catOnly.send('banho');
    expect(textOf(await catOnly.send('sexta 10h'))).toBe('Para finalizar, vamos cadastrar seu pet. Qual é o nome do seu pet?');
    expect(textOf(await catOnly.send('Thor'))).toContain('Qual é o porte de *Thor*?');
    expect(textOf(await catOnly.send('grande'))).toBe(
      'Pronto, cadastrei *Thor*! 🐾\n\nConfirma *Banho* (R$ 60,00) para *Thor* na sexta-feira, 27/11, às 10:00? (sim/não)',
    );
    expect(catOnly.contacts.pets).toEqual([expect.objectContaining({ name: 'Thor', species: 'cachorro', size: 'grande' })]);
    // No pets at all: the same, and a change of day on the way keeps the kind of pet.
    const noPets = setup([]);
    await noPets.send('banho pra minha gata sexta');
    await noPets.send('mudar o dia');
    await noPets.send('sexta 11h');
    expect(textOf(await noPets.send('Mel'))).toBe(
      'Pronto, cadastrei *Mel*! 🐾\n\nConfirma *Banho* (R$ 60,00) para *Mel* na sexta-feira, 27/11, às 11:00? (sim/não)',
    );
    expect(noPets.contacts.pets).toEqual([expect.objectContaining({ name: 'Mel', species: 'gato' })]);
  });

  it('registers the pet named with the request ("minha gata Luna") without asking its name or kind', async () => {
    const { send, contacts } = setup([REX]);
    await send('Bom dia, gostaria de marcar um banho para minha gata Luna sexta');
    expect(textOf(await send('15h'))).toBe(
      'Pronto, cadastrei *Luna*! 🐾\n\nConfirma *Banho* (R$ 60,00) para *Luna* na sexta-feira, 27/11, às 15:00? (sim/não)',
    );
    expect(contacts.pets).toEqual([expect.objectContaining({ name: 'Luna', species: 'gato' })]);
    // "outro pet" then offers every pet, Luna registered once.
    expect(textOf(await send('outro pet'))).toBe('Para qual pet?\n1. Rex\n2. Luna\n3. Cadastrar outro pet\n\nResponda com o número ou o nome do pet.');
    expect(contacts.pets).toHaveLength(1);
    // A dog's size is still asked; the service chosen after the request keeps the name.
    const other = setup([]);
    await other.send('oi');
    await other.send('quero agendar pro meu cachorro Thor');
    await other.send('tosa');
    await other.send('sexta');
    expect(textOf(await other.send('10h'))).toContain('Qual é o porte de *Thor*?');
  });

  it('takes "quais horários vocês têm amanhã?" as a booking: the service asked, then that day\'s free times', async () => {
    const { send, state } = setup();
    await send('oi');
    expect(textOf(await send('quais horários vocês têm amanhã?'))).toMatch(/^Qual serviço você quer agendar\?\n1\. Banho/);
    expect(textOf(await send('banho'))).toMatch(/^Horários livres para \*Banho\* na sexta-feira, 27\/11:\n1\. 08:00/);
    expect(state()).toMatchObject({ step: 'choose_slot', booking: { serviceId: BANHO.id, date: '2026-11-27' } });
    expect(state()).not.toHaveProperty('booking.request');
    await send('menu');
    await send('tem vaga amanhã à tarde?');
    expect(textOf(await send('2'))).toMatch(/^Horários livres para \*Tosa\* na sexta-feira, 27\/11, à tarde:\n1\. 12:00/);
    // A day and a time at the menu are a booking too; a date alone (an order's number?) is not.
    await send('menu');
    await send('sexta às 10h');
    expect(textOf(await send('1'))).toBe('Para qual pet?\n1. Rex\n2. Cadastrar outro pet\n\nResponda com o número ou o nome do pet.');
    await send('menu');
    expect(textOf(await send('pedido 12-05'))).toContain('Não entendi "pedido 12-05".');
  });

  it('answers a price asked in the middle of a booking and goes on with it', async () => {
    const { send, state } = setup();
    await send('agendar banho sexta');
    expect(textOf(await send('quanto custa a tosa?'))).toBe(
      '*Tosa*: R$ 80,00 (1h30).\n\nResponda com o número do horário (1 a 8) ou com a hora (ex.: *10h*). Ou escreva *menu*.',
    );
    expect(state()).toMatchObject({ step: 'choose_slot', booking: { serviceId: BANHO.id, date: '2026-11-27' } });
    expect(textOf(await send('10h'))).toContain('Para qual pet?');
    // Not named: the service being booked.
    expect(textOf(await send('quanto fica?'))).toMatch(/^\*Banho\*: R\$ 60,00 \(1h\)\.\n\n/);
    expect(textOf(await send('Rex'))).toContain('Confirma *Banho*');
    // At the main menu, the list.
    await send('não');
    expect(textOf(await send('quanto custa a tosa?'))).toContain('Nossos serviços:\n1. Banho — R$ 60,00 (1h)\n2. Tosa — R$ 80,00 (1h30)');
  });

  it('keeps the draft when the customer says thanks in the middle of a booking', async () => {
    const { send, state } = setup();
    await send('agendar banho sexta');
    expect(textOf(await send('Obrigada!'))).toBe(
      'Por nada! 😊\n\nResponda com o número do horário (1 a 8) ou com a hora (ex.: *10h*). Ou escreva *menu*.',
    );
    expect(state()).toMatchObject({ step: 'choose_slot', booking: { serviceId: BANHO.id, date: '2026-11-27' } });
    expect(textOf(await send('Muito obrigada, pode ser às 10h'))).toContain('Para qual pet?');
    expect(state()).toMatchObject({ step: 'choose_pet', booking: { startsAt: at('2026-11-27', '10:00').toISOString() } });
    // A goodbye is answered with one, not with "Não entendi" and the menu.
    expect(textOf(await send('Tchau!'))).toBe('Até logo! 👋 Se precisar de algo, é só escrever *menu*.');
    expect(state()).toEqual({ agent: 'offline-menu', step: 'main' });
    // Thanks at the main menu is still just thanks.
    await send('menu');
    expect(textOf(await send('obrigado'))).toBe('Por nada! 😊 Se precisar de algo, é só escrever *menu*.');
  });

  it('keeps every booking when the customer answers the list of bookings with a no', async () => {
    const { send, bookings, state } = setup();
    await send('agendar banho sexta 10h', 'rex', 'sim');
    for (const answer of ['não', 'nenhum', 'não quero cancelar']) {
      await send('meus agendamentos');
      expect(textOf(await send(answer)), answer).toBe('Ok, não cancelei nada. Escreva *menu* para ver as opções.');
      expect(state()).toEqual({ agent: 'offline-menu', step: 'main' });
    }
    expect(bookings.rows.map((row) => row.status)).toEqual(['scheduled']);
  });

  it('answers "remarcar" with how to, over the list of bookings', async () => {
    const { send, state } = setup();
    expect(textOf(await send('quero remarcar'))).toContain('Você não tem agendamentos futuros.');
    await send('agendar banho sexta 10h', 'rex', 'sim');
    const reply = textOf(await send('preciso remarcar o banho'));
    expect(reply).toContain('Por aqui eu ainda não consigo remarcar direto: cancele o horário atual e depois escreva *agendar*');
    expect(reply).toContain('1. *Banho* para *Rex* na sexta-feira, 27/11, às 10:00');
    expect(state()).toMatchObject({ step: 'my_bookings' });
  });

  it('says the shop is closed on a day and offers the next free times, or says a date has passed', async () => {
    const { send, state } = setup();
    await send('agendar tosa');
    expect(textOf(await send('20/11/2026'))).toContain('Essa data já passou.');
    expect(state()).toMatchObject({ step: 'choose_day', booking: { serviceId: TOSA.id } });
    expect(textOf(await send('sábado'))).toBe(
      'Não abrimos no sábado, 28/11.\n\nPróximos horários livres:\n' +
        '1. na quinta-feira, 03/12, às 08:00\n2. na quinta-feira, 03/12, às 08:30\n3. na quinta-feira, 03/12, às 09:00\n\n' +
        'Responda com o número do horário ou com outro dia.',
    );
    expect(textOf(await send('hoje'))).toContain('Horários livres para *Tosa* na quinta-feira, 26/11:');
    await send('agendar tosa domingo às 10h');
    expect(textOf(await send('2'))).toContain('Para qual pet?');
    expect(state()).toMatchObject({ step: 'choose_pet', booking: { serviceId: TOSA.id, startsAt: at('2026-12-03', '08:30').toISOString() } });
  });

  it("says a time outside the day's hours is when the shop is closed, with that day's hours and free times", async () => {
    const { send, state } = setup([REX], {
      ...THURSDAY_AND_FRIDAY,
      '1': { open: '08:00', close: '18:00', breaks: [{ start: '12:00', end: '13:00' }] },
      '6': { open: '08:00', close: '12:00' },
    });
    // Saturday 28/11 closes at noon.
    await send('oi');
    const afterClosing = textOf(await send('agendar banho sábado às 14'));
    expect(afterClosing).toMatch(
      /^Às 14:00 estamos fechados no sábado, 28\/11\. Nesse dia atendemos das 08:00 às 12:00\.\n\nHorários livres para \*Banho\* no sábado, 28\/11:\n1\. 08:00\n/,
    );
    expect(afterClosing).not.toContain('não está livre');
    expect(state()).toMatchObject({ step: 'choose_slot', booking: { date: '2026-11-28' } });
    expect(textOf(await send('7h'))).toContain('Às 07:00 estamos fechados no sábado, 28/11. Nesse dia atendemos das 08:00 às 12:00.');
    // A start before closing that would end after it.
    expect(textOf(await send('11h30'))).toContain('Às 11:30 não dá tempo: *Banho* leva 1h e no sábado, 28/11, fechamos às 12:00.');
    expect(textOf(await send('segunda 12h'))).toContain('12:00 não está livre na segunda-feira, 30/11: das 12:00 às 13:00 fazemos uma pausa.');
    // The day full: the hours, then the next free times.
    const full = setup([REX], { ...THURSDAY_AND_FRIDAY, '6': { open: '08:00', close: '09:00' } });
    full.bookings.taken.add(at('2026-11-28', '08:00').toISOString());
    await full.send('oi');
    const reply = textOf(await full.send('agendar banho sábado 14h'));
    expect(reply).toContain('Às 14:00 estamos fechados no sábado, 28/11. Nesse dia atendemos das 08:00 às 09:00.\n\nNão há horários livres para *Banho* no sábado, 28/11.');
    expect(reply).toContain('Próximos horários livres:\n1. na quinta-feira, 03/12, às 08:00');
  });

  it('offers the alternatives of a refused booking as numbered choices', async () => {
    const { send, bookings, state } = setup();
    await send('agendar banho sexta 10h');
    await send('rex');
    bookings.taken.add(at('2026-11-27', '10:00').toISOString());
    expect(textOf(await send('sim'))).toBe(
      'Poxa, esse horário acabou de ser ocupado.\n\nPróximos horários livres:\n' +
        '1. na sexta-feira, 27/11, às 11:00\n2. na sexta-feira, 27/11, às 12:00\n\nResponda com o número do horário.',
    );
    expect(state()).toMatchObject({ step: 'choose_slot', booking: { petId: REX.id } });
    expect(textOf(await send('12h'))).toBe('Confirma *Banho* (R$ 60,00) para *Rex* na sexta-feira, 27/11, às 12:00? (sim/não)');
    await send('s');
    expect(bookings.rows[0].during.start).toEqual(at('2026-11-27', '12:00'));
  });

  it('reads a yes or a no to the question on screen before the commands and courtesies its words hold', async () => {
    const { send, bookings, state } = setup();
    await send('agendar banho sexta 10h');
    await send('rex');
    // A greeting or thanks alone asks the question again and keeps the draft.
    expect(textOf(await send('Opa!'))).toBe('Responda *sim* para confirmar ou *não* para desistir.');
    expect(state()).toMatchObject({ step: 'confirm_booking', booking: { petId: REX.id } });
    expect(textOf(await send('Obrigada, pode confirmar 👍'))).toContain('Agendado! ✅ *Banho* para *Rex* na sexta-feira, 27/11, às 10:00.');
    expect(bookings.rows).toHaveLength(1);

    // "não, cancela" declines the new booking; it does not start cancelling the one already made.
    await send('agendar tosa sexta 14h');
    await send('rex');
    expect(textOf(await send('não, cancela'))).toContain('Tudo bem, não agendei nada.');
    expect(bookings.rows.map((row) => row.status)).toEqual(['scheduled']);

    // Cancelling the existing booking: the question's own verb is the yes.
    expect(textOf(await send('cancelar'))).toBe('Cancelar *Banho* para *Rex* na sexta-feira, 27/11, às 10:00? (sim/não)');
    expect(textOf(await send('sim, pode cancelar'))).toBe('Pronto, cancelei *Banho* para *Rex* na sexta-feira, 27/11, às 10:00.');
    expect(bookings.rows.map((row) => row.status)).toEqual(['cancelled']);
  });

  it('reads a number past the end of the time list as an hour, and another day named inside the list', async () => {
    const { send } = setup();
    await send('agendar banho sexta');
    expect(textOf(await send('10'))).toContain('Para qual pet?');
    await send('agendar banho sexta');
    expect(textOf(await send('8'))).toContain('Para qual pet?');
    expect(textOf(await send('1'))).toBe('Confirma *Banho* (R$ 60,00) para *Rex* na sexta-feira, 27/11, às 17:00? (sim/não)');
    await send('agendar banho sexta');
    await send('dia 3 às 10h');
    expect(textOf(await send('1'))).toBe('Confirma *Banho* (R$ 60,00) para *Rex* na quinta-feira, 03/12, às 10:00? (sim/não)');
  });

  it('registers a pet, answers media without text, and joins a turn of several messages into one text', async () => {
    const { send, contacts } = setup([]);
    const reply = await send('4', 'Luna.', '2 🐱');
    expect(textOf(reply)).toBe(
      'Olá! 👋 Bem-vindo(a) ao atendimento virtual de *Pet Shop Aurora*.\n\nQual é o nome do seu pet?\n\n*Luna* é:\n1. Cachorro\n2. Gato\n3. Outro\n\n' +
        'Pronto, cadastrei *Luna*! 🐾\n\nEscreva *agendar* para marcar um horário ou *menu* para ver as opções.',
    );
    expect(contacts.pets).toEqual([expect.objectContaining({ name: 'Luna', species: 'gato', size: null })]);
    expect(textOf(await send(null))).toContain('Por aqui eu só consigo ler mensagens de texto.');
  });

  it("does not read a shared contact card or location as something typed: it is not a pet's name", async () => {
    const { send, contacts } = setup([]);
    expect(textOf(await send('4'))).toContain('Qual é o nome do seu pet?');
    const card = await send({ type: 'contact', text: 'Maria Silva: +55 11 98765-4321' });
    expect(textOf(card)).toBe('Por aqui eu só consigo ler mensagens de texto.\n\nResponda com o nome do pet (até 80 letras) ou escreva *menu*.');
    expect(textOf(await send({ type: 'location', text: 'Rua das Flores, 100 - São Paulo' }))).toContain('Por aqui eu só consigo ler mensagens de texto.');
    expect(contacts.pets).toEqual([]);
    // A photo's caption is typed, though: it is read.
    expect(textOf(await send({ type: 'image', text: 'Luna' }))).toContain('*Luna* é:');
  });

  it('takes a service by its number with the day written after it ("2 amanhã")', async () => {
    const { send } = setup();
    expect(textOf(await send('agendar'))).toContain('2. Tosa');
    expect(textOf(await send('2 amanhã'))).toContain('Horários livres para *Tosa* na sexta-feira, 27/11:');
    expect(textOf(await send('agendar'))).toContain('1. Banho');
    // The time taken at once; the pet is asked next.
    expect(textOf(await send('1 sexta às 10h'))).toContain('Para qual pet?');
    expect(textOf(await send('Rex'))).toBe('Confirma *Banho* (R$ 60,00) para *Rex* na sexta-feira, 27/11, às 10:00? (sim/não)');
  });

  it('says a time earlier today has passed, rather than that it is not free', async () => {
    // 09:00 in São Paulo; the booking domain no longer offers 08:00, as the real one does not offer past times.
    const { send, bookings } = setup();
    bookings.taken.add(at('2026-11-26', '08:00').toISOString());
    const reply = textOf(await send('agendar banho hoje às 8'));
    expect(reply).toContain('Esse horário já passou.');
    expect(reply).not.toContain('não está livre');
    expect(reply).toContain('Horários livres para *Banho* na quinta-feira, 26/11:');
  });

  it('says a time chosen earlier that came within the notice while the customer answered is too soon now', async () => {
    // 09:00, an hour's notice: 10:00 is offered and chosen; the yes comes at 09:20.
    const { send, clock } = setup([REX], THURSDAY_AND_FRIDAY, 60);
    await send('oi');
    expect(textOf(await send('agendar banho pro Rex hoje às 10h'))).toBe('Confirma *Banho* (R$ 60,00) para *Rex* na quinta-feira, 26/11, às 10:00? (sim/não)');
    clock.now = new Date(NOW.getTime() + 20 * 60_000);
    expect(textOf(await send('sim'))).toBe(
      '10:00 fica muito em cima da hora: agendamos com pelo menos 1h de antecedência.\n\n' +
        'Próximos horários livres:\n1. na quinta-feira, 26/11, às 11:20\n\nResponda com o número do horário.',
    );
  });

  it('answers "vocês fazem hidratação?" with the services it does, rather than "Não entendi"', async () => {
    const { send, state } = setup();
    await send('oi');
    const reply = textOf(await send('vcs fazem hidratação?'));
    expect(reply).toMatch(/^Nossos serviços:\n1\. Banho — R\$ 60,00/);
    expect(reply).not.toContain('Não entendi');
    expect(state()).toMatchObject({ step: 'choose_service' });
    // A service it does is the start of its booking, as before.
    expect(textOf(await send('menu'))).toContain('Como posso ajudar?');
    expect(textOf(await send('vocês fazem tosa?'))).toContain('*Tosa*, ótimo! Para qual dia?');
  });

  it("says a time sooner than the shop's minimum notice is too soon, rather than that it is not free", async () => {
    // 09:00 in São Paulo and bookings need an hour's notice: 09:30 is free on the calendar but too close.
    const { send, bookings } = setup([REX], THURSDAY_AND_FRIDAY, 60);
    await send('oi');
    const reply = textOf(await send('agendar banho hoje às 9h30'));
    expect(reply).toMatch(
      /^09:30 fica muito em cima da hora: agendamos com pelo menos 1h de antecedência\.\n\nHorários livres para \*Banho\* na quinta-feira, 26\/11:\n1\. 10:00\n/,
    );
    expect(reply).not.toContain('não está livre');
    // Within the notice and the day's last times taken: still the reason first, then the next free times.
    for (let minutes = 10 * 60; minutes <= 17 * 60; minutes += 30) bookings.taken.add(zonedInstant('2026-11-26', minutes, SAO_PAULO).toISOString());
    const full = textOf(await send('hoje às 9h30'));
    expect(full).toMatch(/^09:30 fica muito em cima da hora: agendamos com pelo menos 1h de antecedência\.\n\nHoje não há mais horários livres para \*Banho\*\./);
    expect(full).toContain('Próximos horários livres:\n1. na sexta-feira, 27/11, às 08:00');
    // A time past the notice that someone took is still just taken.
    bookings.taken.clear();
    bookings.taken.add(at('2026-11-26', '11:00').toISOString());
    expect(textOf(await send('hoje às 11h'))).toMatch(/^11:00 não está livre na quinta-feira, 26\/11\.\n/);
  });

  it('quotes what it did not understand, at every step', async () => {
    const { send } = setup();
    expect(textOf(await send('meu nome é Ana'))).toContain('Ainda não entendo frases como "meu nome é Ana"');
    expect(textOf(await send('xyz'))).toContain('Não entendi "xyz". Como posso ajudar?');
    // A question it cannot answer points to a person.
    expect(textOf(await send('qual o endereço?'))).toBe(
      'Não consigo responder "qual o endereço?" por aqui: para isso, escreva *atendente* e alguém da nossa equipe responde. Como posso ajudar? Responda com o número da opção:\n1. Serviços e preços\n2. Agendar\n3. Meus agendamentos\n4. Cadastrar pet\n5. Falar com atendente',
    );
    await send('2');
    await send('1');
    expect(textOf(await send('semana que vem'))).toBe(
      'Não entendi "semana que vem". Responda com o dia: *hoje*, *amanhã*, um dia da semana (ex.: *sexta*) ou uma data (ex.: *28/11*). Ou escreva *menu*.',
    );
    await send('amanhã');
    expect(textOf(await send('99'))).toContain('Não entendi "99". Responda com o número do horário (1 a 8)');
    expect(textOf(await send('vocês aceitam pix?'))).toBe(
      'Não consigo responder "vocês aceitam pix?" por aqui: para isso, escreva *atendente* e alguém da nossa equipe responde. Responda com o número do horário (1 a 8) ou com a hora (ex.: *10h*). Ou escreva *menu*.',
    );
  });

  it('hands over when the customer asks to talk to someone in words of their own', async () => {
    const { send } = setup();
    await send('agendar banho');
    const reply = await send('quero falar com alguém');
    expect(reply.handoff).toEqual({ reason: 'o cliente pediu um atendente (menu)' });
    expect(textOf(reply)).toBe('Certo! Vou chamar alguém da nossa equipe para falar com você. Aguarde só um pouquinho, por favor.');
  });

  it('hands over and forgets its state', async () => {
    const { send } = setup();
    const reply = await send('agendar', 'atendente', 'banho');
    expect(reply.handoff).toEqual({ reason: 'o cliente pediu um atendente (menu)' });
    expect(reply.agentState).toBeNull();
    expect(textOf(reply)).toMatch(/Vou chamar alguém da nossa equipe[^]*$/);
    expect(textOf(reply)).not.toContain('ótimo');
  });

  it("reads another agent's state as a fresh menu", async () => {
    const { agent } = setup();
    const reply = await agent.respond({
      context: {
        now: NOW,
        organization: { id: 'org', name: 'Pet Shop Aurora', timezone: SAO_PAULO, businessHours: {}, minimumNoticeMin: 0 },
        contact: { id: 'contact-ana', phone: '+5511987654321', name: 'Ana' },
        conversation: { id: 'conversation', agentState: { agent: 'client-gpt', step: 'confirm_cancel', cancelBookingId: 'x' } },
        services: [BANHO],
        pets: [],
        upcomingBookings: [],
        history: [],
      },
      messages: [{ id: 'm', type: 'text', text: 'sim', receivedAt: NOW }],
    });
    expect(reply.texts[0]).toContain('Pet Shop Aurora');
    expect(reply.texts[0]).toContain('"sim"');
    expect(reply.agentState).toEqual({ agent: 'offline-menu', step: 'main' });
  });
});
