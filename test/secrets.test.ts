import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import pg from 'pg';
import { io } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisPrefix, REDIS_URL, request } from './support/app.js';
import { type FakeOpenAi, startFakeOpenAi } from './support/fake-openai.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { freePort, type RunningProcess, runNode, stopProcess, waitFor } from './support/processes.js';
import { createChattingShop, type TestShop } from './support/shop.js';

// The built server (dist/), as `npm start` runs it, so its log output is exactly what an operator gets.
const MAIN = join(import.meta.dirname, '..', 'dist', 'main.js');

/** Recognisable secrets: if any of them (or a telling part) shows up in a log line, the test names it. */
const SECRETS = {
  ADMIN_API_KEY: `admin-canary-${randomBytes(12).toString('hex')}`,
  SUPABASE_JWT_SECRET: `jwt-secret-canary-${randomBytes(16).toString('hex')}`,
  ENCRYPTION_KEY: randomBytes(32).toString('hex'),
  OPENAI_API_KEY: `sk-canary-${randomBytes(16).toString('hex')}`,
};

/** Every Buffer a session file holds (Baileys' BufferJSON: `{ type: 'Buffer', data: '<base64>' }`). */
function bufferValues(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => bufferValues(item, found));
  else if (typeof value === 'object' && value !== null) {
    const candidate = value as { type?: unknown; data?: unknown };
    if (candidate.type === 'Buffer' && typeof candidate.data === 'string') found.push(candidate.data);
    else Object.values(value).forEach((item) => bufferValues(item, found));
  }
  return found;
}

function modeOf(path: string): string {
  return (statSync(path).mode & 0o777).toString(8);
}

function walk(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? [join(folder, entry.name), ...walk(join(folder, entry.name))] : [join(folder, entry.name)],
  );
}

describe('secrets after a full scenario: never in logs, keys only as hashes, session files private', () => {
  let database: TestDatabase;
  let fakeOpenAi: FakeOpenAi;
  let server: RunningProcess;
  let dataDir: string;
  let redisPrefix: string;
  let shop: TestShop;
  let secondKey: string;
  let jwt: string;
  const wrongKey = `oxy_${randomBytes(32).toString('base64url')}`;

  beforeAll(async () => {
    database = await createTestDatabase('secrets');
    fakeOpenAi = await startFakeOpenAi();
    fakeOpenAi.fallback = () => ({ kind: 'completion', content: 'Olá! Como posso ajudar?' });
    dataDir = mkdtempSync(join(tmpdir(), 'oxy-secrets-'));
    redisPrefix = `test:secrets:${randomBytes(4).toString('hex')}`;
    const port = await freePort();
    server = runNode(MAIN, [], {
      ...SECRETS,
      NODE_ENV: 'production',
      // The most talkative level: a secret must not appear even in debug lines.
      LOG_LEVEL: 'debug',
      PORT: String(port),
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_PREFIX: redisPrefix,
      DATA_DIR: dataDir,
      OPENAI_BASE_URL: fakeOpenAi.url,
      OUTBOUND_MIN_GAP_MS: '0',
      OUTBOUND_JITTER_MS: '0',
    });
    await waitFor(() => server.output().includes('Nest application successfully started') || server.child.exitCode !== null, 30_000);
    expect(server.child.exitCode, server.output()).toBeNull();
    const baseUrl = `http://127.0.0.1:${port}`;
    const api = (method: string, path: string, token: string, body?: unknown) => request(baseUrl, method, path, { token, body });

    // An organization with its first key, a second key, a paired sandbox number (creds, keys and backups on disk).
    shop = await createChattingShop(baseUrl, SECRETS.ADMIN_API_KEY);
    secondKey = (await api('POST', '/api/api-keys', shop.key, { name: 'painel' })).body.key;
    expect(secondKey).toMatch(/^oxy_/);

    // A Supabase user's JWT, as a dashboard sends it.
    const userId = '2f6d3c1a-8b7e-4d5f-9a0b-1c2d3e4f5a6b';
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    await client.query('INSERT INTO organization_members (organization_id, user_id, role) VALUES ($1, $2, $3)', [shop.organizationId, userId, 'owner']);
    await client.end();
    jwt = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(userId)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode(SECRETS.SUPABASE_JWT_SECRET));
    expect((await api('GET', '/api/organizations/me', jwt)).status).toBe(200);

    // A dashboard socket, a customer's message answered, a staff reply, failed logins, a revoked key.
    const socket = io(baseUrl, { auth: { token: secondKey }, transports: ['websocket'] });
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
    const customer = '5511977770001';
    expect((await api('POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, shop.key, { from: customer, text: 'oi', pushName: 'Ana' })).status).toBe(200);
    await waitFor(async () => (await api('GET', `/api/sandbox/instances/${shop.instanceId}/outbound`, shop.key)).body.data.length > 0, 15_000);
    expect((await api('POST', '/api/whatsapp/send/text', secondKey, { instanceId: shop.instanceId, to: customer, text: 'Oi, aqui é a equipe' })).status).toBe(202);
    expect((await api('GET', '/api/organizations/me', wrongKey)).status).toBe(401);
    expect((await request(baseUrl, 'POST', '/api/admin/organizations', { token: `${SECRETS.ADMIN_API_KEY}x`, body: { name: 'x' } })).status).toBe(401);
    const keys = await api('GET', '/api/api-keys', shop.key);
    const second = (keys.body.data as { id: string; name: string }[]).find((key) => key.name === 'painel');
    expect((await api('DELETE', `/api/api-keys/${second?.id}`, shop.key)).status).toBe(200);
    await waitFor(() => socket.disconnected, 5000);
    socket.close();
    await stopProcess(server.child, 'SIGTERM');
  }, 90_000);

  afterAll(async () => {
    if (server !== undefined) await stopProcess(server.child);
    await fakeOpenAi?.close();
    await database?.drop();
    if (redisPrefix !== undefined) await deleteRedisPrefix(REDIS_URL, redisPrefix);
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs none of the API keys, the JWT, the admin key, the JWT secret, ENCRYPTION_KEY or the OpenAI key', () => {
    const logs = server.output();
    // The run was logged (JSON lines with requests), so an empty output cannot pass for a clean one.
    expect(logs).toContain('/api/sandbox/instances/');
    expect(logs.split('\n').filter((line) => line.startsWith('{')).length).toBeGreaterThan(20);
    const secrets: Record<string, string> = {
      ...SECRETS,
      ENCRYPTION_KEY_AS_BASE64: Buffer.from(SECRETS.ENCRYPTION_KEY, 'hex').toString('base64'),
      'first API key': shop.key,
      'first API key without its prefix': shop.key.slice(12),
      'second API key': secondKey,
      'second API key without its prefix': secondKey.slice(12),
      'refused API key': wrongKey,
      JWT: jwt,
      'JWT signature': jwt.split('.')[2],
    };
    for (const [name, secret] of Object.entries(secrets)) expect(logs.includes(secret), `${name} is in the logs`).toBe(false);
  });

  it('logs no auth-state key material of the WhatsApp session', () => {
    const sessionsRoot = join(dataDir, 'sessions');
    const [session] = readdirSync(sessionsRoot);
    const folder = join(sessionsRoot, session);
    const material = [
      ...bufferValues(JSON.parse(readFileSync(join(folder, 'creds.json'), 'utf8'))),
      ...readdirSync(join(folder, 'keys')).flatMap((file) => bufferValues(JSON.parse(readFileSync(join(folder, 'keys', file), 'utf8')))),
    ].filter((value) => value.length >= 16);
    const { advSecretKey } = JSON.parse(readFileSync(join(folder, 'creds.json'), 'utf8')) as { advSecretKey: string };
    material.push(advSecretKey);
    expect(material.length).toBeGreaterThan(5);
    const logs = server.output();
    expect(material.filter((value) => logs.includes(value))).toEqual([]);
  });

  it('stores API keys only as SHA-256 hashes: no table holds a key itself', async () => {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const stored = await client.query<{ key_hash: string; prefix: string }>('SELECT key_hash, prefix FROM api_keys ORDER BY created_at');
      const hashOf = (key: string) => createHash('sha256').update(key).digest('hex');
      expect(stored.rows.map((row) => row.key_hash)).toEqual(expect.arrayContaining([hashOf(shop.key), hashOf(secondKey)]));
      const tables = await client.query<{ tablename: string }>("SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
      for (const { tablename } of tables.rows) {
        const rows = await client.query<{ row: string }>(`SELECT t::text AS row FROM "${tablename}" t`);
        const dump = rows.rows.map((row) => row.row).join('\n');
        for (const key of [shop.key, secondKey, SECRETS.ADMIN_API_KEY]) {
          expect(dump.includes(key.slice(12)), `a key is stored in ${tablename}`).toBe(false);
        }
      }
    } finally {
      await client.end();
    }
  });

  it('keeps the session folder, its files and its encrypted backups readable by the server user only (0700 / 0600)', () => {
    const sessionsRoot = join(dataDir, 'sessions');
    expect(modeOf(sessionsRoot)).toBe('700');
    const [session] = readdirSync(sessionsRoot);
    const entries = walk(join(sessionsRoot, session));
    const backups = entries.filter((path) => path.includes(`${join(session, 'backups')}/`));
    expect(backups.length, 'a backup was written after the connection').toBeGreaterThan(0);
    expect(entries.some((path) => path.endsWith('creds.json'))).toBe(true);
    const wrongModes = [join(sessionsRoot, session), ...entries]
      .map((path) => ({ path: path.slice(sessionsRoot.length), mode: modeOf(path), folder: statSync(path).isDirectory() }))
      .filter(({ mode, folder }) => mode !== (folder ? '700' : '600'));
    expect(wrongModes).toEqual([]);
  });
});
