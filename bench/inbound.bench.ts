/**
 * The inbound pipeline end to end: customer messages delivered by the sandbox
 * transport -> stored -> turn job -> contact, conversation, context -> offline
 * menu assistant -> reply stored and queued -> outbound job -> sent through the
 * sandbox (pacer off). 5,000 messages from 500 contacts, in two runs:
 *   - burst: all 5,000 delivered at once; messages/s = 5,000 / (last reply sent - first delivery);
 *   - steady: delivered at 500 messages/s (open loop); latency of each message from its
 *     delivery to its reply being sent, p50/p99; and, for information, 2,500 at 250/s.
 * Reference in the same run: raw BullMQ, no-op jobs on the same Redis, at concurrency 1 and 50.
 * Each run also prints the CPU a message cost this process and the local PostgreSQL and Redis
 * servers (bench/process-cpu.ts): at 250/s, where each message is a turn of its own, that cost
 * decides how many messages a second the host can answer without a queue. And how busy this
 * process's one JavaScript thread (its event loop) and the host's cores were: the thread near 100%
 * with cores to spare says the Node thread, not the host, sets the pace.
 * Goals: >= 500 messages/s end to end, p99 < 250 ms at 500 messages/s.
 * A measurement: it exits 0 either way.
 *
 *   npm run bench:inbound    (BENCH_POSTGRES_URL: admin URL, default the local server;
 *                             TEST_REDIS_URL: Redis, default redis://127.0.0.1:6379)
 */
import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue, Worker } from 'bullmq';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { rmSync } from 'node:fs';
import { register } from 'node:module';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '../src/database/database.js';
import { messages, UNFINISHED_MESSAGE_STATUSES } from '../src/database/schema.js';
import { appUnderLoadEnvironment } from './app-under-load.js';
import { busyShares, type CpuPerMessage, cpuPerMessage, cpuSnapshot } from './process-cpu.js';
import { reportFigure, scaled } from './report.js';
import { median, percentile, withThrowawayPostgres } from './throwaway-postgres.js';

const MESSAGES = scaled(5_000, 200);
const CONTACTS = scaled(500, 20);
const STEADY_RATE_PER_SECOND = 500;
/** Also measured, for information: the latency of an unsaturated pipeline. */
const HALF_RATE_PER_SECOND = 250;
const WARM_UP_MESSAGES = scaled(500, 50);
const ADMIN_KEY = 'admin-key-for-the-inbound-benchmark-01';
const GOAL_PER_SECOND = 500;
const GOAL_P99_MS = 250;
const BULL_JOBS = scaled(5_000, 500);
/** Each run's customers are its own: run w (warm-up), b (burst), s (steady), h (half rate). */
const RUN_DIGIT: Record<string, string> = { w: '1', b: '2', s: '3', h: '4' };
/** What customers write: the menu's greeting and its price list, alternately. */
const TEXTS = ['oi', '1'];

interface RunResult {
  seconds: number;
  perSecond: number;
  latenciesMs: number[];
  unanswered: number;
  /** From the first delivery until every message is answered and sent. */
  cpu: CpuPerMessage;
  busy: ReturnType<typeof busyShares>;
}

async function importApplication() {
  register(new URL('./swc-hooks.mjs', import.meta.url));
  const [{ createApp }, { loadConfig }, support, { waitFor }, { SandboxTransport }, { WhatsappEvents }, { DATABASE }, { QueueService }] = await Promise.all([
    import('../src/app.factory.js'),
    import('../src/config/app-config.js'),
    import('../test/support/app.js'),
    import('../test/support/processes.js'),
    import('../src/whatsapp/transport/sandbox.transport.js'),
    import('../src/whatsapp/whatsapp-events.js'),
    import('../src/database/database.js'),
    import('../src/queue/queue.service.js'),
  ]);
  const { createChattingShop } = await import('../test/support/shop.js');
  return { createApp, loadConfig, ...support, waitFor, SandboxTransport, WhatsappEvents, DATABASE, QueueService, createChattingShop };
}
type Application = Awaited<ReturnType<typeof importApplication>>;

/** Delivers `count` messages from `contacts` customers, `perSecond` at most (Infinity: at once), and waits for every reply. */
async function deliver(
  app: NestExpressApplication,
  application: Application,
  instanceId: string,
  run: string,
  count: number,
  contacts: number,
  perSecond: number,
): Promise<RunResult> {
  const sandbox = app.get(application.SandboxTransport);
  const database = app.get<Database>(application.DATABASE);
  const events = app.get(application.WhatsappEvents);
  const queues = app.get(application.QueueService);
  const sentAt = new Map<string, number>();
  const stop = events.on('message:sent', ({ messageId }) => sentAt.set(messageId, performance.now()));
  const deliveredAt = new Map<string, number>();
  const cpuBefore = cpuSnapshot();
  const started = performance.now();
  try {
    for (let index = 0; index < count; index += 1) {
      if (Number.isFinite(perSecond)) {
        const due = started + (index * 1000) / perSecond;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
      } else if (index % 250 === 0) {
        await sleep(0); // let the intake run between slices, as a socket's frames would
      }
      const customer = `55119${RUN_DIGIT[run]}${String(index % contacts).padStart(7, '0')}`;
      const id = `${run.toUpperCase()}${String(index).padStart(12, '0')}`;
      deliveredAt.set(id, performance.now());
      sandbox.inbound(instanceId, { from: customer, text: TEXTS[Math.floor(index / contacts) % TEXTS.length], messageId: id });
    }
    const ids = [...deliveredAt.keys()];
    // Done when every delivered message is stored (the intake is asynchronous: the last ones may not be yet)
    // and nothing of the instance is left unanswered or unsent.
    const progress = async () => {
      const [row] = await database.systemDb
        .select({
          stored: sql<number>`count(*) FILTER (WHERE ${messages.direction} = 'inbound' AND ${messages.waMessageId} LIKE ${`${run.toUpperCase()}%`})::int`,
          waiting: sql<number>`count(*) FILTER (WHERE ${inArray(messages.status, [...UNFINISHED_MESSAGE_STATUSES])})::int`,
        })
        .from(messages)
        .where(eq(messages.instanceId, instanceId));
      return row;
    };
    await application.waitFor(async () => {
      const { stored, waiting } = await progress();
      return stored === count && waiting === 0;
    }, 300_000);
    const cpuAfter = cpuSnapshot();
    const cpu = cpuPerMessage(cpuBefore, cpuAfter, count);
    const busy = busyShares(cpuBefore, cpuAfter);
    const finished = Math.max(...sentAt.values());
    // Jobs of messages a batched turn already answered are still queued: the next run must not inherit them.
    await application.waitFor(async () => Object.values(await queues.counts()).every((count) => count.waiting + count.active + count.delayed === 0), 300_000);

    // Each message's latency: until the first reply of the turn that answered it was sent.
    const inbound = await database.systemDb
      .select({ waMessageId: messages.waMessageId, turnId: messages.turnId })
      .from(messages)
      .where(and(eq(messages.instanceId, instanceId), eq(messages.direction, 'inbound'), inArray(messages.waMessageId, ids)));
    const replies = await database.systemDb
      .select({ id: messages.id, turnId: messages.turnId })
      .from(messages)
      .where(and(eq(messages.instanceId, instanceId), eq(messages.direction, 'outbound')));
    const turnSent = new Map<string, number>();
    for (const reply of replies) {
      const at = sentAt.get(reply.id);
      if (reply.turnId === null || at === undefined) continue;
      turnSent.set(reply.turnId, Math.min(turnSent.get(reply.turnId) ?? Infinity, at));
    }
    const latenciesMs: number[] = [];
    let unanswered = 0;
    for (const row of inbound) {
      const sent = row.turnId === null ? undefined : turnSent.get(row.turnId);
      if (sent === undefined) unanswered += 1;
      else latenciesMs.push(sent - deliveredAt.get(row.waMessageId!)!);
    }
    const seconds = (finished - started) / 1000;
    return { seconds, perSecond: count / seconds, latenciesMs, unanswered: unanswered + (count - inbound.length), cpu, busy };
  } finally {
    stop();
  }
}

/** Raw BullMQ: `jobs` no-op jobs added in bulk and processed at `concurrency`; jobs/s from first add to last completion. */
async function bullMqNoOp(redisUrl: string, prefix: string, concurrency: number): Promise<number> {
  const connection = { url: redisUrl, maxRetriesPerRequest: null };
  const name = `noop-${concurrency}`;
  const queue = new Queue(name, { connection, prefix });
  let completed = 0;
  let done: () => void = () => undefined;
  const allDone = new Promise<void>((resolve) => (done = resolve));
  const worker = new Worker(name, async () => undefined, { connection, prefix, concurrency, autorun: false });
  worker.on('completed', () => {
    completed += 1;
    if (completed === BULL_JOBS) done();
  });
  try {
    const started = performance.now();
    void worker.run();
    for (let offset = 0; offset < BULL_JOBS; offset += 500) {
      await queue.addBulk(
        Array.from({ length: Math.min(500, BULL_JOBS - offset) }, (_, index) => ({
          name: 'noop',
          data: { index: offset + index },
          opts: { removeOnComplete: true },
        })),
      );
    }
    await allDone;
    return BULL_JOBS / ((performance.now() - started) / 1000);
  } finally {
    await worker.close();
    await queue.obliterate({ force: true });
    await queue.close();
  }
}

async function measure(application: Application, databaseName: string): Promise<void> {
  const config = application.loadConfig(
    application.testEnvironment({ ...appUnderLoadEnvironment(databaseName, ADMIN_KEY), INBOUND_RATE_LIMIT_PER_MINUTE: '10000' }),
  );
  let app: NestExpressApplication | undefined;
  try {
    app = await application.createApp(config);
    await app.listen(0, '127.0.0.1');
    const baseUrl = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    const shop = await application.createChattingShop(baseUrl, ADMIN_KEY, { name: 'Bench Pet Shop' });

    const bullPrefix = `${config.redisPrefix}:reference`;
    const bullOne = await bullMqNoOp(config.redisUrl, bullPrefix, 1);
    const bullFifty = await bullMqNoOp(config.redisUrl, bullPrefix, 50);
    await deliver(app, application, shop.instanceId, 'w', WARM_UP_MESSAGES, 50, Infinity);
    const burst = await deliver(app, application, shop.instanceId, 'b', MESSAGES, CONTACTS, Infinity);
    const steady = await deliver(app, application, shop.instanceId, 's', MESSAGES, CONTACTS, STEADY_RATE_PER_SECOND);
    const half = await deliver(app, application, shop.instanceId, 'h', MESSAGES / 2, CONTACTS, HALF_RATE_PER_SECOND);

    const ms = (value: number) => value.toFixed(1).padStart(8);
    const cpuMs = (value: number | null) => (value === null ? 'n/a' : `${value.toFixed(2)} ms/msg`).padStart(16);
    const percent = (share: number | null) => (share === null ? 'n/a' : `${(share * 100).toFixed(0)}%`).padStart(13);
    console.log(`\nNode ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model.trim()}), PostgreSQL database ${databaseName}`);
    console.log(
      `pool ${config.databasePoolSize} connections, inbound concurrency ${config.inbound.concurrency}, outbound pacing off, ` +
        `offline menu assistant; ${MESSAGES} messages from ${CONTACTS} contacts per run (after a ${WARM_UP_MESSAGES}-message warm-up)`,
    );
    console.log(
      `${''.padEnd(40)}  msg/s    p50 ms    p99 ms  unanswered${['Node', 'PostgreSQL', 'Redis'].map((name) => `${name} CPU`.padStart(16)).join('')}  Node thread     host CPU`,
    );
    for (const [label, result] of [
      ['pipeline, burst (all delivered at once)', burst],
      [`pipeline, steady (${STEADY_RATE_PER_SECOND}/s offered)`, steady],
      [`pipeline, half rate (${HALF_RATE_PER_SECOND}/s offered)`, half],
    ] as const) {
      console.log(
        `${label.padEnd(40)} ${result.perSecond.toFixed(0).padStart(6)} ${ms(median(result.latenciesMs))}  ${ms(percentile(result.latenciesMs, 0.99))}  ${String(result.unanswered).padStart(10)}` +
          [result.cpu.node, result.cpu.postgres, result.cpu.redis].map(cpuMs).join('') +
          [result.busy.nodeThread, result.busy.host].map(percent).join(''),
      );
    }
    console.log(
      'CPU per message delivered, from the first delivery until every reply is sent: this process (the app and the ' +
        'delivering loop), and every local PostgreSQL and Redis process (/proc); Node thread: the share of the run ' +
        "this process's event loop was busy (near 100% it is the limit, however many cores are idle); host CPU: every core, every process",
    );
    console.log(`${'raw BullMQ no-op jobs, concurrency 1'.padEnd(40)} ${bullOne.toFixed(0).padStart(6)}`);
    console.log(`${'raw BullMQ no-op jobs, concurrency 50'.padEnd(40)} ${bullFifty.toFixed(0).padStart(6)}`);
    console.log(
      `ratio pipeline burst / raw BullMQ: ${(burst.perSecond / bullOne).toFixed(3)}x of concurrency 1, ${(burst.perSecond / bullFifty).toFixed(3)}x of concurrency 50 ` +
        '(each message is two jobs, inbound and outbound, and 6 round trips to PostgreSQL)',
    );
    const bull = 'raw BullMQ no-op jobs, concurrency 50';
    reportFigure({ figure: 'inbound end to end, burst', value: burst.perSecond, unit: 'msg/s', baseline: bull, baselineValue: bullFifty, better: 'higher' });
    for (const [label, result] of [[`${STEADY_RATE_PER_SECOND}/s offered`, steady], [`${HALF_RATE_PER_SECOND}/s offered`, half]] as const) {
      reportFigure({ figure: `inbound end to end, ${label}`, value: result.perSecond, unit: 'msg/s', baseline: bull, baselineValue: bullFifty, better: 'higher' });
      const latency = { unit: 'ms', baseline: null, baselineValue: null, better: 'lower' } as const;
      reportFigure({ ...latency, figure: `inbound latency p50, ${label}`, value: median(result.latenciesMs) });
      reportFigure({ ...latency, figure: `inbound latency p99, ${label}`, value: percentile(result.latenciesMs, 0.99) });
    }
    // At 250/s nearly every message is a turn of its own: what one costs, where the p99 goal at 500/s is decided.
    for (const [process, value] of [['Node', half.cpu.node], ['PostgreSQL', half.cpu.postgres], ['Redis', half.cpu.redis]] as const) {
      if (value === null) continue;
      reportFigure({ figure: `inbound CPU per message at ${HALF_RATE_PER_SECOND}/s offered, ${process}`, value, unit: 'ms', baseline: null, baselineValue: null, better: 'lower' });
    }
    // What limits 500/s: the Node thread (busy near 100%) or the host's cores.
    const share = { unit: '%', baseline: null, baselineValue: null, better: 'lower' } as const;
    reportFigure({ ...share, figure: `inbound Node thread busy at ${STEADY_RATE_PER_SECOND}/s offered`, value: steady.busy.nodeThread * 100 });
    if (steady.busy.host !== null) reportFigure({ ...share, figure: `inbound host CPU busy at ${STEADY_RATE_PER_SECOND}/s offered`, value: steady.busy.host * 100 });
    console.log(`goal: >= ${GOAL_PER_SECOND} messages/s end to end (burst): ${burst.perSecond.toFixed(0)}, ${burst.perSecond >= GOAL_PER_SECOND ? 'met' : 'NOT met'}`);
    const p99 = percentile(steady.latenciesMs, 0.99);
    console.log(`goal: p99 < ${GOAL_P99_MS} ms at ${STEADY_RATE_PER_SECOND}/s offered: ${p99.toFixed(1)} ms, ${p99 < GOAL_P99_MS ? 'met' : 'NOT met'}`);
    if (steady.perSecond < STEADY_RATE_PER_SECOND * 0.95) {
      console.log(`note: the steady run completed at ${steady.perSecond.toFixed(0)}/s, below the offered rate: the pipeline fell behind`);
    }
  } finally {
    await app?.close();
    await application.deleteRedisPrefix(config.redisUrl, config.redisPrefix).catch((error: Error) => console.error(`Redis prefix not deleted: ${error.message}`));
    rmSync(config.dataDir, { recursive: true, force: true });
  }
}

const application = await importApplication();
await withThrowawayPostgres(1, (_database, name) => measure(application, name));
