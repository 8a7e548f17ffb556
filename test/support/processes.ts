import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** A throwaway Redis for tests that stop it; the shared one on 6379 is never touched. */
export class ThrowawayRedis {
  private child: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  static async start(): Promise<ThrowawayRedis> {
    const redis = new ThrowawayRedis(await freePort());
    await redis.restart();
    return redis;
  }

  /** Starts (again) on the same port, as an operator restarting Redis would. */
  async restart(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    await waitFor(() => this.answers(), 10_000);
  }

  async stop(): Promise<void> {
    if (this.child !== null) await stopProcess(this.child);
    this.child = null;
  }

  private async answers(): Promise<boolean> {
    const probe = new Redis({ port: this.port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      return (await probe.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      probe.disconnect();
    }
  }
}

export async function stopProcess(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  await once(child, 'exit');
}

/**
 * Waits a fixed time: for a fault to last, or to give the workers time to do what they must not
 * (a second reply, a duplicate row) before a test checks they did not. To wait for something, use waitFor.
 */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

export interface RunningProcess {
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
}

/** Runs a built entry point of the app (dist/) as the Dockerfile and npm start do, with their Node flag. */
export function runNode(script: string, args: string[], env: Record<string, string>): RunningProcess {
  const child = spawn(process.execPath, ['--experimental-async-context-frame', script, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

/**
 * A throwaway PostgreSQL cluster (initdb in a temp folder) for tests that stop
 * it; the shared one on 5432 is never touched. Run as the `postgres` user when
 * the tests run as root (PostgreSQL refuses root).
 */
export class ThrowawayPostgres {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly directory: string,
    private readonly user: { uid: number; gid: number } | null,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async start(): Promise<ThrowawayPostgres> {
    const directory = mkdtempSync(join(tmpdir(), 'oxy-throwaway-pg-'));
    let user: { uid: number; gid: number } | null = null;
    if (process.getuid?.() === 0) {
      user = { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) };
      chownSync(directory, user.uid, user.gid);
    }
    execFileSync('initdb', ['-D', directory, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8'], {
      stdio: 'ignore',
      ...(user ?? {}),
    });
    const postgres = new ThrowawayPostgres(await freePort(), directory, user);
    await postgres.restart();
    return postgres;
  }

  /** Starts (again) on the same port and folder: the data is kept, as an operator restarting it would find it. */
  async restart(): Promise<void> {
    this.child = spawn(
      'postgres',
      ['-D', this.directory, '-p', String(this.port), '-k', this.directory, '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off', '-c', 'max_connections=200'],
      { stdio: 'ignore', ...(this.user ?? {}) },
    );
    await waitFor(() => this.answers(), 20_000);
  }

  /** Stops it the way a crash or an operator's immediate shutdown does: connections are cut, nothing is waited for. */
  async stop(): Promise<void> {
    if (this.child !== null) await stopProcess(this.child, 'SIGQUIT');
    this.child = null;
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.directory, { recursive: true, force: true });
  }

  private async answers(): Promise<boolean> {
    const client = new pg.Client({ connectionString: this.url, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('SELECT 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
