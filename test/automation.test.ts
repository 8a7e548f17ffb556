import { randomBytes } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { and, eq } from 'drizzle-orm';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnalyticsService } from '../src/analytics/analytics.service.js';
import { ProactiveScheduler } from '../src/automation/proactive-scheduler.js';
import { ProactiveService } from '../src/automation/proactive.service.js';
import { addDays, localDate, minutesOf, zonedInstant } from '../src/booking/zoned-time.js';
import { Clock } from '../src/common/clock.js';
import { DATABASE, type Database } from '../src/database/database.js';
import { type BookingStatus, bookingEvents, bookings, contacts, messages, organizations, pets, proactiveMessages, resources, whatsappInstances } from '../src/database/schema.js';
import { deleteRedisPrefix, REDIS_URL, request, startTestApp, type TestApp } from './support/app.js';
import { customerChat } from './support/chatting-app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { sleep, waitFor } from './support/processes.js';
import { createChattingShop, type TestShop } from './support/shop.js';

const ADMIN_KEY = 'admin-key-for-automation-tests-012345';
const SAO_PAULO = 'America/Sao_Paulo';
/** createChattingShop's owner number, as the sandbox records the recipient. */
const OWNER = '5511900000099';
/** Long enough for a proactive message that must not go out (or not twice) to show up, were there one. */
const SETTLE_MS = 1500;
/** The shop's day under test: tomorrow in São Paulo, so every instant the clocks show is near the real one. */
const DAY = addDays(localDate(new Date(), SAO_PAULO), 1);
const YESTERDAY = addDays(DAY, -1);
const at = (date: string, clock: string) => zonedInstant(date, minutesOf(clock), SAO_PAULO);

interface ProactiveEvent {
  kind: string;
  text: string;
  instanceId: string | null;
  data: Record<string, unknown>;
  at: string;
}

describe('Aurora proactive messages, with two worker processes', () => {
  const prefix = `test:automation:${randomBytes(4).toString('hex')}`;
  let testDatabase: TestDatabase;
  let server: TestApp;
  let twin: TestApp;
  let shop: TestShop;
  let db: Database;
  let queue: Queue;
  let socket: Socket;
  const events: ProactiveEvent[] = [];
  const ids = { ana: '', bruno: '', rex: '', mel: '', groomer: '' };

  const { api, write, sentTo } = customerChat(() => ({ server, shop }), { pushNameOf: () => 'Carla' });
  const toOwner = () => sentTo(OWNER);
  const ownerTexts = (pattern: RegExp) => toOwner().filter((message) => pattern.test(message.text ?? ''));
  const eventsOf = (kind: string) => events.filter((event) => event.kind === kind);
  const rowsOf = (kind: (typeof proactiveMessages.$inferSelect)['kind']) =>
    db.systemDb.select().from(proactiveMessages).where(and(eq(proactiveMessages.organizationId, shop.organizationId), eq(proactiveMessages.kind, kind)));

  /** Both processes' clocks show the same instant, as two replicas' would. */
  const setClocks = (instant: Date) => {
    for (const app of [server, twin]) vi.spyOn(app.app.get(Clock), 'now').mockReturnValue(instant);
  };

  /** Both processes' schedulers tick at `instant`; resolves when the slot's one tick job and what it enqueued are done. */
  const tickBoth = async (instant: Date) => {
    setClocks(instant);
    await Promise.all([server.app.get(ProactiveScheduler).enqueueTick(), twin.app.get(ProactiveScheduler).enqueueTick()]);
    const slotJob = `tick-${Math.floor(instant.getTime() / 60_000) * 60_000}`;
    await waitFor(async () => (await queue.getJobState(slotJob)) === 'completed', 10_000);
    await waitFor(async () => {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed');
      return counts.waiting + counts.active + counts.delayed === 0;
    }, 10_000);
  };

  const addBooking = async (input: { contactId: string; petId: string | null; service: 'banho' | 'tosa'; date: string; time: string; status: BookingStatus }) => {
    const start = at(input.date, input.time);
    const minutes = input.service === 'banho' ? 60 : 90;
    const [row] = await db.systemDb
      .insert(bookings)
      .values({
        organizationId: shop.organizationId,
        contactId: input.contactId,
        petId: input.petId,
        serviceId: shop.services[input.service],
        resourceId: ids.groomer,
        during: { start, end: new Date(start.getTime() + minutes * 60_000) },
        status: input.status,
        priceCents: input.service === 'banho' ? 6000 : 8000,
      })
      .returning({ id: bookings.id });
    return row.id;
  };

  beforeAll(async () => {
    testDatabase = await createTestDatabase('automation');
    const shared = { DATABASE_URL: testDatabase.url, ADMIN_API_KEY: ADMIN_KEY, REDIS_PREFIX: prefix, OUTBOUND_MIN_GAP_MS: '0', OUTBOUND_JITTER_MS: '0' };
    server = await startTestApp(shared);
    twin = await startTestApp(shared);
    shop = await createChattingShop(server.baseUrl, ADMIN_KEY);
    db = server.app.get<Database>(DATABASE);
    queue = server.app.get<Queue>(getQueueToken('automation'));

    const [groomer] = await db.systemDb.select({ id: resources.id }).from(resources).where(eq(resources.organizationId, shop.organizationId));
    ids.groomer = groomer.id;
    const [ana, bruno] = await db.systemDb
      .insert(contacts)
      .values([
        { organizationId: shop.organizationId, phone: '+5511911110001', name: 'Ana' },
        { organizationId: shop.organizationId, phone: '+5511911110002', name: 'Bruno' },
      ])
      .returning({ id: contacts.id });
    ids.ana = ana.id;
    ids.bruno = bruno.id;
    const fourYearsBefore = `${Number(DAY.slice(0, 4)) - 4}${DAY.slice(4)}`;
    const [rex, mel] = await db.systemDb
      .insert(pets)
      .values([
        { organizationId: shop.organizationId, contactId: ana.id, name: 'Rex', species: 'cachorro', birthDate: fourYearsBefore },
        { organizationId: shop.organizationId, contactId: bruno.id, name: 'Mel', species: 'gato', birthDate: `${Number(DAY.slice(0, 4)) - 2}${addDays(DAY, 45).slice(4)}` },
      ])
      .returning({ id: pets.id });
    ids.rex = rex.id;
    ids.mel = mel.id;

    const anaRex = { contactId: ana.id, petId: rex.id };
    const brunoMel = { contactId: bruno.id, petId: mel.id };
    // Yesterday: two done (R$ 60 + R$ 80), one no-show, one cancellation.
    await addBooking({ ...anaRex, service: 'banho', date: YESTERDAY, time: '09:00', status: 'done' });
    await addBooking({ ...brunoMel, service: 'tosa', date: YESTERDAY, time: '11:00', status: 'done' });
    await addBooking({ ...brunoMel, service: 'banho', date: YESTERDAY, time: '14:00', status: 'no_show' });
    await addBooking({ ...anaRex, service: 'banho', date: YESTERDAY, time: '16:00', status: 'cancelled' });
    // Today: two on the agenda, and a cancelled one that must not be listed.
    await addBooking({ ...anaRex, service: 'banho', date: DAY, time: '09:00', status: 'scheduled' });
    await addBooking({ ...brunoMel, service: 'tosa', date: DAY, time: '14:30', status: 'confirmed' });
    await addBooking({ ...anaRex, service: 'banho', date: DAY, time: '16:00', status: 'cancelled' });

    socket = io(twin.baseUrl, { auth: { token: shop.key }, transports: ['websocket'], reconnection: false, forceNew: true });
    socket.on('aurora:proactive', (payload: ProactiveEvent) => events.push(payload));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
  }, 90_000);

  afterAll(async () => {
    socket?.disconnect();
    await twin?.close();
    await server?.close();
    await deleteRedisPrefix(REDIS_URL, prefix).catch(() => undefined);
    await testDatabase?.drop();
  });

  it('sends nothing at 07:59 São Paulo, before the default 08:00 summary hour', async () => {
    await tickBoth(at(DAY, '07:59'));
    await sleep(SETTLE_MS);
    expect(toOwner()).toEqual([]);
    expect(await db.systemDb.select().from(proactiveMessages)).toEqual([]);
    expect(events).toEqual([]);
  });

  it('sends the daily summary at 08:00 exactly once with two workers, and not again on later ticks or retries', async () => {
    await tickBoth(at(DAY, '08:00'));
    await waitFor(() => ownerTexts(/Resumo de/).length > 0 && eventsOf('daily_summary').length > 0, 10_000);

    // Later ticks find the summary sent; a retried day job (on either process) finds its claims taken.
    await tickBoth(at(DAY, '08:01'));
    await tickBoth(at(DAY, '09:30'));
    const retries = await Promise.all([server, twin].map((app) => app.app.get(ProactiveService).runDay(shop.organizationId, DAY)));
    expect(retries).toEqual([[], []]);
    await sleep(SETTLE_MS);

    const summaries = ownerTexts(/Resumo de/);
    expect(summaries).toHaveLength(1);
    expect(await rowsOf('daily_summary')).toHaveLength(1);
    expect(eventsOf('daily_summary')).toHaveLength(1);

    const text = summaries[0].text!;
    console.log(`daily summary for ${DAY}:\n${text}`);
    expect(text).toContain('*Bom dia!*');
    expect(text).toContain('📅 *Agenda de hoje* (2 agendamentos)');
    expect(text).toContain('• 09:00 Banho — Rex (Ana)');
    expect(text).toContain('• 14:30 Tosa — Mel (Bruno)');
    expect(text).not.toContain('16:00');
    expect(text).toContain('• 2 atendimentos concluídos — R$ 140,00');
    expect(text).toContain('• 1 falta · 1 cancelamento');
    expect(text).toContain('✅ Nenhuma conversa esperando atendimento.');

    // The same figures AnalyticsService gives for the same days.
    const analytics = server.app.get(AnalyticsService);
    expect((await analytics.agenda(shop.organizationId, { fromDate: DAY, toDate: addDays(DAY, 1), from: at(DAY, '00:00'), to: at(addDays(DAY, 1), '00:00') })).length).toBe(2);

    const [event] = eventsOf('daily_summary');
    expect(event).toMatchObject({
      text,
      instanceId: shop.instanceId,
      data: { date: DAY, bookingsToday: 2, yesterday: { done: 2, revenueCents: 14000, noShow: 1, cancelled: 1, total: 3 }, openHandoffs: 0 },
    });
    expect(new Date(event.at).toISOString()).toBe(event.at);
  });

  it("celebrates a pet's birthday once on its day, naming the age it turns", async () => {
    // The 08:00 day job claimed it after the summary: on a busy host its send may still be on the way.
    await waitFor(() => ownerTexts(/Aniversariante/).length > 0, 10_000).catch(async () => {
      // Whether it was claimed without an instance, or stored and never sent, says where it was lost.
      const sends = await db.systemDb
        .select({ body: messages.body, status: messages.status, error: messages.error, createdAt: messages.createdAt })
        .from(messages)
        .where(and(eq(messages.organizationId, shop.organizationId), eq(messages.remotePhone, `+${OWNER}`)));
      throw new Error(`no birthday text reached the owner: ${JSON.stringify({ claims: await rowsOf('pet_birthday'), sends })}`);
    });
    const birthdays = ownerTexts(/Aniversariante/);
    expect(birthdays).toHaveLength(1);
    expect(birthdays[0].text).toContain('• *Rex* (cachorro de Ana) faz 4 anos');
    expect(birthdays[0].text).not.toContain('Mel');
    expect(await rowsOf('pet_birthday')).toHaveLength(1);
    expect(eventsOf('pet_birthday')).toEqual([expect.objectContaining({ data: expect.objectContaining({ date: DAY, pets: [expect.objectContaining({ pet: 'Rex', years: 4 })] }) })]);
  });

  it('alerts the owner once when a booking is marked no-show, however often it is retried', async () => {
    setClocks(at(DAY, '11:20'));
    const bookingId = await addBooking({ contactId: ids.bruno, petId: ids.mel, service: 'banho', date: DAY, time: '11:00', status: 'scheduled' });
    expect((await api('POST', `/api/bookings/${bookingId}/no-show`, {})).status).toBe(200);
    await waitFor(() => ownerTexts(/Falta/).length > 0, 10_000);

    // Marking it again is refused; a retried alert job, on either process, finds it sent; so does the tick's sweep.
    expect((await api('POST', `/api/bookings/${bookingId}/no-show`, {})).status).toBe(409);
    const retries = await Promise.all([server, twin].map((app) => app.app.get(ProactiveService).alertBooking(shop.organizationId, bookingId, 'no_show')));
    expect(retries).toEqual([false, false]);
    await tickBoth(at(DAY, '11:21'));
    await sleep(SETTLE_MS);

    const alerts = ownerTexts(/Falta/);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].text).toBe('⚠️ *Falta:* Mel (Bruno) não veio ao horário de *Banho* marcado para hoje às 11:00. Telefone: +5511911110002');
    expect(await rowsOf('no_show')).toEqual([expect.objectContaining({ dedupeKey: bookingId, recipients: 1 })]);
    expect(eventsOf('no_show')).toEqual([expect.objectContaining({ data: expect.objectContaining({ bookingId, status: 'no_show' }) })]);
  });

  it('alerts the owner once when a booking is cancelled', async () => {
    const bookingId = await addBooking({ contactId: ids.ana, petId: ids.rex, service: 'tosa', date: addDays(DAY, 1), time: '10:00', status: 'confirmed' });
    expect((await api('POST', `/api/bookings/${bookingId}/cancel`, { reason: 'viagem' })).status).toBe(200);
    await waitFor(() => ownerTexts(/cancelado/).length > 0, 10_000);
    await tickBoth(at(DAY, '11:30'));
    await sleep(SETTLE_MS);

    const alerts = ownerTexts(/cancelado/);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].text).toBe('❌ *Agendamento cancelado:* *Tosa* de Rex (Ana), amanhã às 10:00. O horário ficou livre. Telefone: +5511911110001');
    expect(eventsOf('cancellation')).toHaveLength(1);
  });

  it('alerts the owner when the customer cancels through the assistant on WhatsApp', async () => {
    setClocks(at(DAY, '11:40'));
    const customer = '5511970000042';
    expect((await write(customer, 'oi')).status).toBe(200);
    await waitFor(() => sentTo(customer).length === 1, 15_000);
    const [carla] = await db.systemDb.select().from(contacts).where(eq(contacts.phone, `+${customer}`));
    await addBooking({ contactId: carla.id, petId: null, service: 'banho', date: addDays(DAY, 2), time: '10:00', status: 'scheduled' });

    await write(customer, '3');
    await waitFor(() => sentTo(customer).length === 2, 15_000);
    expect(sentTo(customer)[1].text).toContain('1. *Banho*');
    await write(customer, 'cancelar 1');
    await waitFor(() => sentTo(customer).length === 3, 15_000);
    expect(sentTo(customer)[2].text).toContain('Pronto, cancelei *Banho*');

    await waitFor(() => ownerTexts(/de Carla/).length > 0, 10_000);
    await sleep(SETTLE_MS);
    const alerts = ownerTexts(/de Carla/);
    expect(alerts).toHaveLength(1);
    expect(alerts[0].text).toMatch(/^❌ \*Agendamento cancelado:\* \*Banho\* de Carla, (\S+-feira|sábado|domingo), \d\d\/\d\d às 10:00\./);
    expect(alerts[0].text).toContain('às 10:00. O horário ficou livre. Telefone: +5511970000042');
  });

  it('sends on the next tick an alert whose job was lost (the change only in booking_events)', async () => {
    const bookingId = await addBooking({ contactId: ids.ana, petId: ids.rex, service: 'banho', date: DAY, time: '12:00', status: 'no_show' });
    const [booking] = await db.systemDb.select().from(bookings).where(eq(bookings.id, bookingId));
    await db.systemDb.insert(bookingEvents).values({
      organizationId: shop.organizationId,
      bookingId,
      fromStatus: 'scheduled',
      toStatus: 'no_show',
      actorKind: 'api_key',
      during: booking.during,
      createdAt: at(DAY, '12:30'),
    });
    await tickBoth(at(DAY, '13:00'));
    await waitFor(() => ownerTexts(/Rex \(Ana\) não veio/).length > 0, 10_000);
    await tickBoth(at(DAY, '13:01'));
    await sleep(SETTLE_MS);
    expect(ownerTexts(/Rex \(Ana\) não veio/)).toHaveLength(1);
  });

  it("follows the owner's settings: a 07:00 summary hour, and a bookings milestone celebrated once", async () => {
    const invalid = await api('PATCH', '/api/organizations/me', { proactive: { dailySummaryHour: 24 } });
    expect(invalid.status).toBe(400);
    expect(invalid.body).toMatchObject({ code: 'validation_failed', details: [{ field: 'proactive.dailySummaryHour', problems: [expect.stringContaining('must not be greater than 23')] }] });
    const patched = await api('PATCH', '/api/organizations/me', { proactive: { dailySummaryHour: 7 } });
    expect(patched.status).toBe(200);
    expect(patched.body.proactive).toEqual({ dailySummaryHour: 7, dailySummary: true, alerts: true, celebrations: true });
    const again = await api('PATCH', '/api/organizations/me', { proactive: { alerts: false } });
    expect(again.body.proactive).toEqual({ dailySummaryHour: 7, dailySummary: true, alerts: false, celebrations: true });

    // A hundred old bookings done: the shop passes its 100th.
    for (let index = 0; index < 100; index += 1) {
      const date = addDays(DAY, -400 - index);
      await addBooking({ contactId: ids.ana, petId: ids.rex, service: 'banho', date, time: '10:00', status: 'done' });
    }
    const nextDay = addDays(DAY, 1);
    await tickBoth(at(nextDay, '06:59'));
    await sleep(SETTLE_MS);
    expect(ownerTexts(/Resumo de/)).toHaveLength(1);

    await tickBoth(at(nextDay, '07:00'));
    await waitFor(() => ownerTexts(/Resumo de/).length === 2 && ownerTexts(/agendamentos!/).length > 0, 10_000);
    await tickBoth(at(nextDay, '08:00'));
    await sleep(SETTLE_MS);
    expect(ownerTexts(/Resumo de/)).toHaveLength(2);
    expect(ownerTexts(/agendamentos!/).map((message) => message.text)).toEqual([
      '🎉 *100 agendamentos!* A loja chegou ao 100º agendamento. Parabéns pelo trabalho! 🥳',
    ]);
    // No birthday on the next day.
    expect(ownerTexts(/Aniversariante/)).toHaveLength(1);
  });

  it('starts a shop created after its summary hour on the next day, and records a summary without owner numbers for the dashboard', async () => {
    const created = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Loja Nova' } });
    const newShop = created.body.organization.id as string;
    const nextDay = addDays(DAY, 1);
    await db.systemDb.update(organizations).set({ createdAt: at(nextDay, '09:15') }).where(eq(organizations.id, newShop));
    const summariesOf = () =>
      db.systemDb.select().from(proactiveMessages).where(and(eq(proactiveMessages.organizationId, newShop), eq(proactiveMessages.kind, 'daily_summary')));

    await tickBoth(at(nextDay, '10:00'));
    expect(await summariesOf()).toEqual([]);
    await tickBoth(at(addDays(nextDay, 1), '08:00'));
    expect(await summariesOf()).toEqual([expect.objectContaining({ dedupeKey: addDays(nextDay, 1), instanceId: null, recipients: 0 })]);
  });

  it('sends the summary through the shop\'s number while it reconnects at the hour (a restart), instead of recording it unsent', async () => {
    // Three days on: the day before was ticked at 08:00 by the test above, past this shop's 07:00.
    const day = addDays(DAY, 3);
    const instance = eq(whatsappInstances.id, shop.instanceId);
    await db.systemDb.update(whatsappInstances).set({ status: 'reconnecting' }).where(instance);
    try {
      await tickBoth(at(day, '07:00'));
    } finally {
      await db.systemDb.update(whatsappInstances).set({ status: 'connected' }).where(instance);
    }
    const [summary] = (await rowsOf('daily_summary')).filter((row) => row.dedupeKey === day);
    expect(summary).toMatchObject({ instanceId: shop.instanceId, recipients: 1 });
    const label = `${day.slice(8, 10)}/${day.slice(5, 7)}`;
    await waitFor(() => ownerTexts(/Resumo de/).some((message) => message.text!.includes(label)), 10_000);
  });

  it('finds 29 February birthdays on 28 February in common years only, and documents the settings in OpenAPI', async () => {
    await db.systemDb.insert(pets).values({ organizationId: shop.organizationId, contactId: ids.bruno, name: 'Pipoca', species: 'gato', birthDate: '2024-02-29' });
    const analytics = server.app.get(AnalyticsService);
    const names = async (date: string) => (await analytics.birthdaysOn(shop.organizationId, date)).map((pet) => `${pet.pet} ${pet.years}`);
    expect(await names('2027-02-28')).toEqual(['Pipoca 3']);
    expect(await names('2028-02-28')).toEqual([]);
    expect(await names('2028-02-29')).toEqual(['Pipoca 4']);
    expect(await names('2024-02-29')).toEqual(['Pipoca null']);

    const docs = await request(server.baseUrl, 'GET', '/docs-json');
    expect(docs.body.components.schemas.UpdateOrganizationDto.properties.proactive).toBeDefined();
    expect(docs.body.components.schemas.ProactiveSettingsDto.properties.dailySummaryHour).toMatchObject({ minimum: 0, maximum: 23, example: 8 });
  });
});
