import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.factory.js';
import { addDays, localDate, weekdayOf } from '../src/booking/zoned-time.js';
import { loadConfig } from '../src/config/app-config.js';
import { DATABASE, type Database } from '../src/database/database.js';
import { SandboxTransport } from '../src/whatsapp/transport/sandbox.transport.js';
import { type JsonResponse, request } from '../test/support/app.js';
import type { FakeOpenAi, ScriptedReply } from '../test/support/fake-openai.js';
import { waitFor } from '../test/support/processes.js';

/*
 * Runs an agent's scenarios against the whole application (in this process,
 * sandbox WhatsApp, the configured database and Redis) and any
 * OpenAI-compatible endpoint. Each scenario runs k times; each trial is a new
 * sender of the same shop, whose bookings are cancelled between trials so
 * every trial starts from the same free agenda. What is seeded and observed
 * is the suite's (customers for the client agent, the owner for Aurora).
 */

export const SHOP_TIMEZONE = 'America/Sao_Paulo';
export const OWNER_PHONE = '5511900000099';
const ADMIN_KEY = `eval-admin-${randomBytes(12).toString('hex')}`;
/** A real model takes seconds per call and a turn may make several. */
const TURN_TIMEOUT_MS = 90_000;
/** After the first reply of a turn, how long to wait for more before the next message. */
const SETTLE_MS = 400;
const SERVICES = [
  { name: 'Banho', durationMin: 60, priceCents: 6000, resourceKind: 'groomer' },
  { name: 'Tosa', durationMin: 90, priceCents: 8000, resourceKind: 'groomer' },
] as const;

export interface Scenario<Setup, Context extends TrialSender, Outcome> {
  name: string;
  category: string;
  setup?: Setup;
  /** The sender's messages; each waits for the agent's reply before the next. */
  turns(context: Context): string[];
  /** Every expectation that does not hold, in words; empty when the trial passed. */
  check(outcome: Outcome, context: Context): string[];
  /** The model's side when the harness runs against the fake server: one entry per model call, in order. */
  fakeModel(context: Context): ScriptedReply[];
}

/** Who writes in a trial. */
export interface TrialSender {
  phone: string;
  name: string;
}

export interface EvalShop {
  organizationId: string;
  key: string;
  instanceId: string;
  /** Service name -> id. */
  services: Map<string, string>;
  resourceId: string;
  /** A weekday the shop does not open (2 to 4 days ahead, never a Friday). */
  closedWeekday: number;
}

export interface EvalApp {
  api(method: string, path: string, body?: unknown): Promise<JsonResponse>;
  database: Database;
  /** What the shop's number sent, oldest first. */
  sent(): { to: string; text: string }[];
}

/** What an agent's suite seeds before a trial and reads after it. */
export interface EvalSuite<Setup, Context extends TrialSender, Outcome> {
  title: string;
  /** A new shop for every trial (figures that any earlier trial would change); otherwise one shop, its agenda freed between trials. */
  freshShopPerTrial: boolean;
  seed(app: EvalApp, shop: EvalShop, setup: Setup | undefined, trial: number): Promise<Context>;
  observe(app: EvalApp, shop: EvalShop, context: Context, replies: string[]): Promise<Outcome>;
  /** Failures every trial is also judged on (a turn the fallback answered measures the fallback, not the model). */
  always(outcome: Outcome): string[];
}

export interface EvalOptions<Setup, Context extends TrialSender, Outcome> {
  /** Environment of the application under test (DATABASE_URL, REDIS_URL, OPENAI_*...). */
  env: Record<string, string>;
  k: number;
  suite: EvalSuite<Setup, Context, Outcome>;
  scenarios: Scenario<Setup, Context, Outcome>[];
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
  title: string;
  k: number;
  model: string;
  scenarios: ScenarioResult[];
  /** Mean of the scenarios' pass^1. */
  pass1: number;
  /** Fraction of scenarios whose k trials all passed. */
  passK: number;
}

export async function runEval<Setup, Context extends TrialSender, Outcome>(options: EvalOptions<Setup, Context, Outcome>): Promise<EvalReport> {
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
    let shop: EvalShop | null = null;
    let trialNumber = 0;
    for (const scenario of options.scenarios) {
      const trials: ScenarioResult['trials'] = [];
      for (let trial = 0; trial < options.k; trial += 1) {
        trialNumber += 1;
        if (shop === null || options.suite.freshShopPerTrial) shop = await createShop(baseUrl, trialNumber);
        const evalApp = appFor(baseUrl, shop, app.get<Database>(DATABASE), sandbox);
        const failures = await runTrial(evalApp, shop, options.suite, scenario, trialNumber, options.fake);
        trials.push({ passed: failures.length === 0, failures });
        if (!options.suite.freshShopPerTrial) await cancelEverything(evalApp);
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
    title: options.suite.title,
    k: options.k,
    model: options.fake === undefined ? `${config.openai.modelClient} / ${config.openai.modelAurora}` : 'fake (scripted)',
    scenarios: results,
    pass1: results.reduce((sum, result) => sum + result.pass1, 0) / Math.max(1, results.length),
    passK: results.filter((result) => result.passK).length / Math.max(1, results.length),
  };
}

function appFor(baseUrl: string, shop: EvalShop, database: Database, sandbox: SandboxTransport): EvalApp {
  return {
    api: (method, path, body) => request(baseUrl, method, path, { token: shop.key, body }),
    database,
    sent: () => sandbox.outbound(shop.instanceId).map((message) => ({ to: message.to, text: message.text ?? '' })),
  };
}

async function runTrial<Setup, Context extends TrialSender, Outcome>(
  app: EvalApp,
  shop: EvalShop,
  suite: EvalSuite<Setup, Context, Outcome>,
  scenario: Scenario<Setup, Context, Outcome>,
  trialNumber: number,
  fake: FakeOpenAi | undefined,
): Promise<string[]> {
  const context = await suite.seed(app, shop, scenario.setup, trialNumber);
  const repliesTo = () => app.sent().filter((message) => message.to === context.phone).map((message) => message.text);
  if (fake !== undefined) {
    fake.clear();
    fake.reply(...scenario.fakeModel(context));
  }
  const replies: string[] = [];
  for (const text of scenario.turns(context)) {
    const before = repliesTo().length;
    const sent = await app.api('POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, { from: context.phone, text, pushName: context.name });
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
  const outcome = await suite.observe(app, shop, context, replies);
  const failures = [...scenario.check(outcome, context), ...suite.always(outcome)];
  if (fake !== undefined && fake.pending > 0) {
    failures.push(`the fake model's script has ${fake.pending} answers left: the conversation went another way`);
    fake.clear();
  }
  return failures;
}

async function createShop(baseUrl: string, number: number): Promise<EvalShop> {
  const created = await must(request(baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Pet Shop Bicho Feliz' } }), 201, 'shop');
  const key = created.apiKey.key as string;
  const api = (method: string, path: string, body?: unknown) => request(baseUrl, method, path, { token: key, body });
  // Closed one day 3 or 4 days ahead that is not a Friday: "amanhã" and "sexta" stay bookable whatever day it runs.
  const today = localDate(new Date(), SHOP_TIMEZONE);
  const closedWeekday = [3, 4].map((offset) => weekdayOf(addDays(today, offset))).find((weekday) => weekday !== 5)!;
  const hours = Object.fromEntries(
    [0, 1, 2, 3, 4, 5, 6].filter((weekday) => weekday !== closedWeekday).map((weekday) => [String(weekday), { open: '08:00', close: '18:00' }]),
  );
  await must(api('PATCH', '/api/organizations/me', { businessHours: hours, authorizedOwnerNumbers: [`+${OWNER_PHONE}`] }), 200, 'shop hours');
  const resource = await must(api('POST', '/api/resources', { name: 'Mesa 1', kind: 'groomer' }), 201, 'resource');
  const services = new Map<string, string>();
  for (const service of SERVICES) services.set(service.name, (await must(api('POST', '/api/services', service), 201, 'service')).id);
  const instance = await must(api('POST', '/api/whatsapp/instances', { name: 'Recepção', provider: 'sandbox' }), 201, 'instance');
  await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${instance.id}/status`)).body.qr != null, 15_000);
  await must(api('POST', `/api/sandbox/instances/${instance.id}/pair`, { phoneNumber: `55119555${String(number).padStart(5, '0')}` }), 200, 'pairing');
  await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${instance.id}/status`)).body.status === 'connected', 15_000);
  return { organizationId: created.organization.id, key, instanceId: instance.id, services, resourceId: resource.id, closedWeekday };
}

/** Every trial starts from a free agenda: what the last one booked is cancelled. */
async function cancelEverything(app: EvalApp): Promise<void> {
  for (const status of ['scheduled', 'confirmed']) {
    const page = await app.api('GET', `/api/bookings?status=${status}&limit=200`);
    for (const booking of page.body.data as { id: string }[]) await app.api('POST', `/api/bookings/${booking.id}/cancel`, {});
  }
}

export async function must(response: Promise<JsonResponse>, status: number, what: string): Promise<any> {
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
    `${report.title} eval: ${report.scenarios.length} scenarios x k=${report.k}, model ${report.model}`,
    `overall pass^1 ${report.pass1.toFixed(3)}  pass^${report.k} ${report.passK.toFixed(3)}`,
  ].join('\n');
}
