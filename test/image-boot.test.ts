import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import pg from 'pg';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../src/config/app-config.js';
import { deleteRedisPrefix, REDIS_URL } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { freePort, waitFor } from './support/processes.js';

// No Docker engine here: this test does by hand what the image does. It lays out a folder as the
// Dockerfile's final stage does (the files it copies; production dependencies only, as `npm prune
// --omit=dev` leaves them), applies supabase/migrations with plain psql as `supabase db reset` would
// (and loads seed.sql), then runs the Dockerfile's CMD there with its ENV, probes it with its
// HEALTHCHECK, and stops it with SIGTERM as `docker stop` does.
const root = join(import.meta.dirname, '..');
const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

/** `npm test` builds first; run alone after an edit, the test builds the bundle itself (tsconfig.build.json). */
function ensureFreshBuild(): void {
  const built = join(root, 'dist', 'main.js');
  const newestSource = (directory: string): number =>
    Math.max(
      0,
      ...readdirSync(directory, { withFileTypes: true }).map((entry) => {
        const path = join(directory, entry.name);
        if (entry.isDirectory()) return newestSource(path);
        return entry.name.endsWith('.ts') && !entry.name.endsWith('.spec.ts') ? statSync(path).mtimeMs : 0;
      }),
    );
  if (existsSync(built) && statSync(built).mtimeMs >= newestSource(join(root, 'src'))) return;
  const build = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], {
    cwd: root,
    encoding: 'utf8',
  });
  if (build.status !== 0) throw new Error(`tsc -p tsconfig.build.json failed:\n${build.stdout}${build.stderr}`);
}

/** Hard links (same file system, no copying) of every file under `from`, except nested node_modules. */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name === 'node_modules') continue;
    const [source, target] = [join(from, entry.name), join(to, entry.name)];
    if (entry.isDirectory()) linkTree(source, target);
    else if (entry.isFile()) linkSync(source, target);
  }
}

/** The app folder of the image: what the final stage COPYs, node_modules pruned to production dependencies. */
function assembleImage(app: string): string[] {
  // `COPY [--flags] <source> ./<target>`; a bare `./` keeps the source's name.
  const copies = [...finalStage.matchAll(/^COPY (?:--\S+ )*(\S+) \.\/(\S*)$/gm)].map(([, source, target]) => ({
    source: source.replace(/^\/app\//, ''),
    target: target === '' ? basename(source) : target,
  }));
  for (const { source, target } of copies) {
    if (source === 'node_modules') continue;
    const path = join(root, source);
    if (statSync(path).isDirectory()) linkTree(path, join(app, target));
    else linkSync(path, join(app, target));
  }
  if (copies.some(({ source }) => source === 'node_modules')) {
    const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    for (const [path, entry] of Object.entries(lock.packages)) {
      // What `npm prune --omit=dev` keeps; optional packages for other platforms were never installed.
      if (path === '' || entry.dev === true || !existsSync(join(root, path))) continue;
      linkTree(join(root, path), join(app, path));
    }
  }
  return copies.map(({ target }) => target);
}

/** The ENV of the final stage, continuation lines joined. */
function imageEnvironment(): Record<string, string> {
  const lines = finalStage.replace(/\\\n/g, ' ').split('\n');
  const pairs = lines
    .filter((line) => line.startsWith('ENV '))
    .flatMap((line) => line.slice(4).trim().split(/\s+/))
    .map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]);
  return Object.fromEntries(pairs);
}

/** An exec-form instruction (`CMD [...]`, `HEALTHCHECK ... CMD [...]`) as an argument list. */
function execForm(instruction: RegExp): string[] {
  const match = instruction.exec(finalStage.replace(/\\\n/g, ' '));
  if (match === null) throw new Error(`Dockerfile: no ${instruction.source}`);
  return JSON.parse(match[1]) as string[];
}

function psql(databaseUrl: string, args: string[]): void {
  const result = spawnSync('psql', [databaseUrl, '-X', '-q', '-v', 'ON_ERROR_STOP=1', ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`psql ${args.join(' ')} failed:\n${result.stderr}`);
}

describe('the image, assembled as the Dockerfile does, on PostgreSQL migrated by psql', () => {
  const workDirectory = mkdtempSync(join(tmpdir(), 'oxy-image-'));
  const app = join(workDirectory, 'app');
  const dataDirectory = join(workDirectory, 'data');
  const prefix = `test:image:${randomBytes(4).toString('hex')}`;
  let database: TestDatabase;
  let copied: string[];

  beforeAll(async () => {
    ensureFreshBuild();
    copied = assembleImage(app);
    database = await createTestDatabase('image');
    const migrations = readdirSync(join(root, 'supabase', 'migrations')).filter((name) => /^\d+_[\w-]+\.sql$/.test(name)).sort();
    for (const file of migrations) psql(database.url, ['--single-transaction', '-f', join(root, 'supabase', 'migrations', file)]);
    // What the Supabase CLI records after applying them (`supabase db reset`).
    const versions = migrations.map((file) => `('${file.slice(0, file.indexOf('_'))}', '${file.slice(file.indexOf('_') + 1, -4)}')`);
    psql(database.url, [
      '-c',
      'CREATE SCHEMA supabase_migrations; CREATE TABLE supabase_migrations.schema_migrations (version text PRIMARY KEY, statements text[], name text);' +
        `INSERT INTO supabase_migrations.schema_migrations (version, name) VALUES ${versions.join(', ')}`,
    ]);
    psql(database.url, ['-f', join(root, 'supabase', 'seed.sql')]);
  }, 120_000);

  afterAll(async () => {
    await database?.drop();
    await deleteRedisPrefix(REDIS_URL, prefix).catch(() => undefined);
    rmSync(workDirectory, { recursive: true, force: true });
  });

  /** Runs the Dockerfile's CMD in the image folder, as `docker run` would, until stopped with SIGTERM (`docker stop`). */
  async function startImage(environment: Record<string, string>) {
    const [command, ...args] = execForm(/^CMD (\[.*\])$/m);
    expect(command).toBe('node');
    const server: ChildProcess = spawn(process.execPath, args, {
      cwd: app,
      env: { PATH: dirname(process.execPath), ...environment },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(server, 'exit');
    const stop = async () => {
      server.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
      // Nest closes everything, then re-raises the signal to end the process with it (as `docker stop` expects).
      expect(server.exitCode === 0 || server.signalCode === 'SIGTERM', `exit ${server.exitCode} ${server.signalCode}\n${output}`).toBe(true);
    };
    try {
      await waitFor(() => output.includes('Nest application successfully started') || server.exitCode !== null, 30_000);
      expect(server.exitCode, output).toBeNull();
    } catch (error) {
      await stop().catch(() => undefined);
      throw error;
    }
    return { output: () => output, stop };
  }

  it('starts from dist/ with production dependencies only, counts the psql-applied migrations as applied, passes its HEALTHCHECK and stops cleanly on SIGTERM', async () => {
    expect(copied.sort()).toEqual(['dist', 'node_modules', 'package.json', 'supabase']);
    expect(existsSync(join(app, 'node_modules', 'vitest')), 'a dev dependency was left in the image folder').toBe(false);
    expect(existsSync(join(app, 'src')), 'the image has no sources').toBe(false);

    const port = String(await freePort());
    const environment: Record<string, string> = {
      ...imageEnvironment(),
      // The volume the image declares, here a temp folder; the rest is what render.yaml asks the operator for.
      DATA_DIR: dataDirectory,
      WHATSAPP_SESSION_PATH: join(dataDirectory, 'sessions'),
      PORT: port,
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      ENCRYPTION_KEY: generateEncryptionKey(),
      LOG_LEVEL: 'info',
    };
    expect(environment.NODE_ENV).toBe('production');
    const server = await startImage(environment);
    try {
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status, await health.clone().text()).toBe(200);
      const [probeCommand, ...probeArgs] = execForm(/^HEALTHCHECK .*?CMD (\[.*\])$/m);
      expect(probeCommand).toBe('node');
      const probe = spawnSync(process.execPath, probeArgs, { cwd: app, env: environment, timeout: 10_000 });
      expect(probe.status, 'the Dockerfile HEALTHCHECK command').toBe(0);

      // The boot applied nothing (the Supabase CLI's record counts), and the seed's shop is there.
      const ready = server.output().split('\n').find((line) => line.includes('"database ready"'));
      expect(JSON.parse(ready ?? '{}')).toMatchObject({ kind: 'postgres', applied: [] });
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        const shops = await client.query<{ name: string }>('SELECT name FROM organizations');
        expect(shops.rows.map((row) => row.name)).toEqual(['Pet Shop Demo Oxy']);
      } finally {
        await client.end();
      }
    } finally {
      await server.stop();
    }
    const errors = server
      .output()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level: number; msg?: string })
      .filter((entry) => entry.level >= 50);
    expect(errors, server.output()).toEqual([]);
  });

  it("runs with docker-compose.yml's app environment too (development: pretty logs, its placeholder admin key)", async () => {
    const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as {
      services: { app: { environment: Record<string, string> } };
    };
    // `${NAME:-default}` as compose resolves it with nothing set in the shell.
    const composeEnvironment = Object.fromEntries(
      Object.entries(compose.services.app.environment).map(([name, value]) => [name, String(value).replace(/\$\{[A-Z0-9_]+:-([^}]*)\}/g, '$1')]),
    );
    expect(composeEnvironment.NODE_ENV).toBe('development');
    const port = String(await freePort());
    const server = await startImage({
      ...imageEnvironment(),
      ...composeEnvironment,
      // Compose's service names and volume, here the test's own.
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: prefix,
      DATA_DIR: dataDirectory,
      WHATSAPP_SESSION_PATH: join(dataDirectory, 'sessions'),
      PORT: port,
    });
    try {
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      const created = await fetch(`http://127.0.0.1:${port}/api/admin/organizations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${composeEnvironment.ADMIN_API_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Pet Shop Compose' }),
      });
      expect(created.status, await created.clone().text()).toBe(201);
    } finally {
      await server.stop();
    }
  });
});
