/**
 * How long free-slot computation takes for one day and one service in a busy
 * shop (10 bath stations, about 20,000 bookings over 6 months), against a single
 * indexed SELECT of that day's bookings measured in the same run.
 * Goal: availability p99 under 20 ms. A measurement: it exits 0 either way.
 *
 *   npm run bench:availability    (BENCH_POSTGRES_URL: admin URL, default the local server)
 */
import { sql } from 'drizzle-orm';
import { BookingsRepository } from '../src/booking/bookings.repository.js';
import { BookingsService } from '../src/booking/bookings.service.js';
import { addDays, minutesOf, zonedInstant } from '../src/booking/zoned-time.js';
import type { Clock } from '../src/common/clock.js';
import type { Database } from '../src/database/database.js';
import { bookings, contacts, organizations, resources, services } from '../src/database/schema.js';
import { reportFigure, scaled } from './report.js';
import { median, percentile, withThrowawayPostgres } from './throwaway-postgres.js';

const TIME_ZONE = 'America/Sao_Paulo';
const FIRST_DAY = '2027-01-04';
const DAYS = scaled(182, 35);
const RESOURCES = 10;
const SLOT_MIN = 30;
const FILL_RATIO = 0.62; // of 18 half-hours a day per station: about 20,000 bookings in 6 months
const SAMPLES = scaled(600, 40);
const GOAL_P99_MS = 20;
const HOURS = { open: '08:00', close: '18:00', breaks: [{ start: '12:00', end: '13:00' }] };

// Deterministic pseudo-random numbers, so every run books the same calendar.
let seed = 42;
const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);

async function seedShop(database: Database) {
  const [organization] = await database.systemDb
    .insert(organizations)
    .values({
      name: 'Bench Pet Shop',
      timezone: TIME_ZONE,
      businessHours: Object.fromEntries(['0', '1', '2', '3', '4', '5', '6'].map((day) => [day, HOURS])),
      slotGranularityMin: SLOT_MIN,
      minimumNoticeMin: 0,
    })
    .returning();
  const organizationId = organization.id;
  const [service] = await database.systemDb
    .insert(services)
    .values({ organizationId, name: 'Banho', durationMin: SLOT_MIN, priceCents: 6000, resourceKind: 'bath_station' })
    .returning();
  const stations = await database.systemDb
    .insert(resources)
    .values(Array.from({ length: RESOURCES }, (_, index) => ({ organizationId, name: `Box ${index + 1}`, kind: 'bath_station' as const })))
    .returning();
  const customers = await database.systemDb
    .insert(contacts)
    .values(Array.from({ length: 500 }, (_, index) => ({ organizationId, phone: `+55119${String(index).padStart(8, '0')}` })))
    .returning();

  const halfHours: number[] = [];
  for (let minute = minutesOf(HOURS.open); minute < minutesOf(HOURS.close); minute += SLOT_MIN) {
    if (minute < minutesOf('12:00') || minute >= minutesOf('13:00')) halfHours.push(minute);
  }
  const rows: (typeof bookings.$inferInsert)[] = [];
  for (let day = 0; day < DAYS; day++) {
    const date = addDays(FIRST_DAY, day);
    for (const station of stations) {
      for (const minute of halfHours) {
        if (random() > FILL_RATIO) continue;
        rows.push({
          organizationId,
          contactId: customers[Math.floor(random() * customers.length)].id,
          serviceId: service.id,
          resourceId: station.id,
          during: { start: zonedInstant(date, minute, TIME_ZONE), end: zonedInstant(date, minute + SLOT_MIN, TIME_ZONE) },
          status: random() < 0.1 ? 'cancelled' : 'scheduled',
          priceCents: 6000,
        });
      }
    }
  }
  for (let index = 0; index < rows.length; index += 2000) {
    await database.systemDb.insert(bookings).values(rows.slice(index, index + 2000));
  }
  await database.withConnection((runner) => runner.exec('ANALYZE'));
  return { organizationId, serviceId: service.id, bookingCount: rows.length };
}

async function timings(run: (date: string) => Promise<unknown>): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < SAMPLES; index++) {
    const date = addDays(FIRST_DAY, Math.floor(random() * DAYS));
    const started = performance.now();
    await run(date);
    samples.push(performance.now() - started);
  }
  return samples;
}

await withThrowawayPostgres(4, async (database, name) => {
  const shop = await seedShop(database);
  // The clock stands before the seeded months, so the minimum notice never hides a slot.
  const clock = { now: () => new Date(`${FIRST_DAY}T00:00:00Z`) } as Clock;
  const bookingsService = new BookingsService(new BookingsRepository(database), clock);

  const dayBookings = (date: string) =>
    database.withTenant(shop.organizationId, (tx) =>
      tx.execute(
        sql`SELECT * FROM bookings WHERE organization_id = ${shop.organizationId}
            AND during && tstzrange(${zonedInstant(date, 0, TIME_ZONE).toISOString()}::timestamptz,
                                    ${zonedInstant(addDays(date, 1), 0, TIME_ZONE).toISOString()}::timestamptz)`,
      ),
    );
  const availability = (date: string) => bookingsService.availability(shop.organizationId, shop.serviceId, date);

  // Warm-up, then interleave the two so both see the same cache and machine load.
  await timings(availability);
  await timings(dayBookings);
  const baseline: number[] = [];
  const measured: number[] = [];
  for (let round = 0; round < 3; round++) {
    baseline.push(...(await timings(dayBookings)));
    measured.push(...(await timings(availability)));
  }

  const sample = await availability(addDays(FIRST_DAY, 30));
  const format = (value: number) => value.toFixed(2).padStart(8);
  console.log(`\nPostgreSQL (database ${name}), Node ${process.version}`);
  console.log(`${shop.bookingCount} bookings over ${DAYS} days, ${RESOURCES} stations; ${measured.length} samples each`);
  console.log(`a sample day offers ${sample.slots.length} free slots`);
  console.log('                                       median ms    p99 ms');
  console.log(`baseline: one indexed SELECT of a day ${format(median(baseline))} ${format(percentile(baseline, 0.99))}`);
  console.log(`availability for one day and service   ${format(median(measured))} ${format(percentile(measured, 0.99))}`);
  console.log(`ratio availability / baseline          ${format(median(measured) / median(baseline))} ${format(percentile(measured, 0.99) / percentile(baseline, 0.99))}`);
  const p99 = percentile(measured, 0.99);
  const figure = { unit: 'ms', baseline: 'one indexed SELECT of the day', better: 'lower' } as const;
  reportFigure({ ...figure, figure: 'availability of one day, p50', value: median(measured), baselineValue: median(baseline) });
  reportFigure({ ...figure, figure: 'availability of one day, p99', value: p99, baselineValue: percentile(baseline, 0.99) });
  console.log(`goal: availability p99 < ${GOAL_P99_MS} ms: ${p99.toFixed(2)} ms, ${p99 < GOAL_P99_MS ? 'met' : 'NOT met'}`);
});
