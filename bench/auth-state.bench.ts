/**
 * What a WhatsApp auth-state store costs a connection: pairing (open, 812
 * pre-keys, creds) and then message turns (read and rewrite a Signal session,
 * every 10th turn also a sender key and the creds), for Baileys' own
 * useMultiFileAuthState (the baseline) and our file and postgres stores; one
 * instance alone, then 50 at the same time. Temp folders and a throwaway
 * database are removed at the end. A measurement: it exits 0 either way.
 *
 *   npm run bench:auth-state    (BENCH_POSTGRES_URL: admin URL, default the local server)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONFIG_VARIABLES } from '../src/config/app-config.js';
import type { Database } from '../src/database/database.js';
import { organizations } from '../src/database/schema.js';
import type { OpenSession } from '../src/session/auth-state-store.js';
import { FileAuthStateStore } from '../src/session/file-auth-state.store.js';
import { PostgresAuthStateStore } from '../src/session/postgres-auth-state.store.js';
import { useMultiFileAuthState } from '../src/whatsapp/transport/baileys-auth.js';
import { reportFigure, scaled } from './report.js';
import { median, percentile, withThrowawayPostgres } from './throwaway-postgres.js';

const PRE_KEYS = 812; // Baileys' INITIAL_PREKEY_COUNT, uploaded in one keys.set on pairing
const TURNS = scaled(2_000, 50);
const CONTACTS = 200;
const SESSION_RECORD_BYTES = 1_536;
const SENDER_KEY_RECORD_BYTES = 512;
const CREDS_EVERY = 10;
const CONCURRENT_INSTANCES = scaled(50, 3);
const POOL_SIZE = Number(CONFIG_VARIABLES.DATABASE_POOL_SIZE.default);
/** Goal: our stores' turns/s as a multiple of Baileys' own store. */
const SCENARIOS = [
  { instances: 1, goal: 1 },
  { instances: CONCURRENT_INSTANCES, goal: 3 },
];

// Ctrl-C stops the turns rather than the process, so temp folders and the database are still removed.
const interruption = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => interruption.abort(new Error(`benchmark interrupted by ${signal}`)));
}

// Values are made once, so every store writes the same bytes and randomness stays off the measured path.
const keyPair = () => ({ public: randomBytes(32), private: randomBytes(32) });
const PRE_KEY_BATCH = Object.fromEntries(Array.from({ length: PRE_KEYS }, (_, index) => [String(index + 1), keyPair()]));
const CONTACT_ADDRESSES = Array.from({ length: CONTACTS }, (_, index) => `55119${87_650_000 + index}.0`);
const SESSION_RECORDS = CONTACT_ADDRESSES.map(() => randomBytes(SESSION_RECORD_BYTES));
const SENDER_KEY_RECORD = randomBytes(SENDER_KEY_RECORD_BYTES);
const senderKeyId = (address: string) => `120363000000000001@g.us::${address.replace('.', '::')}`;

type Session = Pick<OpenSession, 'state' | 'saveCreds'>;

interface Harness {
  open(instance: number): Promise<Session>;
  /** Files or rows the sessions left, and what they take on disk. */
  footprint(): Promise<string>;
}

interface Result {
  setupMs: number;
  turnsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  footprint: string;
}

type StoreName = 'baileys' | 'oxy file' | 'oxy postgres';
type Bench = (instances: number, measure: (harness: Harness) => Promise<Result>) => Promise<Result>;

const STORES: Record<StoreName, Bench> = {
  baileys: (_instances, measure) =>
    withTempFolder((root) =>
      measure({ open: (instance) => useMultiFileAuthState(join(root, `instance-${instance}`)), footprint: () => folderFootprint(root) }),
    ),
  'oxy file': (_instances, measure) =>
    withTempFolder(async (root) => {
      const store = await FileAuthStateStore.create(root, join(root, 'fallback'), { backups: null });
      const organizationId = randomUUID();
      return measure({ open: () => store.open({ organizationId, instanceId: randomUUID() }), footprint: () => folderFootprint(root) });
    }),
  'oxy postgres': (instances, measure) =>
    withThrowawayPostgres(POOL_SIZE, async (database) => {
      const store = new PostgresAuthStateStore(database);
      const tenants = await database.systemDb
        .insert(organizations)
        .values(Array.from({ length: instances }, (_, instance) => ({ name: `bench ${instance}` })))
        .returning({ id: organizations.id });
      return measure({
        open: (instance) => store.open({ organizationId: tenants[instance].id, instanceId: randomUUID() }),
        footprint: () => tableFootprint(database),
      });
    }),
};
const STORE_NAMES = Object.keys(STORES) as StoreName[];

async function withTempFolder(work: (root: string) => Promise<Result>): Promise<Result> {
  const root = await mkdtemp(join(tmpdir(), 'oxy-auth-bench-'));
  try {
    return await work(root);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

async function folderFootprint(root: string): Promise<string> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const sizes = await Promise.all(entries.filter((entry) => entry.isFile()).map((entry) => stat(join(entry.parentPath, entry.name))));
  const content = sizes.reduce((sum, size) => sum + size.size, 0);
  const allocated = sizes.reduce((sum, size) => sum + size.blocks * 512, 0);
  return `${sizes.length} files, ${megabytes(allocated)} on disk (${megabytes(content)} content)`;
}

async function tableFootprint(database: Database): Promise<string> {
  const [row] = await database.withConnection((runner) =>
    runner.query<{ rows: string; bytes: string }>(
      `SELECT (SELECT count(*) FROM whatsapp_auth_creds) + (SELECT count(*) FROM whatsapp_auth_keys) AS rows,
              pg_total_relation_size('whatsapp_auth_creds') + pg_total_relation_size('whatsapp_auth_keys') AS bytes`,
    ),
  );
  return `${row.rows} rows, ${megabytes(Number(row.bytes))} (pg_total_relation_size)`;
}

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** What pairing does to the store: every pre-key in one set, then the updated creds. */
async function pair(session: Session): Promise<void> {
  await session.state.keys.set({ 'pre-key': PRE_KEY_BATCH });
  Object.assign(session.state.creds, {
    me: { id: '5511987650000:12@s.whatsapp.net', name: 'Bench Pet Shop' },
    nextPreKeyId: PRE_KEYS + 1,
    firstUnuploadedPreKeyId: PRE_KEYS + 1,
  });
  await session.saveCreds();
}

async function converse(session: Session, latencies: number[]): Promise<void> {
  const { keys } = session.state;
  for (let turn = 0; turn < TURNS; turn++) {
    interruption.signal.throwIfAborted();
    const contact = turn % CONTACTS;
    const address = CONTACT_ADDRESSES[contact];
    const started = performance.now();
    await keys.get('session', [address]);
    await keys.set({ session: { [address]: SESSION_RECORDS[contact] } });
    if (turn % CREDS_EVERY === CREDS_EVERY - 1) {
      await keys.set({ 'sender-key': { [senderKeyId(address)]: SENDER_KEY_RECORD } });
      // creds.update follows a change, so no store may skip the write as a repeat.
      session.state.creds.accountSyncCounter = turn;
      await session.saveCreds();
    }
    latencies.push(performance.now() - started);
  }
}

async function measure(harness: Harness, instances: number): Promise<Result> {
  // Pairings run one after another: 50 at once would open 40,000 pre-key files together (EMFILE), which no deployment does.
  const paired: { session: Session; setupMs: number }[] = [];
  for (let instance = 0; instance < instances; instance++) {
    const started = performance.now();
    const session = await harness.open(instance);
    await pair(session);
    paired.push({ session, setupMs: performance.now() - started });
  }
  const latencies: number[] = [];
  const started = performance.now();
  await Promise.all(paired.map(({ session }) => converse(session, latencies)));
  const seconds = (performance.now() - started) / 1000;
  return {
    setupMs: median(paired.map(({ setupMs }) => setupMs)),
    turnsPerSecond: (instances * TURNS) / seconds,
    p50Ms: percentile(latencies, 0.5),
    p99Ms: percentile(latencies, 0.99),
    footprint: await harness.footprint(),
  };
}

function printScenario({ instances, goal }: (typeof SCENARIOS)[number], results: Record<StoreName, Result>): string[] {
  const baseline = results.baileys.turnsPerSecond;
  const table = [
    ['store', instances === 1 ? 'setup ms' : 'setup ms p50', 'turns/s', 'p50 ms', 'p99 ms', 'vs baileys', 'footprint'],
    ...STORE_NAMES.map((name) => {
      const result = results[name];
      return [
        name,
        result.setupMs.toFixed(0),
        result.turnsPerSecond.toFixed(0),
        result.p50Ms.toFixed(2),
        result.p99Ms.toFixed(2),
        (result.turnsPerSecond / baseline).toFixed(2),
        result.footprint,
      ];
    }),
  ];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  const scenario = instances === 1 ? '1 instance, turns one after another' : `${instances} instances at the same time, aggregate turns/s`;
  console.log(`\n${scenario}: ${PRE_KEYS} pre-keys on setup, ${TURNS} turns each over ${CONTACTS} contacts`);
  for (const row of table) console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
  return STORE_NAMES.filter((name) => name !== 'baileys').map((name) => {
    const ratio = results[name].turnsPerSecond / baseline;
    reportFigure({
      figure: `${name} store, ${instances} instance(s)`,
      value: results[name].turnsPerSecond,
      unit: 'turns/s',
      baseline: "Baileys' useMultiFileAuthState",
      baselineValue: baseline,
      better: 'higher',
    });
    return `  ${instances} instance(s), ${name}: ${ratio.toFixed(2)}x baileys' turns/s, goal >= ${goal}x  ${ratio >= goal ? 'met' : 'NOT met'}`;
  });
}

console.log(`auth-state stores, Node ${process.version}, temp folders under ${tmpdir()}, postgres pool ${POOL_SIZE}`);
const goalLines: string[] = [];
for (const scenario of SCENARIOS) {
  const { instances } = scenario;
  const results = {} as Record<StoreName, Result>;
  for (const name of STORE_NAMES) results[name] = await STORES[name](instances, (harness) => measure(harness, instances));
  goalLines.push(...printScenario(scenario, results));
}
console.log('\ngoals');
for (const line of goalLines) console.log(line);
