import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/app.factory.js';
import { addDays, localDate, minutesOf, wallClockOf, weekdayOf, zonedInstant } from '../../src/booking/zoned-time.js';
import { loadConfig } from '../../src/config/app-config.js';
import { SandboxTransport } from '../../src/whatsapp/transport/sandbox.transport.js';
import { request } from '../../test/support/app.js';
import type { FakeOpenAi } from '../../test/support/fake-openai.js';
import { waitFor } from '../../test/support/processes.js';
import { answeredByModel, type BookingSeed, type BookingView, type Scenario, type TrialContext, type TrialOutcome } from './scenario.js';

/*
 * Runs the client-agent scenarios against the whole application (in this
 * process, sandbox WhatsApp, the configured database and Redis) and any
 * OpenAI-compatible endpoint. Each scenario runs k times, each time as a new
 * customer of the same shop, whose bookings are cancelled between trials so
 * every trial starts from the same free agenda.
 */

export const SHOP_TIMEZONE = 'America/Sao_Paulo';
const ADMIN_KEY = `eval-admin-${randomBytes(12).toString('hex')}`;
/** A real model takes seconds per call and a turn may make several. */
const TURN_TIMEOUT_MS = 90_000;
/** After the first reply of a turn, how long to wait for more before the next message. */
const SETTLE_MS = 400;
const SERVICES = [
  { name: 'Banho', durationMin: 60, priceCents: 6000, resourceKind: 'groomer' },
  { name: 'Tosa', durationMin: 90, priceCents: 8000, resourceKind: 'groomer' },
] as const;

export interface EvalOptions {
  /** Environment of the application under test (DATABASE_URL, REDIS_URL, OPENAI_*...). */
  env: Record<string, string>;
  k: number;
  scenarios: Scenario[];
  /** When given, the fake server plays the model with each scenario's script (proves the harness, measures nothing). */
  fake?: FakeOpenAi;
  log?: (line: string) => void;
}

export interface ScenarioResult {
  name: string;
  category: string;
  trials: { passed: boolean; failures: string[] }[];
  /** Fraction of trials that passed. */
  pass1: number;
  /** Whether all k trials passed. */
  passK: boolean;
}

export interface EvalReport {
  k: number;
  model: string;
  scenarios: ScenarioResult[];
  /** Mean of the scenarios' pass^1. */
  pass1: number;
  /** Fraction of scenarios whose k trials all passed. */
  passK: number;
}

interface Shop {
  key: string;
  instanceId: string;
  services: Map<string, string>;
  closedWeekday: number;
}

export async function runClientEval(options: EvalOptions): Promise<EvalReport> {
  const log = options.log ?? (() => undefined);
  const dataDir = mkdtempSync(join(tmpdir(), 'oxy-eval-'));
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    SEED_DEMO: 'false',
    REDIS_PREFIX: `eval:${randomBytes(4).toString('hex')}`,
    DATA_DIR: dataDir,
    ...options.env,
    ADMIN_API_KEY: ADMIN_KEY,
    OUTBOUND_MIN_GAP_MS: '0',
    OUTBOUND_JITTER_MS: '0',
    // The scenarios measure the agent, not the per-contact rate limit.
    INBOUND_RATE_LIMIT_PER_MINUTE: '600',
    ...(options.fake === undefined ? {} : { OPENAI_BASE_URL: options.fake.url, OPENAI_API_KEY: 'sk-fake-eval-harness' }),
  };
  const config = loadConfig(env);
  if (config.openai.apiKey === null) throw new Error('OPENAI_API_KEY is not set: the scenarios measure the model (or pass --fake to check the harness)');
  const app = await createApp(config);
  await app.listen(0, '127.0.0.1');
  const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
  const sandbox = app.get(SandboxTransport);
  const results: ScenarioResult[] = [];
  try {
    const shop = await createShop(baseUrl);
    let customerNumber = 0;
    for (const scenario of options.scenarios) {
      const trials: ScenarioResult['trials'] = [];
      for (let trial = 0; trial < options.k; trial += 1) {
        customerNumber += 1;
        const failures = await runTrial(baseUrl, sandbox, shop, scenario, customerNumber, options.fake);
        trials.push({ passed: failures.length === 0, failures });
        await cancelEverything(baseUrl, shop);
      }
      const passed = trials.filter((trial) => trial.passed).length;
      const result = { name: scenario.name, category: scenario.category, trials, pass1: passed / options.k, passK: passed === options.k };
      results.push(result);
      log(formatScenario(result));
    }
  } finally {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  return {
    k: options.k,
    model: options.fake === undefined ? config.openai.modelClient : 'fake (scripted)',
    scenarios: results,
    pass1: results.reduce((sum, result) => sum + result.pass1, 0) / Math.max(1, results.length),
    passK: results.filter((result) => result.passK).length / Math.max(1, results.length),
  };
}

async function runTrial(
  baseUrl: string,
  sandbox: SandboxTransport,
  shop: Shop,
  scenario: Scenario,
  customerNumber: number,
  fake: FakeOpenAi | undefined,
): Promise<string[]> {
  const api = (method: string, path: string, body?: unknown) => request(baseUrl, method, path, { token: shop.key, body });
  const phone = `5511970${String(customerNumber).padStart(6, '0')}`;
  const context = await seed(api, shop, scenario, phone, customerNumber);
  const repliesTo = () => sandbox.outbound(shop.instanceId).filter((message) => message.to === phone).map((message) => message.text ?? '');
  if (fake !== undefined) {
    fake.fallback = null;
    fake.reply(...scenario.fakeModel(context));
  }
  const replies: string[] = [];
  for (const text of scenario.turns(context)) {
    const before = repliesTo().length;
    const sent = await api('POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, { from: phone, text, pushName: context.customer.name });
    if (sent.status !== 200) return [`the sandbox refused the message: ${JSON.stringify(sent.body)}`];
    try {
      await waitFor(() => repliesTo().length > before, TURN_TIMEOUT_MS);
    } catch {
      fake?.clear();
      return [`no reply within ${TURN_TIMEOUT_MS / 1000} s to "${text}"`];
    }
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    replies.push(repliesTo().slice(before).join('\n'));
  }
  const outcome = await observe(api, shop, context, replies);
  // A turn the menu answered (the model failing) measures the fallback, not the model.
  const failures = [...scenario.check(outcome, context), ...answeredByModel(outcome)];
  if (fake !== undefined && fake.pending > 0) {
    failures.push(`the fake model's script has ${fake.pending} answers left: the conversation went another way`);
    fake.clear();
  }
  return failures;
}

/** A new customer with the scenario's pets and bookings, and the rival's bookings; the dates the scenario speaks of. */
async function seed(
  api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>,
  shop: Shop,
  scenario: Scenario,
  phone: string,
  customerNumber: number,
): Promise<TrialContext> {
  const now = new Date();
  const today = localDate(now, SHOP_TIMEZONE);
  const closedDate = [2, 3, 4, 5, 6, 7].map((offset) => addDays(today, offset)).find((date) => weekdayOf(date) === shop.closedWeekday)!;
  const dates = { today, tomorrow: addDays(today, 1), dayAfterTomorrow: addDays(today, 2), closed: closedDate };
  const customerName = `Cliente ${customerNumber}`;
  const contact = await must(api('POST', '/api/contacts', { phone: `+${phone}`, name: customerName }), 201, 'contact');
  const rival = await must(api('POST', '/api/contacts', { phone: `+5511960${String(customerNumber).padStart(6, '0')}`, name: 'Marina Rival' }), 201, 'rival');
  const pets = new Map<string, string>();
  for (const pet of scenario.setup?.pets ?? []) {
    const created = await must(api('POST', '/api/pets', { contactId: contact.id, name: pet.name, species: pet.species, size: pet.size ?? null }), 201, 'pet');
    pets.set(pet.name, created.id);
  }
  const rivalPet = await must(api('POST', '/api/pets', { contactId: rival.id, name: 'Bidu', species: 'cachorro' }), 201, 'rival pet');
  const book = async (contactId: string, petId: string, seedBooking: BookingSeed) => {
    const startsAt = zonedInstant(dates[seedBooking.day], minutesOf(seedBooking.time), SHOP_TIMEZONE).toISOString();
    const created = await must(
      api('POST', '/api/bookings', { contactId, petId, serviceId: shop.services.get(seedBooking.service), startsAt }),
      201,
      'booking',
    );
    return created.id as string;
  };
  const bookings: string[] = [];
  for (const booking of scenario.setup?.bookings ?? []) bookings.push(await book(contact.id, pets.get(booking.pet)!, booking));
  const rivalBookings: string[] = [];
  for (const booking of scenario.setup?.rivalBookings ?? []) rivalBookings.push(await book(rival.id, rivalPet.id, booking));
  return {
    dates,
    closedWeekday: shop.closedWeekday,
    customer: { phone, name: customerName, contactId: contact.id },
    pets,
    bookings,
    rivalBookings,
  };
}

/** What the conversation left behind, read through the API as a dashboard would. */
async function observe(
  api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>,
  shop: Shop,
  context: TrialContext,
  replies: string[],
): Promise<TrialOutcome> {
  const serviceNames = new Map([...shop.services].map(([name, id]) => [id, name]));
  const pets = (await api('GET', `/api/pets?contactId=${context.customer.contactId}&limit=50`)).body.data as any[];
  const petNames = new Map(pets.map((pet) => [pet.id, pet.name]));
  const view = (booking: any): BookingView => {
    const start = new Date(booking.startsAt);
    const wall = wallClockOf(start, SHOP_TIMEZONE);
    return {
      id: booking.id,
      service: serviceNames.get(booking.serviceId) ?? '?',
      pet: booking.petId === null ? null : (petNames.get(booking.petId) ?? 'outro'),
      date: localDate(start, SHOP_TIMEZONE),
      time: `${String(wall.hour).padStart(2, '0')}:${String(wall.minute).padStart(2, '0')}`,
      weekday: wall.weekday,
      status: booking.status,
    };
  };
  const bookings = ((await api('GET', `/api/bookings?contactId=${context.customer.contactId}&limit=50`)).body.data as any[]).map(view);
  const rivalBookings = await Promise.all(context.rivalBookings.map(async (id) => view((await api('GET', `/api/bookings/${id}`)).body)));
  const conversations = (await api('GET', `/api/conversations?contactId=${context.customer.contactId}`)).body.data as any[];
  const conversation = conversations[0];
  const interactions =
    conversation === undefined ? [] : ((await api('GET', `/api/ai-interactions?conversationId=${conversation.id}&limit=50`)).body.data as any[]);
  return {
    replies,
    bookings,
    rivalBookings,
    pets: pets.map((pet) => ({ name: pet.name, species: pet.species, size: pet.size })),
    conversationState: conversation?.state ?? 'none',
    toolCalls: interactions.flatMap((interaction) => interaction.toolCalls.map((call: any) => ({ name: call.name, ok: call.ok }))),
    outcomes: interactions.map((interaction) => interaction.outcome),
  };
}

async function createShop(baseUrl: string): Promise<Shop> {
  const created = await must(request(baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Pet Shop Bicho Feliz' } }), 201, 'shop');
  const key = created.apiKey.key as string;
  const api = (method: string, path: string, body?: unknown) => request(baseUrl, method, path, { token: key, body });
  // Closed one day 2 to 7 days ahead that is not a Friday: "amanhã" and "sexta" stay bookable whatever day it runs.
  const today = localDate(new Date(), SHOP_TIMEZONE);
  const closedWeekday = [3, 4].map((offset) => weekdayOf(addDays(today, offset))).find((weekday) => weekday !== 5)!;
  const hours = Object.fromEntries(
    [0, 1, 2, 3, 4, 5, 6].filter((weekday) => weekday !== closedWeekday).map((weekday) => [String(weekday), { open: '08:00', close: '18:00' }]),
  );
  await must(api('PATCH', '/api/organizations/me', { businessHours: hours, authorizedOwnerNumbers: ['+5511900000099'] }), 200, 'shop hours');
  await must(api('POST', '/api/resources', { name: 'Mesa 1', kind: 'groomer' }), 201, 'resource');
  const services = new Map<string, string>();
  for (const service of SERVICES) services.set(service.name, (await must(api('POST', '/api/services', service), 201, 'service')).id);
  const instance = await must(api('POST', '/api/whatsapp/instances', { name: 'Recepção', provider: 'sandbox' }), 201, 'instance');
  await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${instance.id}/status`)).body.qr != null, 15_000);
  await must(api('POST', `/api/sandbox/instances/${instance.id}/pair`, { phoneNumber: '5511955550000' }), 200, 'pairing');
  await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${instance.id}/status`)).body.status === 'connected', 15_000);
  return { key, instanceId: instance.id, services, closedWeekday };
}

/** Every trial starts from a free agenda: what the last one booked is cancelled. */
async function cancelEverything(baseUrl: string, shop: Shop): Promise<void> {
  for (const status of ['scheduled', 'confirmed']) {
    const page = await request(baseUrl, 'GET', `/api/bookings?status=${status}&limit=200`, { token: shop.key });
    for (const booking of page.body.data as { id: string }[]) {
      await request(baseUrl, 'POST', `/api/bookings/${booking.id}/cancel`, { token: shop.key, body: {} });
    }
  }
}

async function must(response: Promise<{ status: number; body: any }>, status: number, what: string): Promise<any> {
  const answer = await response;
  if (answer.status !== status) throw new Error(`eval setup: ${what} answered ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

export function formatScenario(result: ScenarioResult): string {
  const marks = result.trials.map((trial) => (trial.passed ? '✓' : '✗')).join('');
  const failures = result.trials.flatMap((trial, index) => trial.failures.map((failure) => `      trial ${index + 1}: ${failure}`));
  return [`  ${marks.padEnd(6)} ${result.name.padEnd(34)} pass^1 ${result.pass1.toFixed(2)}  pass^k ${result.passK ? 'yes' : 'no'}`, ...failures].join('\n');
}

export function formatReport(report: EvalReport): string {
  return [
    `client agent eval: ${report.scenarios.length} scenarios x k=${report.k}, model ${report.model}`,
    `overall pass^1 ${report.pass1.toFixed(3)}  pass^${report.k} ${report.passK.toFixed(3)}`,
  ].join('\n');
}
