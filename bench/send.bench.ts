/**
 * What accepting a send costs over HTTP: requests/s and latency of
 * POST /api/whatsapp/send/text (everything the endpoint does: API key check,
 * validation, storing the message in a tenant transaction, one BullMQ add) against a
 * bare route mounted in the same Nest app (same middleware, guard, pipes and
 * filter; it parses the same body and answers 202). 50 keep-alive clients, fixed
 * duration, rounds interleaved (bare, send, bare, send) so both see the same
 * machine. The app runs in this process on a throwaway database, with its worker
 * sending through the sandbox transport; the clients run in a worker thread, so
 * their own work is not on the server's event loop.
 * Goals: send >= 0.3x the bare route's throughput, send p99 < 50 ms.
 * A measurement: it exits 0 either way.
 *
 *   npm run bench:send    (BENCH_POSTGRES_URL: admin URL, default the local server;
 *                          TEST_REDIS_URL: Redis, default redis://127.0.0.1:6379)
 */
import 'reflect-metadata';
import { Body, Controller, HttpCode, Module, Post } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { rmSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { register } from 'node:module';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import { eq, sql } from 'drizzle-orm';
import { Public } from '../src/auth/tenant-context.js';
import type { Database } from '../src/database/database.js';
import { messages } from '../src/database/schema.js';
import { appUnderLoadEnvironment } from './app-under-load.js';
import { hostBusyShare, hostCpuTimes } from './process-cpu.js';
import { reportFigure, scaled } from './report.js';
import { median, percentile, withThrowawayPostgres } from './throwaway-postgres.js';

const CLIENTS = 50;
const WARM_UP_MS = scaled(2_000, 500);
const ROUND_MS = scaled(5_000, 1_000);
const ROUNDS_PER_TARGET = 2; // interleaved: 10 s measured per target
const ADMIN_KEY = 'admin-key-for-the-send-benchmark-0123';
const GOAL_THROUGHPUT_RATIO = 0.3;
const GOAL_SEND_P99_MS = 50;
const SENT_STATUSES = new Set(['sent', 'delivered', 'read']);

/** What the main thread asks the client thread to run. */
interface Load {
  url: string;
  headers: Record<string, string>;
  body: string;
  durationMs: number;
}

/** What one run of the clients saw: only 2xx count as successes; their latencies, in ms. */
interface LoadResult {
  successes: number;
  latenciesMs: Float64Array<ArrayBuffer>;
  errors: Record<string, number>;
  elapsedMs: number;
}

// ---------------------------------------------------------------- client thread

/** CLIENTS loops, each sending its next request as soon as the previous answer is read. */
async function runLoad(load: Load, agent: Agent): Promise<LoadResult> {
  const latencies: number[] = [];
  const errors: Record<string, number> = {};
  const started = performance.now();
  const deadline = started + load.durationMs;
  const post = () =>
    new Promise<number>((resolve, reject) => {
      const outgoing = httpRequest(load.url, { method: 'POST', agent, headers: load.headers }, (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      });
      outgoing.on('error', reject);
      outgoing.end(load.body);
    });
  const client = async () => {
    while (performance.now() < deadline) {
      const sent = performance.now();
      try {
        const status = await post();
        if (status >= 200 && status < 300) latencies.push(performance.now() - sent);
        else errors[`HTTP ${status}`] = (errors[`HTTP ${status}`] ?? 0) + 1;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { successes: latencies.length, latenciesMs: Float64Array.from(latencies), errors, elapsedMs: performance.now() - started };
}

if (!isMainThread) {
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  parentPort!.on('message', (load: Load) => {
    void runLoad(load, agent).then((result) => parentPort!.postMessage(result, [result.latenciesMs.buffer]));
  });
}

// ---------------------------------------------------------------- server side

/** The baseline: the framework's cost of a POST with a JSON body, and nothing else. */
@Public()
@Controller('bench')
class BareController {
  @Post('bare')
  @HttpCode(202)
  bare(@Body() _body: unknown) {
    return { ok: true };
  }
}

@Module({ controllers: [BareController] })
class BareRouteModule {}

/** The client thread, given one load at a time. */
class LoadClients {
  private readonly worker = new Worker(new URL(import.meta.url));

  run(load: Load): Promise<LoadResult> {
    return new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.once('message', (result: LoadResult) => {
        this.worker.off('error', reject);
        resolve(result);
      });
      this.worker.postMessage(load);
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

/**
 * The application's code. Nest needs decorator metadata, which tsx does not emit, so
 * the application is compiled with SWC and imported only once those hooks are in
 * place (the modules imported statically above hold no injectable class).
 */
async function importApplication() {
  register(new URL('./swc-hooks.mjs', import.meta.url));
  const [{ createApp }, { loadConfig }, { deleteRedisPrefix, request, testEnvironment }, { waitFor }] = await Promise.all([
    import('../src/app.factory.js'),
    import('../src/config/app-config.js'),
    import('../test/support/app.js'),
    import('../test/support/processes.js'),
  ]);
  return { createApp, loadConfig, deleteRedisPrefix, request, testEnvironment, waitFor };
}

type Application = Awaited<ReturnType<typeof importApplication>>;

interface Target {
  label: string;
  load: Load;
  rounds: LoadResult[];
}

async function pairedSandboxInstance(application: Application, baseUrl: string, apiKey: string): Promise<string> {
  const api = (method: string, path: string, body?: unknown) => application.request(baseUrl, method, path, { token: apiKey, body });
  const created = await api('POST', '/api/whatsapp/instances', { name: 'Bench', provider: 'sandbox', phoneNumber: '5511987654321' });
  if (created.status !== 201) throw new Error(`instance not created: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id as string;
  const status = async () => (await api('GET', `/api/whatsapp/instances/${id}/status`)).body;
  await application.waitFor(async () => (await status()).pairingCode !== null, 10_000);
  const paired = await api('POST', `/api/sandbox/instances/${id}/pair`, {});
  if (paired.status !== 200) throw new Error(`pairing refused: ${paired.status} ${JSON.stringify(paired.body)}`);
  await application.waitFor(async () => (await status()).status === 'connected', 15_000);
  return id;
}

async function outboundByStatus(database: Database, instanceId: string): Promise<Record<string, number>> {
  const rows = await database.systemDb
    .select({ status: messages.status, count: sql<number>`count(*)::int` })
    .from(messages)
    .where(eq(messages.instanceId, instanceId))
    .groupBy(messages.status);
  return Object.fromEntries(rows.map((row) => [row.status, row.count]));
}

/** Share of all CPUs' time spent on anything but idle, over `durationMs`. */
async function machineBusyFraction(durationMs: number): Promise<number> {
  const before = hostCpuTimes();
  await sleep(durationMs);
  return hostBusyShare(before, hostCpuTimes()) ?? 0;
}

function summary(target: Target) {
  const latencies = target.rounds.flatMap((round) => [...round.latenciesMs]);
  const successes = target.rounds.reduce((sum, round) => sum + round.successes, 0);
  const seconds = target.rounds.reduce((sum, round) => sum + round.elapsedMs, 0) / 1000;
  const errors: Record<string, number> = {};
  for (const round of target.rounds) {
    for (const [kind, count] of Object.entries(round.errors)) errors[kind] = (errors[kind] ?? 0) + count;
  }
  return {
    perSecond: successes / seconds,
    p50: latencies.length === 0 ? Number.NaN : median(latencies),
    p99: latencies.length === 0 ? Number.NaN : percentile(latencies, 0.99),
    successes,
    errors,
    roundRates: target.rounds.map((round) => round.successes / (round.elapsedMs / 1000)),
  };
}

async function measure(application: Application, database: Database, databaseName: string): Promise<void> {
  const config = application.loadConfig(
    application.testEnvironment(appUnderLoadEnvironment(databaseName, ADMIN_KEY)),
  );
  let app: NestExpressApplication | undefined;
  let clients: LoadClients | undefined;
  try {
    app = await application.createApp(config, [BareRouteModule]);
    await app.listen(0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;

    const organization = await application.request(baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Bench Pet Shop' } });
    if (organization.status !== 201) throw new Error(`organization not created: ${organization.status} ${JSON.stringify(organization.body)}`);
    const apiKey = organization.body.apiKey.key as string;
    const instanceId = await pairedSandboxInstance(application, baseUrl, apiKey);

    // Both routes get the same bytes and headers; the bare one is @Public and ignores the token.
    const body = JSON.stringify({ instanceId, to: '5511912345678', text: 'Olá! O banho do Rex está confirmado para amanhã às 10h.' });
    const headers = {
      authorization: `Bearer ${apiKey}`,
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    };
    const bare: Target = { label: 'bare  POST /bench/bare', load: { url: `${baseUrl}/bench/bare`, headers, body, durationMs: ROUND_MS }, rounds: [] };
    const send: Target = {
      label: 'send  POST /api/whatsapp/send/text',
      load: { url: `${baseUrl}/api/whatsapp/send/text`, headers, body, durationMs: ROUND_MS },
      rounds: [],
    };

    const busyBefore = await machineBusyFraction(1_000);
    clients = new LoadClients();
    let accepted = 0;
    for (const target of [bare, send]) {
      const warmUp = await clients.run({ ...target.load, durationMs: WARM_UP_MS });
      if (target === send) accepted += warmUp.successes;
    }
    const measuredFrom = performance.now();
    for (let round = 0; round < ROUNDS_PER_TARGET; round++) {
      for (const target of [bare, send]) {
        const result = await clients.run(target.load);
        target.rounds.push(result);
        if (target === send) accepted += result.successes;
      }
    }
    const measuredSeconds = (performance.now() - measuredFrom) / 1000;
    const outbound = await outboundByStatus(database, instanceId);

    const bareStats = summary(bare);
    const sendStats = summary(send);
    const number = (value: number, digits = 1) => value.toFixed(digits).padStart(9);
    const errorText = (errors: Record<string, number>) =>
      Object.keys(errors).length === 0 ? 'none' : Object.entries(errors).map(([kind, count]) => `${kind} x${count}`).join(', ');
    console.log(`\nNode ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), PostgreSQL database ${databaseName}`);
    console.log(
      `machine CPU ${(busyBefore * 100).toFixed(0)}% busy in the second before the rounds, with the app idle ` +
        '(well above a few % means something else is running and skews both routes)',
    );
    console.log(`pool ${config.databasePoolSize} connections, Redis prefix ${config.redisPrefix}, outbound pacing off (gap 0, jitter 0)`);
    console.log(
      `${CLIENTS} keep-alive clients in a worker thread; ${WARM_UP_MS / 1000} s warm-up each, then ${ROUNDS_PER_TARGET} rounds of ` +
        `${ROUND_MS / 1000} s per target, interleaved; body ${Buffer.byteLength(body)} bytes for both`,
    );
    console.log('                                         req/s    p50 ms    p99 ms       2xx  errors');
    for (const [target, stats] of [[bare, bareStats], [send, sendStats]] as const) {
      console.log(
        `${target.label.padEnd(36)} ${number(stats.perSecond)} ${number(stats.p50, 2)} ${number(stats.p99, 2)} ${String(stats.successes).padStart(9)}  ${errorText(stats.errors)}`,
      );
    }
    console.log(`per round req/s: bare ${bareStats.roundRates.map((rate) => rate.toFixed(0)).join(', ')}; send ${sendStats.roundRates.map((rate) => rate.toFixed(0)).join(', ')}`);
    const ratio = sendStats.perSecond / bareStats.perSecond;
    const bareRoute = 'a bare NestJS route in the same app';
    reportFigure({ figure: 'POST /api/whatsapp/send/text throughput', value: sendStats.perSecond, unit: 'req/s', baseline: bareRoute, baselineValue: bareStats.perSecond, better: 'higher' });
    reportFigure({ figure: 'POST /api/whatsapp/send/text p50', value: sendStats.p50, unit: 'ms', baseline: bareRoute, baselineValue: bareStats.p50, better: 'lower' });
    reportFigure({ figure: 'POST /api/whatsapp/send/text p99', value: sendStats.p99, unit: 'ms', baseline: bareRoute, baselineValue: bareStats.p99, better: 'lower' });
    console.log(
      `ratio send / bare: throughput ${ratio.toFixed(3)}x, p50 ${(sendStats.p50 / bareStats.p50).toFixed(2)}x, p99 ${(sendStats.p99 / bareStats.p99).toFixed(2)}x`,
    );
    console.log(`goal: send >= ${GOAL_THROUGHPUT_RATIO}x the bare throughput: ${ratio.toFixed(3)}x, ${ratio >= GOAL_THROUGHPUT_RATIO ? 'met' : 'NOT met'}`);
    console.log(`goal: send p99 < ${GOAL_SEND_P99_MS} ms: ${sendStats.p99.toFixed(2)} ms, ${sendStats.p99 < GOAL_SEND_P99_MS ? 'met' : 'NOT met'}`);
    const sent = Object.entries(outbound).reduce((sum, [status, count]) => sum + (SENT_STATUSES.has(status) ? count : 0), 0);
    console.log(
      `outbound queue: ${accepted} sends accepted (warm-up included); by the end of the run ${sent} sent through the sandbox ` +
        `(${(sent / measuredSeconds).toFixed(0)}/s over the ${measuredSeconds.toFixed(1)} s of rounds), ` +
        `${outbound.queued ?? 0} still queued, ${outbound.failed ?? 0} failed; rows by status ${JSON.stringify(outbound)}`,
    );
  } finally {
    await clients?.close();
    await app?.close();
    await application.deleteRedisPrefix(config.redisUrl, config.redisPrefix).catch((error: Error) => console.error(`Redis prefix not deleted: ${error.message}`));
    rmSync(config.dataDir, { recursive: true, force: true });
  }
}

if (isMainThread) {
  const application = await importApplication();
  await withThrowawayPostgres(1, (database, name) => measure(application, database, name));
}
