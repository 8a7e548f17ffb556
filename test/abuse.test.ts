import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_URL, request, startTestApp, type TestApp } from './support/app.js';
import { expectErrorShape } from './support/errors.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

const ADMIN_KEY = 'admin-key-for-abuse-tests-0123456789';
const KEY_LIMIT = 5;
const IP_LIMIT = 12;
const DASHBOARD = 'https://dash.example.com';

describe('abuse: rate limits, security headers, CORS, body size', () => {
  let testDatabase: TestDatabase;
  let server: TestApp;
  let ipCounter = 0;
  /** Each test comes from its own address (TRUST_PROXY_HOPS=1 reads X-Forwarded-For), so budgets do not mix. */
  const newAddress = () => `203.0.113.${(ipCounter += 1)}`;
  const from = (address: string, headers: Record<string, string> = {}) => ({ 'x-forwarded-for': address, ...headers });

  const createKey = async (): Promise<string> => {
    const created = await request(server.baseUrl, 'POST', '/api/admin/organizations', {
      token: ADMIN_KEY,
      body: { name: 'Pet Shop Abuso' },
      headers: from(newAddress()),
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return created.body.apiKey.key as string;
  };

  beforeAll(async () => {
    testDatabase = await createTestDatabase('abuse');
    server = await startTestApp({
      DATABASE_URL: testDatabase.url,
      ADMIN_API_KEY: ADMIN_KEY,
      APP_ROLE: 'api',
      RATE_LIMIT_PER_KEY_PER_MINUTE: String(KEY_LIMIT),
      RATE_LIMIT_PER_IP_PER_MINUTE: String(IP_LIMIT),
      TRUST_PROXY_HOPS: '1',
      CORS_ORIGINS: `${DASHBOARD},http://localhost:5173`,
      HTTP_BODY_LIMIT: '2kb',
    });
  });

  afterAll(async () => {
    await server?.close();
    await testDatabase?.drop();
  });

  it('limits each API key per minute: 429 in the JSON error shape with Retry-After, other keys unaffected', async () => {
    const [keyA, keyB] = [await createKey(), await createKey()];
    const address = newAddress();
    const statuses: number[] = [];
    for (let index = 0; index < KEY_LIMIT + 1; index += 1) {
      const response = await request(server.baseUrl, 'GET', '/api/organizations/me', { token: keyA, headers: from(address) });
      statuses.push(response.status);
      if (response.status === 429) {
        expectErrorShape(response.body, 429);
        expect(response.body.code).toBe('rate_limited');
        expect(response.body.message).toMatch(/at most 5 a minute/);
        const retryAfter = Number(response.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(1);
        expect(retryAfter).toBeLessThanOrEqual(60);
      }
    }
    expect(statuses).toEqual([...Array(KEY_LIMIT).fill(200), 429]);
    // Same address, another key: its own budget.
    expect((await request(server.baseUrl, 'GET', '/api/organizations/me', { token: keyB, headers: from(address) })).status).toBe(200);
    // The limit follows the key to another address.
    expect((await request(server.baseUrl, 'GET', '/api/organizations/me', { token: keyA, headers: from(newAddress()) })).status).toBe(429);

    // Counted in Redis (shared by every process), under a digest: the raw key is in no Redis key.
    const redis = new Redis(REDIS_URL);
    try {
      const keys = await redis.keys(`${server.config.redisPrefix}:throttle:*`);
      const digestA = createHash('sha256').update(keyA).digest('hex').slice(0, 32);
      expect(keys).toContain(`${server.config.redisPrefix}:throttle:key:${digestA}:hits`);
      expect(keys.some((key) => key.includes(keyA) || key.includes(keyA.slice(4)))).toBe(false);
    } finally {
      redis.disconnect();
    }
  });

  it('limits each client IP, with or without credentials, before authentication', async () => {
    const address = newAddress();
    const statuses: number[] = [];
    for (let index = 0; index < IP_LIMIT + 2; index += 1) {
      // A different made-up key each time: rotating keys does not escape the address's budget.
      const response = await request(server.baseUrl, 'GET', '/api/contacts', { token: `oxy_guess${index}`, headers: from(address) });
      statuses.push(response.status);
    }
    expect(statuses.slice(0, IP_LIMIT)).toEqual(Array(IP_LIMIT).fill(401));
    expect(statuses.slice(IP_LIMIT)).toEqual([429, 429]);
    const anonymous = await request(server.baseUrl, 'GET', '/api/contacts', { headers: from(address) });
    expect(anonymous.status).toBe(429);
    expect(anonymous.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await request(server.baseUrl, 'GET', '/api/contacts', { headers: from(newAddress()) })).status).toBe(401);
  });

  it('never limits the health endpoints', async () => {
    const address = newAddress();
    const responses = await Promise.all(
      Array.from({ length: IP_LIMIT * 2 }, () => request(server.baseUrl, 'GET', '/health/redis', { headers: from(address) })),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(IP_LIMIT * 2).fill(200));
  });

  it('sends security headers on API responses and errors', async () => {
    for (const path of ['/health', '/api/organizations/me']) {
      const { headers } = await request(server.baseUrl, 'GET', path, { headers: from(newAddress()) });
      expect(headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(headers.get('strict-transport-security'), path).toMatch(/max-age=\d+/);
      expect(headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(headers.get('content-security-policy'), path).toContain("default-src 'self'");
      expect(headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(headers.get('x-powered-by'), path).toBeNull();
    }
  });

  it('serves the API docs under that Content-Security-Policy: every script and stylesheet is a same-origin file that loads', async () => {
    const page = await fetch(`${server.baseUrl}/docs`, { headers: from(newAddress()) });
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    const html = await page.text();
    // An inline <script> with a body would be refused by script-src 'self'.
    const inlineScripts = [...html.matchAll(/<script(?![^>]*\bsrc=)[^>]*>([\s\S]*?)<\/script>/g)].filter((match) => match[1].trim() !== '');
    expect(inlineScripts).toEqual([]);
    const assets = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*\bhref)="([^"]+)"/g)].map((match) => match[1]);
    expect(assets.some((asset) => asset.endsWith('swagger-ui-bundle.js'))).toBe(true);
    expect(assets.some((asset) => asset.endsWith('swagger-ui-init.js'))).toBe(true);
    for (const asset of assets) {
      const url = new URL(asset, `${server.baseUrl}/docs`);
      expect(url.origin, asset).toBe(server.baseUrl);
      expect((await fetch(url, { headers: from(newAddress()) })).status, asset).toBe(200);
    }
    const document = await request(server.baseUrl, 'GET', '/docs-json', { headers: from(newAddress()) });
    expect(document.status).toBe(200);
    expect(document.body.openapi).toMatch(/^3\./);
  });

  it('answers CORS only for the configured origins, on REST and on Socket.IO', async () => {
    const preflight = (origin: string) =>
      fetch(`${server.baseUrl}/api/contacts`, {
        method: 'OPTIONS',
        headers: from(newAddress(), { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' }),
      });
    const allowed = await preflight(DASHBOARD);
    expect(allowed.status).toBe(204);
    expect(allowed.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
    const refused = await preflight('https://evil.example.com');
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const handshake = (origin: string) => fetch(`${server.baseUrl}/socket.io/?EIO=4&transport=polling`, { headers: { origin } });
    const socketAllowed = await handshake(DASHBOARD);
    expect(socketAllowed.status).toBe(200);
    expect(socketAllowed.headers.get('access-control-allow-origin')).toBe(DASHBOARD);
    expect((await handshake('https://evil.example.com')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('answers a URL past 16 KB with 431 and a JSON body nested past 32 levels with 400, both in the JSON error shape', async () => {
    const longUrl = await request(server.baseUrl, 'GET', `/api/contacts?q=${'x'.repeat(20_000)}`, { headers: from(newAddress()) });
    expect(longUrl.status).toBe(431);
    expectErrorShape(longUrl.body, 431);
    const deep = await request(server.baseUrl, 'POST', '/api/contacts', { rawBody: `${'['.repeat(40)}${']'.repeat(40)}`, headers: from(newAddress()) });
    expect(deep.status, JSON.stringify(deep.body)).toBe(400);
    expectErrorShape(deep.body, 400);
    expect(deep.body.message).toBe('The request body nests deeper than 32 levels');
  });

  it('refuses a body over HTTP_BODY_LIMIT with 413 in the JSON error shape, before reading credentials', async () => {
    const response = await request(server.baseUrl, 'POST', '/api/contacts', {
      rawBody: JSON.stringify({ phone: '+5511987654321', notes: 'x'.repeat(4096) }),
      headers: from(newAddress()),
    });
    expect(response.status).toBe(413);
    expectErrorShape(response.body, 413);
  });
});
