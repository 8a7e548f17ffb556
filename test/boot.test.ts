import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../src/config/app-config.js';
import { deleteRedisPrefix, REDIS_URL } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { freePort, type RunningProcess, runNode, stopProcess, waitFor } from './support/processes.js';

// These tests run the built server (dist/), as `npm start` and the Dockerfile do; `npm test` builds first.
const MAIN = join(import.meta.dirname, '..', 'dist', 'main.js');
const CLI = join(import.meta.dirname, '..', 'dist', 'cli.js');

const prefixes: string[] = [];
function isolatedEnvironment(overrides: Record<string, string>): Record<string, string> {
  const prefix = `test:boot:${randomBytes(4).toString('hex')}`;
  prefixes.push(prefix);
  return { REDIS_URL, REDIS_PREFIX: prefix, LOG_LEVEL: 'info', ...overrides };
}

/** The embedded database's first start (WASM, migrations) takes tens of seconds on a busy 2-CPU machine. */
const BOOT_TIMEOUT_MS = 60_000;

async function started(server: RunningProcess): Promise<void> {
  await waitFor(() => server.output().includes('Nest application successfully started') || server.child.exitCode !== null, BOOT_TIMEOUT_MS);
  expect(server.child.exitCode, server.output()).toBeNull();
}

afterAll(async () => {
  await Promise.all(prefixes.map((prefix) => deleteRedisPrefix(REDIS_URL, prefix)));
});

describe('start-up failures stop the process with exit code 1 and say what to fix', () => {
  it('an invalid PORT', async () => {
    const server = runNode(MAIN, [], isolatedEnvironment({ PORT: 'abc', APP_ROLE: 'everything' }));
    expect(await server.exited).toBe(1);
    expect(server.output()).toContain('PORT: got "abc", expected a TCP port number between 1 and 65535');
    expect(server.output()).toContain('APP_ROLE: got "everything"');
  });

  it('a Redis that does not answer', async () => {
    const port = await freePort();
    const server = runNode(MAIN, [], isolatedEnvironment({ REDIS_URL: `redis://127.0.0.1:${port}`, DATA_DIR: mkdtempSync(join(tmpdir(), 'oxy-boot-')) }));
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/Redis is not reachable at redis:\/\/127\.0\.0\.1:\d+.*set REDIS_URL/);
  });

  it('a PostgreSQL that does not answer', async () => {
    const port = await freePort();
    const server = runNode(MAIN, [], isolatedEnvironment({ DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/oxy` }));
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/PostgreSQL is not reachable at 127\.0\.0\.1:\d+\/oxy.*Check DATABASE_URL/);
  });
});

describe('first start in development on a bare machine (embedded database)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'oxy-boot-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('creates the demo shop once, logs its key once, and the key works: sends through a sandbox instance included', async () => {
    const port = String(await freePort());
    const environment = isolatedEnvironment({ DATA_DIR: dataDir, PORT: port, NODE_ENV: 'development' });
    const first = runNode(MAIN, [], environment);
    await started(first);
    const key = /API key, shown only now: (oxy_[\w-]+)/.exec(first.output())?.[1];
    expect(key, first.output()).toBeDefined();
    const me = await fetch(`http://127.0.0.1:${port}/api/organizations/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { name: string }).name).toBe('Pet Shop Demo Oxy');
    // Services with prices, so the assistant can book from the first message.
    const services = await fetch(`http://127.0.0.1:${port}/api/services`, { headers: { authorization: `Bearer ${key}` } });
    const names = ((await services.json()) as { data: { name: string; priceCents: number }[] }).data.map((service) => service.name);
    expect(names.sort()).toEqual(['Banho', 'Consulta veterinária', 'Tosa']);
    // A send through the API, stored and sent on the embedded database too.
    const api = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as any };
    };
    const instance = (await api('POST', '/api/whatsapp/instances', { name: 'Demo', provider: 'sandbox', phoneNumber: '5511987650000' })).body.id as string;
    await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${instance}/status`)).body.pairingCode !== null, 10_000);
    await api('POST', `/api/sandbox/instances/${instance}/pair`, {});
    await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${instance}/status`)).body.status === 'connected', 10_000);
    const sends = await Promise.all(['Oi!', 'Tudo bem?'].map((text) => api('POST', '/api/whatsapp/send/text', { instanceId: instance, to: '5511912345678', text })));
    expect(sends.map((send) => send.status)).toEqual([202, 202]);
    await waitFor(async () => (await api('GET', `/api/sandbox/instances/${instance}/outbound`)).body.data.length === 2, 10_000);
    await stopProcess(first.child, 'SIGTERM');
    expect(first.child.exitCode ?? first.child.signalCode).not.toBeNull();

    const second = runNode(MAIN, [], environment);
    await started(second);
    expect(second.output()).not.toContain('Demo shop created');
    const again = await fetch(`http://127.0.0.1:${port}/api/organizations/me`, { headers: { authorization: `Bearer ${key}` } });
    expect(again.status).toBe(200);
    await stopProcess(second.child, 'SIGTERM');
  }, 2 * BOOT_TIMEOUT_MS + 10_000);
});

describe('production on PostgreSQL: the CLI creates an organization, logs are JSON and safe', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('boot');
  });
  afterAll(async () => {
    await database?.drop();
  });

  it('org:create prints a working key; request logs carry the request id, hide the key and skip health probes', async () => {
    const environment = isolatedEnvironment({
      NODE_ENV: 'production',
      DATABASE_URL: database.url,
      ENCRYPTION_KEY: generateEncryptionKey(),
      DATA_DIR: mkdtempSync(join(tmpdir(), 'oxy-boot-')),
      PORT: String(await freePort()),
    });
    const cli = runNode(CLI, ['org:create', '--name', 'Clínica Vet Sol', '--owner', '(11) 98765-4321'], environment);
    expect(await cli.exited, cli.output()).toBe(0);
    const created = JSON.parse(cli.output().slice(0, cli.output().lastIndexOf('}') + 1)) as { apiKey: string; name: string };
    expect(created.name).toBe('Clínica Vet Sol');

    const badCli = runNode(CLI, ['org:create', '--owner', 'banana'], environment);
    expect(await badCli.exited).toBe(2);
    expect(badCli.output()).toContain('--name is required');

    const server = runNode(MAIN, [], environment);
    await started(server);
    const base = `http://127.0.0.1:${environment.PORT}`;
    expect((await fetch(`${base}/health`)).status).toBe(200);
    const me = await fetch(`${base}/api/organizations/me`, { headers: { authorization: `Bearer ${created.apiKey}` } });
    const body = (await me.json()) as { authorizedOwnerNumbers: string[] };
    expect(body.authorizedOwnerNumbers).toEqual(['+5511987654321']);
    const requestId = me.headers.get('x-request-id');
    await waitFor(() => server.output().includes(requestId ?? 'never'), 5000);
    await stopProcess(server.child, 'SIGTERM');

    const lines = server.output().trim().split('\n');
    const entries = lines.map((line) => JSON.parse(line) as { req?: { id: string; url: string; headers: Record<string, string> } });
    const requestLine = entries.find((entry) => entry.req?.url === '/api/organizations/me');
    expect(requestLine?.req?.id).toBe(requestId);
    expect(requestLine?.req?.headers.authorization).toBe('[redacted]');
    expect(server.output()).not.toContain(created.apiKey);
    expect(entries.some((entry) => entry.req?.url?.startsWith('/health'))).toBe(false);
  });
});
