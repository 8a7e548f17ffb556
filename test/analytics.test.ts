import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AnalyticsService } from '../src/analytics/analytics.service.js';
import { zonedInstant } from '../src/booking/zoned-time.js';
import { Clock } from '../src/common/clock.js';
import { DATABASE, type Database } from '../src/database/database.js';
import { type BookingStatus, bookings } from '../src/database/schema.js';
import { request, startTestApp, type TestApp } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

const ADMIN_KEY = 'admin-key-for-analytics-tests-0123456';
const SAO_PAULO = 'America/Sao_Paulo';
/** Wednesday 2026-11-18, 15:00 in São Paulo: the week runs Monday 16 to Sunday 22. */
const NOW = zonedInstant('2026-11-18', 15 * 60, SAO_PAULO);

/**
 * Aurora's figures against bookings seeded with hand-computed answers. The
 * table in each test is worked out by hand from the seed below, not by the code.
 */
describe('analytics on seeded bookings', () => {
  let testDatabase: TestDatabase;
  let server: TestApp;
  let analytics: AnalyticsService;
  let organizationId: string;
  let otherOrganizationId: string;

  beforeAll(async () => {
    testDatabase = await createTestDatabase('analytics');
    server = await startTestApp({ DATABASE_URL: testDatabase.url, ADMIN_API_KEY: ADMIN_KEY });
    analytics = server.app.get(AnalyticsService);
    vi.spyOn(server.app.get(Clock), 'now').mockReturnValue(NOW);

    const shop = await seedShop('Pet Shop Números');
    organizationId = shop.organizationId;
    const at = (date: string, clock: string) => zonedInstant(date, Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3)), SAO_PAULO);
    const { A, B, C, D } = shop.contacts;
    const { banho, tosa } = shop.services;
    const [mesa1, mesa2] = shop.resources;
    const seed: [string, string, string, string, BookingStatus, string][] = [
      // Today, Wednesday 18 (São Paulo)
      ['#1', A, banho, at('2026-11-18', '09:00').toISOString(), 'done', mesa1],
      ['#13', C, banho, at('2026-11-18', '09:00').toISOString(), 'done', mesa2],
      ['#2', B, tosa, at('2026-11-18', '10:00').toISOString(), 'no_show', mesa1],
      ['#12', D, tosa, at('2026-11-18', '12:00').toISOString(), 'confirmed', mesa1],
      ['#3', C, banho, at('2026-11-18', '14:00').toISOString(), 'scheduled', mesa1],
      ['#4', A, tosa, at('2026-11-18', '16:00').toISOString(), 'cancelled', mesa1],
      // 23:30 in São Paulo is already the 19th in UTC: still today for the shop.
      ['#5', B, banho, at('2026-11-18', '23:30').toISOString(), 'scheduled', mesa1],
      // Tomorrow 00:30 in São Paulo: this week, not today.
      ['#6', C, banho, at('2026-11-19', '00:30').toISOString(), 'scheduled', mesa2],
      // Yesterday 23:30 in São Paulo is today in UTC: yesterday for the shop.
      ['#7', A, banho, at('2026-11-17', '23:30').toISOString(), 'done', mesa2],
      ['#8', B, tosa, at('2026-11-16', '09:00').toISOString(), 'done', mesa1],
      // Last week
      ['#9', A, banho, at('2026-11-10', '10:00').toISOString(), 'done', mesa1],
      ['#10', C, tosa, at('2026-11-12', '10:00').toISOString(), 'no_show', mesa1],
      // Last month: A's first booking ever
      ['#11', A, banho, at('2026-10-20', '10:00').toISOString(), 'done', mesa1],
    ];
    const db = server.app.get<Database>(DATABASE);
    for (const [, contactId, serviceId, start, status, resourceId] of seed) {
      const service = serviceId === banho ? { minutes: 60, price: 6000 } : { minutes: 90, price: 8000 };
      const startsAt = new Date(start);
      await db.systemDb.insert(bookings).values({
        organizationId,
        contactId,
        serviceId,
        resourceId,
        during: { start: startsAt, end: new Date(startsAt.getTime() + service.minutes * 60_000) },
        status,
        priceCents: service.price,
      });
    }

    // Another shop's bookings, the same day: none of it may show.
    const other = await seedShop('Outra Loja');
    otherOrganizationId = other.organizationId;
    await db.systemDb.insert(bookings).values({
      organizationId: other.organizationId,
      contactId: other.contacts.A,
      serviceId: other.services.banho,
      resourceId: other.resources[0],
      during: { start: at('2026-11-18', '11:00'), end: at('2026-11-18', '12:00') },
      status: 'done',
      priceCents: 99_900,
    });
  }, 60_000);

  afterAll(async () => {
    vi.restoreAllMocks();
    await server?.close();
    await testDatabase?.drop();
  });

  async function seedShop(name: string) {
    const created = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name } });
    const key = created.body.apiKey.key as string;
    const api = async (path: string, body: unknown) => {
      const response = await request(server.baseUrl, 'POST', path, { token: key, body });
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      return response.body.id as string;
    };
    const resources = [await api('/api/resources', { name: 'Mesa 1', kind: 'groomer' }), await api('/api/resources', { name: 'Mesa 2', kind: 'groomer' })];
    const services = {
      banho: await api('/api/services', { name: 'Banho', durationMin: 60, priceCents: 6000, resourceKind: 'groomer' }),
      tosa: await api('/api/services', { name: 'Tosa', durationMin: 90, priceCents: 8000, resourceKind: 'groomer' }),
    };
    const contacts = {
      A: await api('/api/contacts', { phone: '+5511911110001', name: 'Ana' }),
      B: await api('/api/contacts', { phone: '+5511911110002', name: 'Bruno' }),
      C: await api('/api/contacts', { phone: '+5511911110003', name: 'Carla' }),
      D: await api('/api/contacts', { phone: '+5511911110004', name: 'Davi' }),
    };
    return { organizationId: created.body.organization.id as string, resources, services, contacts };
  }

  it('today: statuses, revenue, rates, services, new clients and busiest hours, on the shop calendar', async () => {
    const report = await analytics.report(organizationId, 'hoje');
    expect(report.current.window).toMatchObject({ fromDate: '2026-11-18', toDate: '2026-11-19' });
    expect(report.current.byStatus).toEqual({ scheduled: 2, confirmed: 1, done: 2, cancelled: 1, no_show: 1 });
    expect(report.current.total).toBe(6);
    expect(report.current.revenueCents).toBe(12_000);
    expect(report.current.noShowRate).toBeCloseTo(1 / 3, 10);
    expect(report.current.cancellationRate).toBeCloseTo(1 / 7, 10);
    expect(report.byService).toEqual([
      { service: 'Banho', bookings: 4, revenueCents: 12_000 },
      { service: 'Tosa', bookings: 2, revenueCents: 0 },
    ]);
    expect(report.clients).toEqual({ new: 1, returning: 3 });
    expect(report.busiestHours).toEqual([
      { hour: 9, bookings: 2 },
      { hour: 10, bookings: 1 },
      { hour: 12, bookings: 1 },
    ]);
    // Yesterday in São Paulo holds only #7, although it is today in UTC.
    expect(report.previous.window).toMatchObject({ fromDate: '2026-11-17', toDate: '2026-11-18' });
    expect(report.previous).toMatchObject({ total: 1, revenueCents: 6_000, noShowRate: 0, cancellationRate: 0 });
  });

  it('this week against last week', async () => {
    const report = await analytics.report(organizationId, 'semana');
    expect(report.current.window).toMatchObject({ fromDate: '2026-11-16', toDate: '2026-11-23' });
    expect(report.current.byStatus).toEqual({ scheduled: 3, confirmed: 1, done: 4, cancelled: 1, no_show: 1 });
    expect(report.current).toMatchObject({ total: 9, revenueCents: 26_000, noShowRate: 0.2, cancellationRate: 0.1 });
    expect(report.clients).toEqual({ new: 2, returning: 2 });
    expect(report.previous.window).toMatchObject({ fromDate: '2026-11-09', toDate: '2026-11-16' });
    expect(report.previous).toMatchObject({ total: 2, revenueCents: 6_000, noShowRate: 0.5 });
  });

  it('this month against last month, and the year', async () => {
    const month = await analytics.report(organizationId, 'mes');
    expect(month.current.window).toMatchObject({ fromDate: '2026-11-01', toDate: '2026-12-01' });
    expect(month.current).toMatchObject({ total: 11, revenueCents: 32_000 });
    expect(month.clients).toEqual({ new: 3, returning: 1 });
    expect(month.previous).toMatchObject({ total: 1, revenueCents: 6_000 });

    const year = await analytics.report(organizationId, 'ano');
    expect(year.current.window).toMatchObject({ fromDate: '2026-01-01', toDate: '2027-01-01' });
    expect(year.current).toMatchObject({ total: 12, revenueCents: 38_000 });
    expect(year.clients).toEqual({ new: 4, returning: 0 });
    expect(year.previous).toMatchObject({ total: 0, revenueCents: 0, noShowRate: null, cancellationRate: null });
  });

  it("gives the previous period's services, customers and busiest hours, for questions about last week or last month", async () => {
    const week = await analytics.report(organizationId, 'semana');
    // Last week: #9 (Ana, bath, done) and #10 (Carla's first booking ever, grooming, no-show), both at 10:00.
    expect(week.previousDetails).toEqual({
      byService: [
        { service: 'Banho', bookings: 1, revenueCents: 6_000 },
        { service: 'Tosa', bookings: 1, revenueCents: 0 },
      ],
      clients: { new: 1, returning: 1 },
      busiestHours: [{ hour: 10, bookings: 2 }],
    });
    const month = await analytics.report(organizationId, 'mes');
    expect(month.previousDetails).toEqual({
      byService: [{ service: 'Banho', bookings: 1, revenueCents: 6_000 }],
      clients: { new: 1, returning: 0 },
      busiestHours: [{ hour: 10, bookings: 1 }],
    });
  });

  it('compares the revenue so far with the previous period up to the same moment', async () => {
    // Yesterday up to 15:00 leaves out #7 (23:30); last month up to the 18th leaves out #11 (the 20th).
    const expected = { hoje: ['2026-11-17', 0], semana: ['2026-11-11', 6_000], mes: ['2026-10-18', 0], ano: ['2025-11-18', 0] } as const;
    for (const [period, [date, revenueCents]] of Object.entries(expected)) {
      const report = await analytics.report(organizationId, period as keyof typeof expected);
      expect(report.previousSoFar, period).toEqual({ until: zonedInstant(date, 15 * 60, SAO_PAULO), revenueCents });
    }
    expect((await analytics.report(organizationId, 'hoje')).previous.revenueCents).toBe(6_000);
  });

  it("lists a day's agenda and never another shop's bookings", async () => {
    const report = await analytics.report(organizationId, 'hoje');
    const agenda = await analytics.agenda(organizationId, report.current.window);
    expect(agenda.map((entry) => [entry.customer, entry.service, entry.status])).toEqual([
      ['Ana', 'Banho', 'done'],
      ['Carla', 'Banho', 'done'],
      ['Bruno', 'Tosa', 'no_show'],
      ['Davi', 'Tosa', 'confirmed'],
      ['Carla', 'Banho', 'scheduled'],
      ['Bruno', 'Banho', 'scheduled'],
    ]);
    const other = await analytics.report(otherOrganizationId, 'hoje');
    expect(other.current).toMatchObject({ total: 1, revenueCents: 99_900 });
    expect(other.clients).toEqual({ new: 1, returning: 0 });
  });
});
