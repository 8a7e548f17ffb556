import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientGptAgent } from '../src/ai/client-gpt.agent.js';
import { OfflineMenuAgent } from '../src/ai/offline-menu.agent.js';
import { AuroraAgent } from '../src/ai/aurora.agent.js';
import { nextWeekStart } from '../src/ai/menu-input.js';
import { addDays, formatInZone, localDate, wallClockOf, zonedInstant } from '../src/booking/zoned-time.js';
import { DATABASE, type Database } from '../src/database/database.js';
import { bookingEvents } from '../src/database/schema.js';
import { type AgentContext, type AgentReply, CLIENT_AGENT, type ConversationAgent, OWNER_AGENT } from '../src/messaging/conversation-agent.js';
import { request, startTestApp, type TestApp } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

const ADMIN_KEY = 'admin-key-for-offline-menu-tests-0123';
const SAO_PAULO = 'America/Sao_Paulo';
const SHOP_NAME = 'Pet Shop Menu';
/** Open every day, so "amanhã" is bookable whatever day the suite runs. */
const OPEN_EVERY_DAY = Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((day) => [day, { open: '08:00', close: '18:00' }]));
const MINIMUM_NOTICE_MIN = 60;
const WEEKDAYS = ['domingo', 'segunda-feira', 'terça-feira', 'quarta-feira', 'quinta-feira', 'sexta-feira', 'sábado'];

interface Customer {
  id: string;
  phone: string;
  name: string;
}

/**
 * The offline menu agent inside the real application, against PostgreSQL:
 * conversations driven turn by turn as the pipeline would (the agent's state
 * fed back each turn), bookings checked through the REST API.
 */
describe('offline menu assistant on PostgreSQL', () => {
  let testDatabase: TestDatabase;
  let server: TestApp;
  let agent: OfflineMenuAgent;
  let key: string;
  let organizationId: string;
  let services: { banho: string; tosa: string };
  let ana: Customer;
  let bruno: Customer;
  let carla: Customer;
  let rexId: string;
  /** The turn's instant; the booking rules use the app's clock, a moment later. */
  const now = new Date();
  const today = localDate(now, SAO_PAULO);
  const tomorrow = addDays(today, 1);

  const api = (method: string, path: string, body?: unknown) => request(server.baseUrl, method, path, { token: key, body });
  const at = (date: string, clock: string) => zonedInstant(date, Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3)), SAO_PAULO);
  /** "na sexta-feira, 28/11, às 10:00", computed here rather than by the code under test. */
  const spoken = (instant: Date) => {
    const wall = wallClockOf(instant, SAO_PAULO);
    const pad = (value: number) => String(value).padStart(2, '0');
    const article = wall.weekday === 0 || wall.weekday === 6 ? 'no' : 'na';
    return `${article} ${WEEKDAYS[wall.weekday]}, ${pad(wall.day)}/${pad(wall.month)}, às ${pad(wall.hour)}:${pad(wall.minute)}`;
  };

  async function createCustomer(phone: string, name: string): Promise<Customer> {
    const created = await api('POST', '/api/contacts', { phone, name });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { id: created.body.id, phone: created.body.phone, name };
  }

  async function contextFor(customer: Customer, agentState: Record<string, unknown> | null): Promise<AgentContext> {
    const [serviceList, petList] = await Promise.all([api('GET', '/api/services?active=true'), api('GET', `/api/pets?contactId=${customer.id}`)]);
    return {
      now,
      organization: { id: organizationId, name: SHOP_NAME, timezone: SAO_PAULO, businessHours: OPEN_EVERY_DAY, minimumNoticeMin: MINIMUM_NOTICE_MIN },
      contact: { id: customer.id, phone: customer.phone, name: customer.name },
      conversation: { id: '00000000-0000-4000-8000-000000000000', agentState },
      services: (serviceList.body.data as AgentContext['services'])
        .map(({ id, name, durationMin, priceCents }) => ({ id, name, durationMin, priceCents }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      pets: (petList.body.data as AgentContext['pets']).map(({ id, name, species, breed, size }) => ({ id, name, species, breed, size })),
      upcomingBookings: [],
      history: [],
    };
  }

  /** A customer's conversation: each `send` is one turn, the state carried to the next as the pipeline stores it. */
  function chat(customer: Customer, initialState: Record<string, unknown> | null = null) {
    let state = initialState;
    return {
      get state() {
        return state;
      },
      async send(...texts: string[]): Promise<AgentReply & { text: string }> {
        const reply = await agent.respond({
          context: await contextFor(customer, state),
          messages: texts.map((text, index) => ({ id: `message-${index}`, type: 'text', text, receivedAt: now })),
        });
        if (reply.agentState !== undefined) state = reply.agentState;
        expect(reply.texts).toHaveLength(1);
        return { ...reply, text: reply.texts[0] };
      },
    };
  }

  const bookingsOf = async (customer: Customer) => {
    const page = await api('GET', `/api/bookings?contactId=${customer.id}&limit=100`);
    expect(page.status).toBe(200);
    return page.body.data as { id: string; serviceId: string; petId: string | null; startsAt: string; status: string; priceCents: number }[];
  };

  beforeAll(async () => {
    testDatabase = await createTestDatabase('offline_menu');
    server = await startTestApp({ DATABASE_URL: testDatabase.url, ADMIN_API_KEY: ADMIN_KEY });
    agent = server.app.get(OfflineMenuAgent);
    const created = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: SHOP_NAME } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    key = created.body.apiKey.key;
    organizationId = created.body.organization.id;
    const settings = await api('PATCH', '/api/organizations/me', { businessHours: OPEN_EVERY_DAY, slotGranularityMin: 30, minimumNoticeMin: MINIMUM_NOTICE_MIN });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    expect(settings.body.timezone).toBe(SAO_PAULO);
    expect((await api('POST', '/api/resources', { name: 'Mesa 1', kind: 'groomer' })).status).toBe(201);
    const banho = await api('POST', '/api/services', { name: 'Banho', durationMin: 60, priceCents: 6000, resourceKind: 'groomer' });
    const tosa = await api('POST', '/api/services', { name: 'Tosa', durationMin: 90, priceCents: 8000, resourceKind: 'groomer' });
    expect([banho.status, tosa.status]).toEqual([201, 201]);
    services = { banho: banho.body.id, tosa: tosa.body.id };
    ana = await createCustomer('+5511987650001', 'Ana');
    bruno = await createCustomer('+5511987650002', 'Bruno');
    carla = await createCustomer('+5511987650003', 'Carla');
    const rex = await api('POST', '/api/pets', { contactId: ana.id, name: 'Rex', species: 'cachorro' });
    expect(rex.status).toBe(201);
    rexId = rex.body.id;
  });

  afterAll(async () => {
    await server?.close();
    await testDatabase?.drop();
  });

  it('answers for the client agent when there is no OpenAI key, and Aurora answers the owner with the plain summary', async () => {
    const client = server.app.get<ConversationAgent>(CLIENT_AGENT);
    expect(client).toBeInstanceOf(ClientGptAgent);
    const turn = async () => ({
      context: await contextFor(ana, null),
      messages: [{ id: 'm0', type: 'text' as const, text: 'menu', receivedAt: now }],
    });
    // The menu answers; its first answer of a conversation ends with a one-time apology that only the menu is on.
    const [fromClient, fromMenu] = [await client.respond(await turn()), await agent.respond(await turn())];
    expect(fromClient.texts).toEqual([`${fromMenu.texts[0]}\n\nDesculpe: no momento estou atendendo só pelo menu automático. Para falar com uma pessoa, escreva *atendente*.`]);
    expect(fromClient.agentState).toEqual(fromMenu.agentState);
    const later = { ...(await turn()), context: await contextFor(ana, fromMenu.agentState ?? null) };
    // The same answer as the menu's, with the client agent's account of the turn for the audit.
    const { audit, ...answer } = await client.respond(later);
    expect(answer).toEqual(await agent.respond(later));
    expect(audit).toMatchObject({ agent: 'client', model: null, outcome: 'offline', rounds: 0, toolCalls: [] });
    const owner = server.app.get(OWNER_AGENT);
    expect(owner).toBeInstanceOf(AuroraAgent);
    const ask = async (text: string) => {
      const reply = await owner.respond({ context: await contextFor(ana, null), messages: [{ id: 'm1', type: 'text', text, receivedAt: now }] });
      expect(reply.texts).toHaveLength(1);
      return reply.texts[0];
    };
    // Without the model, what plain words ask for: the periods named, the inactive customers.
    const todayFigures = await ask('quanto faturei hoje?');
    expect(todayFigures).toMatch(/^Aqui estão os números, direto do sistema:\n\n📊 \*Hoje\* /);
    expect(todayFigures).toContain('Faturamento (concluídos): *R$ 0,00*');
    expect(todayFigures).not.toContain('Esta semana');
    const month = await ask('e esse mês?');
    expect(month).toContain('📊 *Este mês*');
    expect(month).not.toContain('📊 *Hoje*');
    const lapsed = await createCustomer('+5511987650009', 'Duda Sumida');
    const database = server.app.get<Database>(DATABASE);
    await database.systemDb.execute(sql`UPDATE contacts SET created_at = now() - interval '100 days' WHERE id = ${lapsed.id}`);
    const inactive = await ask('quais clientes estão inativos?');
    expect(inactive).toMatch(/^👥 \*Clientes sem agendar nem escrever há 60 dias ou mais\*:\n1\. Duda Sumida \(\+5511987650009\): nunca agendou, última vez em \d\d\/\d\d\/\d{4}$/);
    expect(await ask('quem sumiu há 200 dias?')).toBe('Nenhum cliente está sem agendar nem escrever há 200 dias ou mais. 🎉');
    // A day's bookings: "amanhã", or the day named. (Three days ahead, cancelled after: the booking tests want free days.)
    const inThreeDays = addDays(today, 3);
    const booked = await api('POST', '/api/bookings', { contactId: ana.id, petId: rexId, serviceId: services.banho, startsAt: at(inThreeDays, '10:00').toISOString() });
    expect(booked.status, JSON.stringify(booked.body)).toBe(201);
    const [, bookedMonth, bookedDay] = inThreeDays.split('-');
    const agenda = await ask(`como está a agenda do dia ${bookedDay}/${bookedMonth}?`);
    expect(agenda).toBe(
      `📅 *Agenda de ${WEEKDAYS[new Date(`${inThreeDays}T12:00:00Z`).getUTCDay()]}, ${bookedDay}/${bookedMonth}* (1 agendamento)\n• 10:00 Banho — Rex (Ana)`,
    );
    // The week it falls in, Monday to Sunday: the rest of this one, or the next.
    const week = await ask(inThreeDays < nextWeekStart(today) ? 'agenda da semana' : 'quem vem na semana que vem?');
    expect(week).toMatch(/^🗓️ \*Agenda d(esta|a próxima) semana\* \(.*\): \d+ agendamentos?\n/);
    expect(week).toContain(`📅 *Agenda de ${WEEKDAYS[new Date(`${inThreeDays}T12:00:00Z`).getUTCDay()]}, ${bookedDay}/${bookedMonth}*`);
    expect(week).toContain('• 10:00 Banho — Rex (Ana)');
    expect((await api('POST', `/api/bookings/${booked.body.id}/cancel`, {})).status).toBe(200);
    const tomorrowLabel = `${WEEKDAYS[new Date(`${tomorrow}T12:00:00Z`).getUTCDay()]}, ${tomorrow.slice(8, 10)}/${tomorrow.slice(5, 7)}`;
    expect(await ask('quem vem amanhã?')).toBe(`📅 Nenhum agendamento para amanhã, ${tomorrowLabel}.`);
    expect(await ask('agenda de 31/02')).toBe('Essa data não existe no calendário. Tente, por exemplo, *agenda de sexta* ou *agenda de 28/11*.');
    // Anything else: today and this week, and what can be asked.
    const other = await ask('como vão os negócios?');
    expect(other).toMatch(/^Aqui estão os números de hoje e da semana, direto do sistema:\n\n📊 \*Hoje\*[\s\S]*📊 \*Esta semana\*/);
    expect(other).toMatch(/Sem a inteligência artificial ligada, eu entendo pedidos simples: .*\*clientes inativos\*/);
  });

  it('books menu -> agendar -> service -> amanhã -> slot -> pet -> sim, and says exactly what was stored', async () => {
    const conversation = chat(ana);

    const greeting = await conversation.send('oi');
    expect(greeting.text).toContain(SHOP_NAME);
    expect(greeting.text).toContain('1. Serviços e preços');
    expect(greeting.text).toContain('5. Falar com atendente');
    expect(conversation.state).toMatchObject({ agent: 'offline-menu', step: 'main' });

    const serviceChoice = await conversation.send('agendar');
    expect(serviceChoice.text).toContain('1. Banho — R$ 60,00 (1h)');
    expect(serviceChoice.text).toContain('2. Tosa — R$ 80,00 (1h30)');

    expect((await conversation.send('1')).text).toContain('*Banho*, ótimo! Para qual dia?');

    const slots = await conversation.send('amanhã');
    const tomorrowLabel = spoken(at(tomorrow, '08:00')).replace(/, às .*$/, '');
    expect(slots.text).toContain(`Horários livres para *Banho* ${tomorrowLabel}:`);
    expect(slots.text).toContain('1. 08:00');
    expect(slots.text).not.toContain('18:00');
    expect(conversation.state).toMatchObject({ step: 'choose_slot', booking: { serviceId: services.banho, date: tomorrow } });

    const petChoice = await conversation.send('10h');
    expect(petChoice.text).toContain('1. Rex');
    expect(petChoice.text).toContain('2. Cadastrar outro pet');

    const confirmation = await conversation.send('1');
    expect(confirmation.text).toBe(`Confirma *Banho* (R$ 60,00) para *Rex* ${spoken(at(tomorrow, '10:00'))}? (sim/não)`);
    expect(conversation.state).toMatchObject({
      step: 'confirm_booking',
      booking: { serviceId: services.banho, petId: rexId, startsAt: at(tomorrow, '10:00').toISOString() },
    });

    const booked = await conversation.send('sim');
    const [row] = await bookingsOf(ana);
    expect(row).toMatchObject({ serviceId: services.banho, petId: rexId, status: 'scheduled', priceCents: 6000 });
    expect(row.startsAt).toBe(formatInZone(at(tomorrow, '10:00'), SAO_PAULO));
    expect(booked.text).toContain(`Agendado! ✅ *Banho* para *Rex* ${spoken(new Date(row.startsAt))}. Valor: R$ 60,00.`);
    expect(conversation.state).toEqual({ agent: 'offline-menu', step: 'main' });
  });

  it('answers several messages of one turn in order, in one text', async () => {
    const conversation = chat(ana, { agent: 'offline-menu', step: 'main' });
    const reply = await conversation.send('agendar', 'tosa', 'amanhã');
    const parts = ['Qual serviço você quer agendar?', '*Tosa*, ótimo!', 'Horários livres para *Tosa*'].map((part) => reply.text.indexOf(part));
    expect(parts.every((position) => position >= 0)).toBe(true);
    expect([...parts].sort((a, b) => a - b)).toEqual(parts);
    expect(conversation.state).toMatchObject({ step: 'choose_slot', booking: { serviceId: services.tosa, date: tomorrow } });
  });

  it('offers the next free times as numbered choices when the slot is taken meanwhile, and books one', async () => {
    const conversation = chat(ana, { agent: 'offline-menu', step: 'main' });
    const petChoice = await conversation.send('quero agendar tosa amanhã às 14h');
    expect(petChoice.text).toContain('1. Rex');
    expect((await conversation.send('Rex')).text).toBe(`Confirma *Tosa* (R$ 80,00) para *Rex* ${spoken(at(tomorrow, '14:00'))}? (sim/não)`);

    // Someone else takes 14:00 (the shop has one groomer) before Ana says yes.
    const taken = await api('POST', '/api/bookings', {
      contactId: carla.id,
      serviceId: services.tosa,
      startsAt: formatInZone(at(tomorrow, '14:00'), SAO_PAULO),
    });
    expect(taken.status, JSON.stringify(taken.body)).toBe(201);

    const refused = await conversation.send('sim');
    expect(refused.text).toContain('Poxa, esse horário acabou de ser ocupado.');
    // 14:00-15:30 is taken; the next 90-minute starts on the 30-minute grid.
    expect(refused.text).toContain(`1. ${spoken(at(tomorrow, '15:30'))}`);
    expect(refused.text).toContain(`2. ${spoken(at(tomorrow, '16:00'))}`);
    expect(conversation.state).toMatchObject({ step: 'choose_slot' });
    expect((await bookingsOf(ana)).filter((booking) => booking.serviceId === services.tosa)).toHaveLength(0);

    // The pet is remembered: choosing an alternative goes straight to the confirmation.
    expect((await conversation.send('1')).text).toBe(`Confirma *Tosa* (R$ 80,00) para *Rex* ${spoken(at(tomorrow, '15:30'))}? (sim/não)`);
    const booked = await conversation.send('sim');
    const tosa = (await bookingsOf(ana)).filter((booking) => booking.serviceId === services.tosa);
    expect(tosa).toHaveLength(1);
    expect(tosa[0].startsAt).toBe(formatInZone(at(tomorrow, '15:30'), SAO_PAULO));
    expect(booked.text).toContain(`*Tosa* para *Rex* ${spoken(new Date(tosa[0].startsAt))}`);
  });

  it('says a typed time is not free and lists the free ones', async () => {
    const conversation = chat(ana, { agent: 'offline-menu', step: 'main' });
    await conversation.send('agendar banho');
    const reply = await conversation.send('amanhã 10h');
    expect(reply.text).toContain(`10:00 não está livre ${spoken(at(tomorrow, '08:00')).replace(/, às .*$/, '')}.`);
    expect(reply.text).toContain('Horários livres para *Banho*');
    expect(conversation.state).toMatchObject({ step: 'choose_slot' });
  });

  it("says a time after closing is when the shop is closed, with that day's hours and free times", async () => {
    const conversation = chat(ana, { agent: 'offline-menu', step: 'main' });
    const reply = await conversation.send('agendar tosa amanhã às 19');
    const dayLabel = spoken(at(tomorrow, '08:00')).replace(/, às .*$/, '');
    expect(reply.text).toMatch(new RegExp(`^Às 19:00 estamos fechados ${dayLabel}\\. Nesse dia atendemos das 08:00 às 18:00\\.\\n\\nHorários livres para \\*Tosa\\* `));
    expect(reply.text).not.toContain('não está livre');
    // Tosa takes 1h30: 17:00 would end after closing.
    expect((await conversation.send('17h')).text).toContain(`Às 17:00 não dá tempo: *Tosa* leva 1h30 e ${dayLabel}, fechamos às 18:00.`);
    expect(conversation.state).toMatchObject({ step: 'choose_slot', booking: { serviceId: services.tosa, date: tomorrow } });
  });

  it('offers the next free times when the day asked for is full, and books one', async () => {
    const fullDay = addDays(today, 5);
    for (let hour = 8; hour < 18; hour += 1) {
      const startsAt = formatInZone(at(fullDay, `${String(hour).padStart(2, '0')}:00`), SAO_PAULO);
      const taken = await api('POST', '/api/bookings', { contactId: carla.id, serviceId: services.banho, startsAt });
      expect(taken.status, JSON.stringify(taken.body)).toBe(201);
    }
    const conversation = chat(ana, { agent: 'offline-menu', step: 'main' });
    await conversation.send('agendar banho');
    const [day, month] = fullDay.split('-').reverse();
    const reply = await conversation.send(`${day}/${month}`);
    const dayLabel = spoken(at(fullDay, '08:00')).replace(/, às .*$/, '');
    expect(reply.text).toContain(`Não há horários livres para *Banho* ${dayLabel}.\n\nPróximos horários livres:\n1. ${spoken(at(addDays(fullDay, 1), '08:00'))}\n`);
    expect(reply.text).toContain('Responda com o número do horário ou com outro dia.');
    expect(conversation.state).toMatchObject({ step: 'choose_slot', booking: { serviceId: services.banho } });
    expect((await conversation.send('1')).text).toContain('1. Rex');
    expect((await conversation.send('Rex')).text).toBe(`Confirma *Banho* (R$ 60,00) para *Rex* ${spoken(at(addDays(fullDay, 1), '08:00'))}? (sim/não)`);
    await conversation.send('sim');
    const booked = (await bookingsOf(ana)).filter((booking) => booking.startsAt === formatInZone(at(addDays(fullDay, 1), '08:00'), SAO_PAULO));
    expect(booked).toEqual([expect.objectContaining({ serviceId: services.banho, petId: rexId, status: 'scheduled' })]);
    // Out of the way of the tests that list Ana's bookings.
    expect((await api('POST', `/api/bookings/${booked[0].id}/cancel`, {})).status).toBeLessThan(300);
  });

  it('registers a new pet inline when the customer has none, then books for it', async () => {
    const conversation = chat(bruno);
    await conversation.send('agendar');
    await conversation.send('banho');
    await conversation.send('amanhã');
    expect((await conversation.send('9:00')).text).toBe('Para finalizar, vamos cadastrar seu pet. Qual é o nome do seu pet?');
    expect((await conversation.send('thor')).text).toContain('*Thor* é:\n1. Cachorro\n2. Gato\n3. Outro');
    expect((await conversation.send('1')).text).toContain('Qual é o porte de *Thor*?');
    const confirmation = await conversation.send('grande');
    expect(confirmation.text).toContain('Pronto, cadastrei *Thor*!');
    expect(confirmation.text).toContain(`Confirma *Banho* (R$ 60,00) para *Thor* ${spoken(at(tomorrow, '09:00'))}? (sim/não)`);

    const pets = await api('GET', `/api/pets?contactId=${bruno.id}`);
    expect(pets.body.data).toEqual([expect.objectContaining({ name: 'Thor', species: 'cachorro', size: 'grande' })]);
    await conversation.send('sim');
    const [row] = await bookingsOf(bruno);
    expect(row).toMatchObject({ serviceId: services.banho, petId: pets.body.data[0].id, status: 'scheduled' });
    expect(row.startsAt).toBe(formatInZone(at(tomorrow, '09:00'), SAO_PAULO));
  });

  it('registers a pet from the menu (a cat skips the size)', async () => {
    const conversation = chat(carla, { agent: 'offline-menu', step: 'main' });
    expect((await conversation.send('4')).text).toBe('Qual é o nome do seu pet?');
    await conversation.send('Mimi');
    const done = await conversation.send('gata');
    expect(done.text).toContain('Pronto, cadastrei *Mimi*!');
    expect(conversation.state).toEqual({ agent: 'offline-menu', step: 'main' });
    const pets = await api('GET', `/api/pets?contactId=${carla.id}`);
    expect(pets.body.data).toEqual([expect.objectContaining({ name: 'Mimi', species: 'gato', size: null })]);
  });

  it("lists the customer's bookings and cancels them, asking first when no list was shown", async () => {
    const conversation = chat(ana, { agent: 'offline-menu', step: 'main' });
    const list = await conversation.send('3');
    const [banho, tosa] = (await bookingsOf(ana)).filter((booking) => booking.status === 'scheduled');
    expect(list.text).toContain(`1. *Banho* para *Rex* ${spoken(new Date(banho.startsAt))}`);
    expect(list.text).toContain(`2. *Tosa* para *Rex* ${spoken(new Date(tosa.startsAt))}`);

    const cancelled = await conversation.send('cancelar 1');
    expect(cancelled.text).toBe(`Pronto, cancelei *Banho* para *Rex* ${spoken(new Date(banho.startsAt))}.`);
    expect((await api('GET', `/api/bookings/${banho.id}`)).body.status).toBe('cancelled');
    const events = await server.app.get<Database>(DATABASE).systemDb.select().from(bookingEvents).where(eq(bookingEvents.bookingId, banho.id));
    expect(events.find((event) => event.toStatus === 'cancelled')).toMatchObject({
      fromStatus: 'scheduled',
      actorKind: 'client_agent',
      actorId: null,
      reason: 'cancelado pelo cliente',
    });
    expect(events.find((event) => event.toStatus === 'scheduled')).toMatchObject({ actorKind: 'client_agent' });

    // One booking left: "cancelar" asks about it; "não" keeps it.
    expect((await conversation.send('cancelar')).text).toBe(`Cancelar *Tosa* para *Rex* ${spoken(new Date(tosa.startsAt))}? (sim/não)`);
    expect((await conversation.send('não')).text).toContain('mantive seu agendamento');
    expect((await api('GET', `/api/bookings/${tosa.id}`)).body.status).toBe('scheduled');
  });

  it('cancels the booking the customer names among several, asking first', async () => {
    const day = addDays(today, 7);
    const daniela = await createCustomer('+5511987650004', 'Daniela');
    const thor = await api('POST', '/api/pets', { contactId: daniela.id, name: 'Thor', species: 'cachorro' });
    const made = [];
    for (const [serviceId, clock, petId] of [
      [services.banho, '09:00', thor.body.id],
      [services.tosa, '11:00', thor.body.id],
      [services.banho, '15:00', null],
    ] as const) {
      const created = await api('POST', '/api/bookings', {
        contactId: daniela.id,
        serviceId,
        ...(petId === null ? {} : { petId }),
        startsAt: formatInZone(at(day, clock), SAO_PAULO),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      made.push(created.body.id as string);
    }
    const conversation = chat(daniela, { agent: 'offline-menu', step: 'main' });
    // The only Tosa: asked about at once.
    expect((await conversation.send('quero cancelar a tosa')).text).toBe(`Cancelar *Tosa* para *Thor* ${spoken(at(day, '11:00'))}? (sim/não)`);
    expect((await conversation.send('não')).text).toContain('mantive seu agendamento');
    // Two baths: those two are listed; "o das 15h" picks one.
    const baths = await conversation.send('cancelar agendamento do banho');
    expect(baths.text).toContain(`1. *Banho* para *Thor* ${spoken(at(day, '09:00'))}\n2. *Banho* ${spoken(at(day, '15:00'))}\n`);
    expect((await conversation.send('o das 15h')).text).toBe(`Cancelar *Banho* ${spoken(at(day, '15:00'))}? (sim/não)`);
    await conversation.send('sim');
    expect((await api('GET', `/api/bookings/${made[2]}`)).body.status).toBe('cancelled');
    expect((await api('GET', `/api/bookings/${made[0]}`)).body.status).toBe('scheduled');
    // Nothing named matches: said so, and every booking listed.
    const none = await conversation.send('cancelar a consulta de domingo');
    expect(none.text).toContain('Não encontrei esse agendamento entre os seus.');
    expect(none.text).toContain('Seus próximos agendamentos:');
  });

  it("never cancels another customer's booking, whatever the stored state says", async () => {
    const [anaTosa] = (await bookingsOf(ana)).filter((booking) => booking.status === 'scheduled');
    const forged = chat(bruno, { agent: 'offline-menu', step: 'confirm_cancel', cancelBookingId: anaTosa.id });
    expect((await forged.send('sim')).text).toContain('Esse agendamento não está mais ativo.');
    const listed = chat(bruno, { agent: 'offline-menu', step: 'my_bookings', offeredBookings: [anaTosa.id] });
    expect((await listed.send('cancelar 1')).text).toContain('Esse agendamento não está mais ativo.');
    expect((await api('GET', `/api/bookings/${anaTosa.id}`)).body.status).toBe('scheduled');
  });

  it('hands over to a person from the menu and from the middle of a booking', async () => {
    const fromMenu = await chat(ana, { agent: 'offline-menu', step: 'main' }).send('5');
    expect(fromMenu.handoff).toEqual({ reason: expect.any(String) });
    expect(fromMenu.text).toContain('Vou chamar alguém da nossa equipe');
    expect(fromMenu.agentState).toBeNull();

    const conversation = chat(ana, { agent: 'offline-menu', step: 'main' });
    await conversation.send('agendar');
    const reply = await conversation.send('quero falar com um atendente', '1');
    expect(reply.handoff).toBeDefined();
    // What came after the request is for the person who takes over.
    expect(reply.text).not.toContain('ótimo');
  });

  it('quotes what it did not understand and says what it expects', async () => {
    const conversation = chat(ana, { agent: 'offline-menu', step: 'main' });
    await conversation.send('agendar');
    const reply = await conversation.send('xyzzy banana');
    expect(reply.text).toBe('Não entendi "xyzzy banana". Responda com o número do serviço (1 a 2) ou escreva *menu*.');
    expect(conversation.state).toMatchObject({ step: 'choose_service' });

    const long = await conversation.send('uma frase bem comprida que não quer dizer nada para o menu');
    expect(long.text).toContain('Não entendi "uma frase bem comprida que não quer diz…".');

    const first = await chat(bruno).send('qual o horário de vocês?');
    expect(first.text).toContain(SHOP_NAME);
    expect(first.text).toContain('"qual o horário de vocês?"');
    expect(first.text).toContain('1. Serviços e preços');
  });
});
