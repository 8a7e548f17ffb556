import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addDays, formatInZone, localDate, zonedInstant } from '../src/booking/zoned-time.js';
import { Clock } from '../src/common/clock.js';
import { DATABASE, type Database } from '../src/database/database.js';
import { bookingEvents, contacts, pets, resources, services } from '../src/database/schema.js';
import { request, startTestApp, type TestApp } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

const ADMIN_KEY = 'admin-key-for-booking-tests-0123';
const SAO_PAULO = 'America/Sao_Paulo';
const EVERY_DAY = Object.fromEntries(
  ['0', '1', '2', '3', '4', '5', '6'].map((day) => [day, { open: '08:00', close: '18:00', breaks: [{ start: '12:00', end: '13:00' }] }]),
);

interface Shop {
  id: string;
  key: string;
  serviceId: string;
  resourceIds: string[];
  contactId: string;
  petId: string;
}

const engines = [
  { name: 'PostgreSQL', postgres: true },
  { name: 'PGlite', postgres: false },
];

describe.each(engines)('bookings on $name', ({ postgres }) => {
  let testDatabase: TestDatabase | undefined;
  let server: TestApp;
  let shopA: Shop;
  let shopB: Shop;
  // A day a week from now in São Paulo, so notice rules never interfere.
  const day = localDate(new Date(Date.now() + 7 * 24 * 3600 * 1000), SAO_PAULO);
  const at = (clock: string) => formatInZone(zonedInstant(day, Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3)), SAO_PAULO), SAO_PAULO);

  async function createShop(name: string, resourceCount: number): Promise<Shop> {
    const created = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name } });
    const id = created.body.organization.id as string;
    const key = created.body.apiKey.key as string;
    const settings = await request(server.baseUrl, 'PATCH', '/api/organizations/me', {
      token: key,
      body: { businessHours: EVERY_DAY, slotGranularityMin: 30, minimumNoticeMin: 60 },
    });
    expect(settings.status, JSON.stringify(settings.body)).toBe(200);
    const database = server.app.get<Database>(DATABASE);
    const [service] = await database.systemDb
      .insert(services)
      .values({ organizationId: id, name: 'Banho', durationMin: 60, priceCents: 8000, resourceKind: 'bath_station' })
      .returning();
    const boxes = await database.systemDb
      .insert(resources)
      .values(Array.from({ length: resourceCount }, (_, index) => ({ organizationId: id, name: `Box ${index + 1}`, kind: 'bath_station' as const })))
      .returning();
    const [contact] = await database.systemDb.insert(contacts).values({ organizationId: id, phone: '+5511987654321', name: 'Ana' }).returning();
    const [pet] = await database.systemDb.insert(pets).values({ organizationId: id, contactId: contact.id, name: 'Rex', species: 'cachorro' }).returning();
    return { id, key, serviceId: service.id, resourceIds: boxes.map((box) => box.id).sort(), contactId: contact.id, petId: pet.id };
  }

  const book = (shop: Shop, startsAt: string, extra: Record<string, unknown> = {}) =>
    request(server.baseUrl, 'POST', '/api/bookings', {
      token: shop.key,
      body: { contactId: shop.contactId, petId: shop.petId, serviceId: shop.serviceId, startsAt, ...extra },
    });

  beforeAll(async () => {
    testDatabase = postgres ? await createTestDatabase('bookings') : undefined;
    server = await startTestApp({ ADMIN_API_KEY: ADMIN_KEY, ...(testDatabase ? { DATABASE_URL: testDatabase.url, DATABASE_POOL_SIZE: '20' } : {}) });
    shopA = await createShop('Banho A', 1);
    shopB = await createShop('Banho B', 2);
  });

  afterAll(async () => {
    await server?.close();
    await testDatabase?.drop();
  });

  it('50 concurrent requests for one slot of one resource: one booking, 49 conflicts with alternatives', async () => {
    const responses = await Promise.all(Array.from({ length: 50 }, () => book(shopA, at('09:00'))));
    const statuses = responses.map((response) => response.status);
    const others = JSON.stringify(responses.filter((response) => response.status !== 409).map((response) => [response.status, response.body?.message]));
    expect(statuses.filter((status) => status === 201), others).toHaveLength(1);
    expect(statuses.filter((status) => status === 409), others).toHaveLength(49);
    for (const conflict of responses.filter((response) => response.status === 409)) {
      expect(conflict.body.code).toBe('slot_taken');
      expect(conflict.body.details.alternatives.length).toBeGreaterThan(0);
      expect(conflict.body.details.alternatives[0].start).toBe(at('10:00'));
    }
    const winner = responses.find((response) => response.status === 201)!;
    expect(winner.body).toMatchObject({ startsAt: at('09:00'), endsAt: at('10:00'), status: 'scheduled', priceCents: 8000 });
  });

  it('50 concurrent overlapping (not identical) ranges on one resource: exactly one wins', async () => {
    const starts = Array.from({ length: 50 }, (_, minute) => at(`14:${String(minute).padStart(2, '0')}`));
    const responses = await Promise.all(starts.map((start) => book(shopA, start)));
    // On failure, say what the requests that neither won nor conflicted got.
    const others = JSON.stringify(responses.filter((response) => response.status !== 409).map((response) => [response.status, response.body?.message]));
    expect(responses.filter((response) => response.status === 201), others).toHaveLength(1);
    expect(responses.filter((response) => response.status === 409), others).toHaveLength(49);
  });

  it('a booking ending when the next starts does not conflict, and a cancelled booking frees its slot', async () => {
    const before = await book(shopA, at('08:00'));
    expect(before.status).toBe(201);
    const taken = await book(shopA, at('08:00'));
    expect(taken.status).toBe(409);
    const cancelled = await request(server.baseUrl, 'POST', `/api/bookings/${before.body.id}/cancel`, { token: shopA.key, body: { reason: 'cliente desistiu' } });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('cancelled');
    const again = await book(shopA, at('08:00'));
    expect(again.status).toBe(201);
  });

  it('fills the second resource before refusing, and says which resource it used', async () => {
    const first = await book(shopB, at('10:00'));
    const second = await book(shopB, at('10:00'));
    const third = await book(shopB, at('10:00'));
    expect([first.status, second.status, third.status]).toEqual([201, 201, 409]);
    expect([first.body.resourceId, second.body.resourceId].sort()).toEqual(shopB.resourceIds);
  });

  it('shows free slots in the shop zone and removes booked ones', async () => {
    const response = await request(server.baseUrl, 'GET', `/api/bookings/availability?serviceId=${shopA.serviceId}&date=${day}`, { token: shopA.key });
    expect(response.status).toBe(200);
    const starts = response.body.slots.map((slot: { start: string }) => slot.start);
    expect(response.body.timezone).toBe(SAO_PAULO);
    expect(starts).not.toContain(at('08:00'));
    expect(starts).not.toContain(at('09:00'));
    expect(starts).not.toContain(at('11:30'));
    expect(starts).toContain(at('10:00'));
    expect(starts[0]).toMatch(/-03:00$/);
  });

  it('refuses times that can never be booked with 422 and alternatives', async () => {
    const duringBreak = await book(shopA, at('11:30'));
    expect(duringBreak.status).toBe(422);
    expect(duringBreak.body.message).toMatch(/break/);
    const tooLate = await book(shopA, at('17:30'));
    expect(tooLate.status).toBe(422);
    const past = await book(shopA, '2020-01-01T10:00:00-03:00');
    expect(past.status).toBe(422);
    expect(past.body.message).toMatch(/past/);
    expect(past.body.details.alternatives.length).toBeGreaterThan(0);
    const noOffset = await book(shopA, '2026-12-01T10:00:00');
    expect(noOffset.status).toBe(400);
    expect(noOffset.body.details[0].field).toBe('startsAt');
  });

  it('refuses a start in ISO week form (which Date cannot read) with a 400 naming startsAt, on create and reschedule', async () => {
    const weekForm = '2026-W52-4T10:00:00-03:00';
    const created = await book(shopA, weekForm);
    expect(created.status, JSON.stringify(created.body)).toBe(400);
    expect(created.body.details[0].field).toBe('startsAt');
    const booking = await book(shopB, at('08:00'));
    expect(booking.status).toBe(201);
    const moved = await request(server.baseUrl, 'POST', `/api/bookings/${booking.body.id}/reschedule`, { token: shopB.key, body: { startsAt: weekForm } });
    expect(moved.status, JSON.stringify(moved.body)).toBe(400);
    expect(moved.body.details[0].field).toBe('startsAt');
  });

  it('takes bookings up to 365 days ahead: a later day has no slots and a later start is a 422 with the nearest free times', async () => {
    const farDay = localDate(new Date(Date.now() + 400 * 24 * 3600 * 1000), SAO_PAULO);
    for (const date of [farDay, '9999-12-31']) {
      const slots = await request(server.baseUrl, 'GET', `/api/bookings/availability?serviceId=${shopA.serviceId}&date=${date}`, { token: shopA.key });
      expect(slots.status, `${date}: ${JSON.stringify(slots.body)}`).toBe(200);
      expect(slots.body.slots).toEqual([]);
    }
    for (const startsAt of [`${farDay}T10:00:00-03:00`, '9999-12-31T10:00:00-03:00']) {
      const refused = await book(shopA, startsAt);
      expect(refused.status, `${startsAt}: ${JSON.stringify(refused.body)}`).toBe(422);
      expect(refused.body.code).toBe('invalid_slot');
      expect(refused.body.message).toMatch(/365 days ahead/);
      expect(refused.body.details.alternatives.length).toBeGreaterThan(0);
    }
    const booking = await book(shopA, at('11:00'));
    expect(booking.status).toBe(201);
    const moved = await request(server.baseUrl, 'POST', `/api/bookings/${booking.body.id}/reschedule`, {
      token: shopA.key,
      body: { startsAt: '9999-12-31T10:00:00-03:00' },
    });
    expect(moved.status, JSON.stringify(moved.body)).toBe(422);
    expect(moved.body.code).toBe('invalid_slot');
  });

  it('says a service has no resource to perform it (422), rather than that the time is taken', async () => {
    const database = server.app.get<Database>(DATABASE);
    const [grooming] = await database.systemDb
      .insert(services)
      .values({ organizationId: shopB.id, name: 'Tosa', durationMin: 60, priceCents: 9000, resourceKind: 'groomer' })
      .returning();
    const refused = await book(shopB, at('09:00'), { serviceId: grooming.id });
    expect(refused.status, JSON.stringify(refused.body)).toBe(422);
    expect(refused.body.code).toBe('invalid_slot');
    expect(refused.body.message).toContain('No active groomer resource');
  });

  it('records each status change with who made it', async () => {
    const created = await book(shopA, at('17:00'));
    expect(created.status).toBe(201);
    // A visit is done once it has begun: the clock moves to 17:10 that day.
    const clock = vi.spyOn(server.app.get(Clock), 'now').mockReturnValue(new Date(at('17:10')));
    const done = await request(server.baseUrl, 'POST', `/api/bookings/${created.body.id}/done`, { token: shopA.key, body: {} }).finally(() =>
      clock.mockRestore(),
    );
    expect(done.body.status).toBe('done');
    const again = await request(server.baseUrl, 'POST', `/api/bookings/${created.body.id}/no-show`, { token: shopA.key, body: {} });
    expect(again.status).toBe(409);
    const database = server.app.get<Database>(DATABASE);
    const events = await database.withTenant(shopA.id, (tx) => tx.select().from(bookingEvents));
    const mine = events.filter((event) => event.bookingId === created.body.id);
    expect(mine.map((event) => [event.fromStatus, event.toStatus, event.actorKind])).toEqual([
      [null, 'scheduled', 'api_key'],
      ['scheduled', 'done', 'api_key'],
    ]);
  });

  it('refuses done and no-show before the booking starts with 409 booking_not_started, and allows them once it has', async () => {
    const created = await book(shopA, at('13:00'));
    expect(created.status).toBe(201);
    for (const action of ['no-show', 'done']) {
      const early = await request(server.baseUrl, 'POST', `/api/bookings/${created.body.id}/${action}`, { token: shopA.key, body: {} });
      expect(early.status, JSON.stringify(early.body)).toBe(409);
      expect(early.body.code).toBe('booking_not_started');
      expect(early.body.message).toContain(at('13:00'));
    }
    const unchanged = await request(server.baseUrl, 'GET', `/api/bookings/${created.body.id}`, { token: shopA.key });
    expect(unchanged.body.status).toBe('scheduled');

    const clock = vi.spyOn(server.app.get(Clock), 'now').mockReturnValue(new Date(at('13:20')));
    try {
      const noShow = await request(server.baseUrl, 'POST', `/api/bookings/${created.body.id}/no-show`, { token: shopA.key, body: {} });
      expect(noShow.status, JSON.stringify(noShow.body)).toBe(200);
      expect(noShow.body.status).toBe('no_show');
    } finally {
      clock.mockRestore();
    }
  });

  it('reschedules into a free time and refuses a taken one', async () => {
    const created = await book(shopA, at('16:00'));
    const moved = await request(server.baseUrl, 'POST', `/api/bookings/${created.body.id}/reschedule`, { token: shopA.key, body: { startsAt: at('16:30') } });
    expect(moved.status).toBe(200);
    expect(moved.body.startsAt).toBe(at('16:30'));
    const onTaken = await request(server.baseUrl, 'POST', `/api/bookings/${created.body.id}/reschedule`, { token: shopA.key, body: { startsAt: at('09:00') } });
    expect(onTaken.status).toBe(409);
    expect(onTaken.body.code).toBe('slot_taken');
  });

  it('lists a day given as YYYY-MM-DD in the shop zone, and refuses bounds it cannot read with a 400 naming the field', async () => {
    // 08:00 in Tokyo is 23:00 UTC of the day before: the booking belongs to `day` there, not to the day before.
    const tokyo = await createShop('Banho Tóquio', 1);
    const zone = await request(server.baseUrl, 'PATCH', '/api/organizations/me', { token: tokyo.key, body: { timezone: 'Asia/Tokyo' } });
    expect(zone.status).toBe(200);
    const morning = await book(tokyo, formatInZone(zonedInstant(day, 8 * 60, 'Asia/Tokyo'), 'Asia/Tokyo'));
    expect(morning.status, JSON.stringify(morning.body)).toBe(201);
    const idsOf = (response: { body: { data: { id: string }[] } }) => response.body.data.map((booking) => booking.id);
    const ofDay = await request(server.baseUrl, 'GET', `/api/bookings?from=${day}&to=${addDays(day, 1)}`, { token: tokyo.key });
    expect(ofDay.status).toBe(200);
    expect(idsOf(ofDay)).toEqual([morning.body.id]);
    const ofDayBefore = await request(server.baseUrl, 'GET', `/api/bookings?from=${addDays(day, -1)}&to=${day}`, { token: tokyo.key });
    expect(ofDayBefore.status).toBe(200);
    expect(idsOf(ofDayBefore)).toEqual([]);

    for (const [query, field] of [
      [`from=${encodeURIComponent(at('12:00'))}&to=${encodeURIComponent(at('08:00'))}`, 'to'],
      ['from=2026-330', 'from'],
      ['from=2026-W48-4', 'from'],
      ['to=2026-11-26T10:00:00', 'to'],
    ]) {
      const refused = await request(server.baseUrl, 'GET', `/api/bookings?${query}`, { token: tokyo.key });
      expect(refused.status, `${query}: ${JSON.stringify(refused.body)}`).toBe(400);
      expect(refused.body.code).toBe('validation_failed');
      expect(refused.body.details[0].field).toBe(field);
    }
  });

  // Every route against another organization's ids: test/tenant-isolation.test.ts; here, bookings mixing B's own ids with A's.
  it("lists with filters, and organization B cannot book with A's service or A's contact beside its own", async () => {
    const list = await request(server.baseUrl, 'GET', `/api/bookings?status=scheduled&from=${encodeURIComponent(at('00:00'))}`, { token: shopA.key });
    expect(list.status).toBe(200);
    expect(list.body.data.every((booking: { status: string }) => booking.status === 'scheduled')).toBe(true);
    const aBooking = list.body.data[0];

    const intoA = await request(server.baseUrl, 'POST', '/api/bookings', {
      token: shopB.key,
      body: { contactId: shopB.contactId, serviceId: shopA.serviceId, startsAt: at('11:00') },
    });
    expect(intoA.status).toBe(404);
    const withAContact = await book(shopB, at('11:00'), { contactId: shopA.contactId, petId: undefined });
    expect(withAContact.status).toBe(404);
    const stillThere = await request(server.baseUrl, 'GET', `/api/bookings/${aBooking.id}`, { token: shopA.key });
    expect(stillThere.body.status).toBe('scheduled');
  });
});
