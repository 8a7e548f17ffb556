import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteRedisPrefix, REDIS_URL } from '../support/app.js';
import { createTestDatabase } from '../support/postgres.js';
import { freePort, type RunningProcess, runNode, stopProcess, waitFor } from '../support/processes.js';

const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'main.js');
/** Generous: on a busy 2-CPU machine a start takes 10-30 s (module loading); most of a restart run's time is starts. */
const HEALTHY_WITHIN_MS = 90_000;

export interface ServerProcessOptions {
  /** Names the database, the Redis prefix and the data folder, so leftovers say which test made them. */
  name: string;
  adminKey: string;
  logLevel: string;
  /** What this test sets on top of the common environment (timeouts, pipeline settings). */
  environment: Record<string, string>;
}

/**
 * The built server (dist/main.js, as the Dockerfile runs it) in a child
 * process, with its own database, Redis prefix and data folder. Every start
 * reuses them and the port, as a server restarted on its own disk finds its
 * sessions, spool and sandbox record.
 */
export interface ServerProcess {
  url: string;
  databaseUrl: string;
  dataDir: string;
  /** Starts a process and resolves once /health answers 200 (a real process, so signals and kills are real). */
  start(): Promise<RunningProcess>;
  /** Kills the process started last if it still runs, then removes the data folder, the Redis keys and the database. */
  cleanup(): Promise<void>;
}

export async function prepareServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const undo: (() => Promise<void>)[] = [];
  // Each step is undone on its own: one that fails does not leave the others behind.
  const cleanup = async () => {
    for (const step of undo.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const database = await createTestDatabase(options.name);
    undo.push(() => database.drop());
    const prefix = `test:${options.name}:${randomBytes(4).toString('hex')}`;
    undo.push(() => deleteRedisPrefix(REDIS_URL, prefix));
    const dataDir = mkdtempSync(join(tmpdir(), `oxy-${options.name}-`));
    undo.push(async () => rmSync(dataDir, { recursive: true, force: true }));
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const environment = {
      PORT: String(port),
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      ADMIN_API_KEY: options.adminKey,
      DATA_DIR: dataDir,
      NODE_ENV: 'test',
      LOG_LEVEL: options.logLevel,
      SEED_DEMO: 'false',
      ...options.environment,
    };
    let latest: RunningProcess | null = null;
    undo.push(async () => {
      if (latest !== null) await stopProcess(latest.child);
    });
    const start = async () => {
      // Kept before the wait, so a process that never gets healthy is still killed by the cleanup.
      const started = runNode(MAIN, [], environment);
      latest = started;
      await waitFor(async () => (await fetch(`${url}/health`).catch(() => null))?.status === 200, HEALTHY_WITHIN_MS);
      return started;
    };
    return { url, databaseUrl: database.url, dataDir, start, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
