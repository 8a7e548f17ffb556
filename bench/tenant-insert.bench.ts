/**
 * What tenant isolation costs a write: rows/s of one api_keys insert through the
 * owner connection (autocommit, then inside a transaction) against the same
 * insert in `withTenant`, on a throwaway PostgreSQL database and on PGlite.
 * A measurement, not a test: it exits 0 whether or not the goal is met.
 *
 *   npm run bench:tenant    (BENCH_POSTGRES_URL: admin URL, default the local server)
 */
import type { Database, Db } from '../src/database/database.js';
import { migrate } from '../src/database/migrator.js';
import { PgliteDatabase } from '../src/database/pglite-database.js';
import { apiKeys, organizations } from '../src/database/schema.js';
import { reportFigure, scaled } from './report.js';
import { median, withThrowawayPostgres } from './throwaway-postgres.js';

const ROUNDS = scaled(5, 2);
const ROWS_PER_ROUND = scaled(2_000, 50);
const WARM_UP_ROWS = scaled(500, 20);
const CONCURRENT_WORKERS = 8;
const GOAL_RATIO = 0.75;

// Ctrl-C stops the measuring loop rather than the process, so the `finally`
// blocks still close the pool and drop the throwaway database.
const interruption = new AbortController();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => interruption.abort(new Error(`benchmark interrupted by ${signal}`)));
}

type WritePath = (database: Database, organizationId: string) => Promise<unknown>;

let insertedRows = 0;
// key_hash is unique: a counter keeps every row distinct without hashing on the measured path.
function insertApiKey(db: Db, organizationId: string) {
  const rowNumber = insertedRows++;
  return db
    .insert(apiKeys)
    .values({ organizationId, name: `bench ${rowNumber}`, prefix: 'oxy_bench', keyHash: `bench-${rowNumber}` });
}

const WRITE_PATHS = {
  'plain autocommit': async (database, organizationId) => insertApiKey(database.systemDb, organizationId),
  'plain transaction': (database, organizationId) =>
    database.systemDb.transaction(async (tx) => insertApiKey(tx, organizationId)),
  tenant: (database, organizationId) =>
    database.withTenant(organizationId, async (tx) => insertApiKey(tx, organizationId)),
} satisfies Record<string, WritePath>;
type WritePathName = keyof typeof WRITE_PATHS;
const WRITE_PATH_NAMES = Object.keys(WRITE_PATHS) as WritePathName[];

interface Mode {
  name: string;
  workers: number;
}
const SEQUENTIAL: Mode = { name: 'sequential', workers: 1 };
const CONCURRENT: Mode = { name: `${CONCURRENT_WORKERS} concurrent`, workers: CONCURRENT_WORKERS };

async function rowsPerSecond(write: () => Promise<unknown>, rows: number, workers: number): Promise<number> {
  let remaining = rows;
  const worker = async () => {
    while (remaining-- > 0) {
      interruption.signal.throwIfAborted();
      await write();
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: workers }, worker));
  return rows / ((performance.now() - started) / 1000);
}

type Samples = Map<string, Record<WritePathName, number[]>>;

async function measure(database: Database, modes: Mode[]): Promise<Samples> {
  await migrate(database);
  const [organization] = await database.systemDb
    .insert(organizations)
    .values({ name: 'bench' })
    .returning({ id: organizations.id });
  const run = (path: WritePathName, mode: Mode, rows: number) =>
    rowsPerSecond(() => WRITE_PATHS[path](database, organization.id), rows, mode.workers);

  const samples: Samples = new Map(
    modes.map((mode) => [mode.name, { 'plain autocommit': [], 'plain transaction': [], tenant: [] }]),
  );
  for (const mode of modes) for (const path of WRITE_PATH_NAMES) await run(path, mode, WARM_UP_ROWS);
  for (let round = 0; round < ROUNDS; round++) {
    // Rotating the order each round spreads drift (table growth, autovacuum, caches) over all paths.
    const order = WRITE_PATH_NAMES.map((_, index) => WRITE_PATH_NAMES[(index + round) % WRITE_PATH_NAMES.length]);
    for (const mode of modes) {
      for (const path of order) samples.get(mode.name)![path].push(await run(path, mode, ROWS_PER_ROUND));
    }
  }
  return samples;
}

function printReport(title: string, samples: Samples): void {
  const columns = [...WRITE_PATH_NAMES, 'tenant/autocommit', 'tenant/transaction'];
  const goalLines: string[] = [];
  const rows = [...samples].map(([modeName, byPath]) => {
    const rate = (path: WritePathName) => median(byPath[path]);
    const spread = (path: WritePathName) =>
      `${Math.round(Math.min(...byPath[path]))}–${Math.round(Math.max(...byPath[path]))}`;
    const ratios = {
      'plain autocommit': rate('tenant') / rate('plain autocommit'),
      'plain transaction': rate('tenant') / rate('plain transaction'),
    };
    for (const [plain, ratio] of Object.entries(ratios)) {
      const verdict = ratio >= GOAL_RATIO ? 'met' : 'NOT met';
      goalLines.push(`  ${modeName}, tenant vs ${plain}: ${ratio.toFixed(2)}  ${verdict}`);
      reportFigure({
        figure: `${title.split(' ')[0]} tenant insert, ${modeName}`,
        value: rate('tenant'),
        unit: 'rows/s',
        baseline: `${plain} insert`,
        baselineValue: rate(plain as WritePathName),
        better: 'higher',
      });
    }
    return [
      modeName,
      ...WRITE_PATH_NAMES.map((path) => `${Math.round(rate(path))} (${spread(path)})`),
      ratios['plain autocommit'].toFixed(2),
      ratios['plain transaction'].toFixed(2),
    ];
  });
  const table = [['', ...columns], ...rows];
  const widths = table[0].map((_, column) => Math.max(...table.map((row) => row[column].length)));
  console.log(`\n${title}, Node ${process.version}`);
  console.log(`rows/s, median (min–max) of ${ROUNDS} rounds × ${ROWS_PER_ROUND} inserts into api_keys`);
  for (const row of table) {
    console.log(row.map((cell, column) => cell.padEnd(widths[column])).join('  ').trimEnd());
  }
  console.log(`goal: tenant-scoped insert >= ${GOAL_RATIO} of the plain one`);
  for (const line of goalLines) console.log(line);
}

async function serverVersion(database: Database): Promise<string> {
  return database.withConnection(async (runner) => {
    const [row] = await runner.query<{ server_version: string }>('SHOW server_version');
    return row.server_version;
  });
}

async function benchPostgres(): Promise<void> {
  await withThrowawayPostgres(CONCURRENT_WORKERS, async (database, name) => {
    const samples = await measure(database, [SEQUENTIAL, CONCURRENT]);
    printReport(`PostgreSQL ${await serverVersion(database)} (database ${name}, pool ${CONCURRENT_WORKERS})`, samples);
  });
}

async function benchPglite(): Promise<void> {
  const database = await PgliteDatabase.open('memory://');
  try {
    // One connection serialises everything, so a concurrent run would only measure the queue.
    const samples = await measure(database, [SEQUENTIAL]);
    printReport(`PGlite ${await serverVersion(database)} (memory://)`, samples);
  } finally {
    await database.close();
  }
}

await benchPostgres();
await benchPglite();
