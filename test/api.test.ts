import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE, type Database } from '../src/database/database.js';
import { organizationMembers } from '../src/database/schema.js';
import { request, startTestApp, type TestApp } from './support/app.js';
import { expectErrorShape } from './support/errors.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

const ADMIN_KEY = 'admin-key-for-tests-0123456789';
const JWT_SECRET = 'a-supabase-jwt-secret-of-at-least-32-chars';

describe('HTTP API on PostgreSQL: auth, errors, validation, OpenAPI', () => {
  let testDatabase: TestDatabase;
  let server: TestApp;
  let shopA: { id: string; key: string };
  let shopB: { id: string; key: string };

  const createShop = async (name: string) => {
    const response = await request(server.baseUrl, 'POST', '/api/admin/organizations', {
      token: ADMIN_KEY,
      body: { name, ownerNumbers: ['(11) 98765-4321'] },
    });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    return { id: response.body.organization.id as string, key: response.body.apiKey.key as string, body: response.body };
  };

  beforeAll(async () => {
    testDatabase = await createTestDatabase('api');
    server = await startTestApp({ DATABASE_URL: testDatabase.url, ADMIN_API_KEY: ADMIN_KEY, SUPABASE_JWT_SECRET: JWT_SECRET });
    shopA = await createShop('Banho & Tosa A');
    shopB = await createShop('Clínica B');
  });

  afterAll(async () => {
    await server?.close();
    await testDatabase?.drop();
  });

  it('creates an organization with its first key, shown once, owner numbers in E.164', async () => {
    const { body } = await createShop('Pet Shop C');
    expect(body.organization).toMatchObject({ name: 'Pet Shop C', timezone: 'America/Sao_Paulo', authorizedOwnerNumbers: ['+5511987654321'] });
    expect(body.apiKey.key).toMatch(/^oxy_[\w-]{43}$/);
    expect(body.apiKey.key.startsWith(body.apiKey.prefix)).toBe(true);
    const list = await request(server.baseUrl, 'GET', '/api/api-keys', { token: body.apiKey.key });
    expect(list.status).toBe(200);
    expect(JSON.stringify(list.body)).not.toContain(body.apiKey.key);
  });

  it('answers /api/organizations/me with the organization of the key', async () => {
    const response = await request(server.baseUrl, 'GET', '/api/organizations/me', { token: shopA.key });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ id: shopA.id, name: 'Banho & Tosa A' });
  });

  it('updates shop settings and names each bad settings field', async () => {
    const ok = await request(server.baseUrl, 'PATCH', '/api/organizations/me', {
      token: shopA.key,
      body: { timezone: 'America/Manaus', slotGranularityMin: 15, businessHours: { '2': { open: '09:00', close: '17:00', breaks: [{ start: '12:00', end: '12:30' }] } } },
    });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ timezone: 'America/Manaus', slotGranularityMin: 15, businessHours: { '2': { open: '09:00', close: '17:00' } } });
    const me = await request(server.baseUrl, 'GET', '/api/organizations/me', { token: shopA.key });
    expect(me.body.timezone).toBe('America/Manaus');

    const fieldsOf = async (body: unknown) => {
      const response = await request(server.baseUrl, 'PATCH', '/api/organizations/me', { token: shopA.key, body });
      expect(response.status).toBe(400);
      return (response.body.details as { field: string }[]).map((detail) => detail.field);
    };
    expect(await fieldsOf({ name: null })).toEqual(['name']);
    expect(await fieldsOf({ businessHours: { '1': { open: '25:00', close: '18:00' } } })).toEqual(['businessHours.1.open']);
    expect(await fieldsOf({ businessHours: { '1': { open: '18:00', close: '08:00' } } })).toEqual(['businessHours.1']);
    expect(await fieldsOf({ businessHours: { '1': { open: '08:00', close: '18:00', breaks: [{ start: '19:00', end: '20:00' }] } } })).toEqual([
      'businessHours.1.breaks.0',
    ]);
    expect(await fieldsOf({ businessHours: { '8': { open: '08:00', close: '18:00' } } })).toEqual(['businessHours.8']);
    const unchanged = await request(server.baseUrl, 'GET', '/api/organizations/me', { token: shopA.key });
    expect(unchanged.body.businessHours).toEqual(ok.body.businessHours);
  });

  it('rejects a wrong key, a missing header and a wrong admin key with 401 in the error shape', async () => {
    const wrong = await request(server.baseUrl, 'GET', '/api/organizations/me', { token: 'oxy_not-a-real-key' });
    expect(wrong.status).toBe(401);
    expectErrorShape(wrong.body, 401);
    const missing = await request(server.baseUrl, 'GET', '/api/organizations/me');
    expect(missing.status).toBe(401);
    expect(missing.body.message).toMatch(/Authorization: Bearer/);
    const admin = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: shopA.key, body: { name: 'x' } });
    expect(admin.status).toBe(401);
  });

  it('names the bad field of an invalid body with 400, and refuses unknown fields', async () => {
    const response = await request(server.baseUrl, 'POST', '/api/admin/organizations', {
      token: ADMIN_KEY,
      body: { name: '', timezone: 'Mars/Olympus', ownerNumbers: ['banana'], plan: 'gold' },
    });
    expect(response.status).toBe(400);
    expectErrorShape(response.body, 400);
    const fields = (response.body.details as { field: string }[]).map((detail) => detail.field).sort();
    expect(fields).toEqual(['name', 'ownerNumbers', 'plan', 'timezone']);
    expect(response.body.message).toMatch(/timezone must be an IANA time zone/);
  });

  it('answers a path id that is not a UUID with 400 naming the parameter', async () => {
    for (const [method, path] of [['GET', '/api/contacts/abc'], ['DELETE', '/api/api-keys/abc'], ['GET', '/api/whatsapp/instances/abc/status'], ['GET', '/api/conversations/abc'], ['POST', '/api/conversations/abc/take-over']]) {
      const response = await request(server.baseUrl, method, path, { token: shopA.key });
      expect(response.status, path).toBe(400);
      expectErrorShape(response.body, 400);
      expect(response.body, path).toMatchObject({
        code: 'validation_failed',
        message: 'path parameter id must be a UUID, such as 3f2e1d0c-9b8a-4765-8432-10fedcba9876',
        details: [{ field: 'id', problems: ['path parameter id must be a UUID, such as 3f2e1d0c-9b8a-4765-8432-10fedcba9876'] }],
      });
    }
  });

  it('answers malformed JSON with 400 and a request id, and unknown routes with 404, both in the error shape', async () => {
    const malformed = await request(server.baseUrl, 'POST', '/api/api-keys', { token: shopA.key, rawBody: '{"name": ' });
    expect(malformed.status).toBe(400);
    expectErrorShape(malformed.body, 400);
    expect(malformed.headers.get('x-request-id')).toBe(malformed.body.requestId);
    const unknown = await request(server.baseUrl, 'GET', '/api/nothing-here', { token: shopA.key });
    expect(unknown.status).toBe(404);
    expectErrorShape(unknown.body, 404);
  });

  it('answers a body that is valid JSON but not an object (null, a string, a number, an array) with 400 saying so', async () => {
    for (const rawBody of ['null', '"str"', '42', '[{"name":"x"}]']) {
      const response = await request(server.baseUrl, 'POST', '/api/api-keys', { token: shopA.key, rawBody });
      expect(response.status, rawBody).toBe(400);
      expectErrorShape(response.body, 400);
      expect(response.body, rawBody).toMatchObject({
        code: 'body_not_object',
        message: 'The request body must be a JSON object ({ ... }), not null, a string, a number or an array',
      });
    }
    const withByteOrderMark = await request(server.baseUrl, 'POST', '/api/api-keys', { token: shopA.key, rawBody: '\uFEFF{"name":"bom"}' });
    expect(withByteOrderMark.status).toBe(201);
  });

  it('refuses a body over the size limit with 413, not a crash', async () => {
    const response = await request(server.baseUrl, 'POST', '/api/api-keys', {
      token: shopA.key,
      body: { name: 'x'.repeat(2 * 1024 * 1024) },
    });
    expect(response.status).toBe(413);
    expectErrorShape(response.body, 413);
  });

  it('keeps a caller request id and returns it in x-request-id', async () => {
    const response = await request(server.baseUrl, 'GET', '/api/organizations/me', {
      token: shopA.key,
      headers: { 'x-request-id': 'trace-abc-12345' },
    });
    expect(response.headers.get('x-request-id')).toBe('trace-abc-12345');
  });

  it('stops accepting a key once it is revoked', async () => {
    const created = await request(server.baseUrl, 'POST', '/api/api-keys', { token: shopA.key, body: { name: 'temp' } });
    const revoked = await request(server.baseUrl, 'DELETE', `/api/api-keys/${created.body.id}`, { token: shopA.key });
    expect(revoked.status).toBe(200);
    expect(revoked.body.revokedAt).not.toBeNull();
    const after = await request(server.baseUrl, 'GET', '/api/organizations/me', { token: created.body.key });
    expect(after.status).toBe(401);
  });

  it('paginates the key list', async () => {
    const first = await request(server.baseUrl, 'GET', '/api/api-keys?limit=1', { token: shopA.key });
    expect(first.body.data).toHaveLength(1);
    expect(first.body.page).toEqual({ limit: 1, offset: 0, hasMore: true });
    const bad = await request(server.baseUrl, 'GET', '/api/api-keys?limit=0', { token: shopA.key });
    expect(bad.status).toBe(400);
    expect(bad.body.details[0].field).toBe('limit');
  });

  it('answers a query parameter given more than once with 400 saying so, not with the rules an array breaks', async () => {
    const response = await request(server.baseUrl, 'GET', '/api/api-keys?limit=1&limit=2&offset=0', { token: shopA.key });
    expect(response.status).toBe(400);
    expectErrorShape(response.body, 400);
    expect(response.body).toMatchObject({
      code: 'validation_failed',
      message: 'query parameter limit was given more than once: give it once',
      details: [{ field: 'limit', problems: ['query parameter limit was given more than once: give it once'] }],
    });
    const contacts = await request(server.baseUrl, 'GET', '/api/contacts?q=a&q=b&optedOut=true&optedOut=false', { token: shopA.key });
    expect(contacts.status).toBe(400);
    expect(contacts.body.details.map((detail: { field: string }) => detail.field)).toEqual(['q', 'optedOut']);
  });

  it('resolves a Supabase user JWT to its organization through organization_members', async () => {
    const userId = '2b1f4c3e-9d8a-4f6b-8c7d-1e2f3a4b5c6d';
    const database = server.app.get<Database>(DATABASE);
    await database.systemDb.insert(organizationMembers).values({ organizationId: shopB.id, userId, role: 'owner' });
    const sign = (secret: string, sub = userId) =>
      new SignJWT({ role: 'authenticated' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(sub)
        .setExpirationTime('5m')
        .sign(new TextEncoder().encode(secret));

    const ok = await request(server.baseUrl, 'GET', '/api/organizations/me', { token: await sign(JWT_SECRET) });
    expect(ok.status).toBe(200);
    expect(ok.body.id).toBe(shopB.id);
    const forged = await request(server.baseUrl, 'GET', '/api/organizations/me', { token: await sign('another-secret-of-at-least-32-characters') });
    expect(forged.status).toBe(401);
    const stranger = await request(server.baseUrl, 'GET', '/api/organizations/me', {
      token: await sign(JWT_SECRET, '9b1f4c3e-9d8a-4f6b-8c7d-1e2f3a4b5c6d'),
    });
    expect(stranger.status).toBe(401);
    expect(stranger.body.message).toMatch(/not a member/);
  });

  it('stamps last use of a key through the maintenance queue', async () => {
    const created = await request(server.baseUrl, 'POST', '/api/api-keys', { token: shopA.key, body: { name: 'usage' } });
    await request(server.baseUrl, 'GET', '/api/organizations/me', { token: created.body.key });
    await expect
      .poll(async () => {
        const list = await request(server.baseUrl, 'GET', '/api/api-keys?limit=200', { token: shopA.key });
        return list.body.data.find((key: { id: string }) => key.id === created.body.id)?.lastUsedAt;
      }, { timeout: 10_000 })
      .toBeTruthy();
  });

  it('documents every route with bearer auth and every DTO field with an example', async () => {
    const docs = await request(server.baseUrl, 'GET', '/docs-json');
    expect(docs.status).toBe(200);
    const paths = Object.keys(docs.body.paths);
    expect(paths).toEqual(
      expect.arrayContaining(['/api/admin/organizations', '/api/organizations/me', '/api/api-keys', '/api/api-keys/{id}', '/health', '/health/redis', '/health/supabase', '/health/queues']),
    );
    expect(docs.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    for (const [name, schema] of Object.entries(docs.body.components.schemas as Record<string, { properties?: Record<string, { example?: unknown; $ref?: string; allOf?: unknown; items?: { $ref?: string } }> }>)) {
      for (const [field, property] of Object.entries(schema.properties ?? {})) {
        const documented =
          'example' in property || property.$ref !== undefined || property.allOf !== undefined || property.items?.$ref !== undefined;
        expect(documented, `${name}.${field} has no example`).toBe(true);
      }
    }
    const ui = await fetch(`${server.baseUrl}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger');
  });

  it('documents the QR route as a PNG on 200 and its errors in the JSON error shape', async () => {
    const docs = await request(server.baseUrl, 'GET', '/docs-json');
    const responses = docs.body.paths['/api/whatsapp/instances/{id}/qr'].get.responses;
    expect(responses['200'].content).toEqual({ 'image/png': { schema: { type: 'string', format: 'binary' } } });
    for (const status of ['400', '401', '404']) {
      expect(Object.keys(responses[status].content), status).toEqual(['application/json']);
      expect(responses[status].content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorResponseDto');
    }
  });

  it('documents the 422 invalid_slot that booking and rescheduling answer for a time that can never be booked', async () => {
    const docs = await request(server.baseUrl, 'GET', '/docs-json');
    for (const [path, method] of [['/api/bookings', 'post'], ['/api/bookings/{id}/reschedule', 'post']] as const) {
      const unprocessable = docs.body.paths[path][method].responses['422'];
      expect(unprocessable?.content?.['application/json']?.schema.$ref, path).toBe('#/components/schemas/ErrorResponseDto');
      expect(unprocessable.description, path).toContain('invalid_slot');
    }
  });

  it('documents 429 with Retry-After on every authenticated route, 413 on every route with a body, and the 200 body of sandbox and instance health routes', async () => {
    const docs = await request(server.baseUrl, 'GET', '/docs-json');
    type Responses = Record<string, { content?: Record<string, { schema: { $ref?: string } }>; headers?: Record<string, unknown> }>;
    const operations = Object.entries(docs.body.paths as Record<string, Record<string, { security?: unknown[]; requestBody?: unknown; responses: Responses }>>).flatMap(
      ([path, item]) => Object.entries(item).map(([method, operation]) => ({ label: `${method.toUpperCase()} ${path}`, ...operation })),
    );
    const authenticated = operations.filter((operation) => (operation.security ?? []).length > 0);
    expect(authenticated.length).toBeGreaterThan(50);
    for (const operation of authenticated) {
      const tooMany = operation.responses['429'];
      expect(tooMany?.content?.['application/json']?.schema.$ref, `${operation.label} 429`).toBe('#/components/schemas/ErrorResponseDto');
      expect(tooMany?.headers, `${operation.label} 429`).toHaveProperty('Retry-After');
    }
    const withBody = operations.filter((operation) => operation.requestBody !== undefined);
    expect(withBody.length).toBeGreaterThan(20);
    for (const operation of withBody) {
      expect(operation.responses['413']?.content?.['application/json']?.schema.$ref, `${operation.label} 413`).toBe('#/components/schemas/ErrorResponseDto');
    }
    for (const operation of operations.filter((candidate) => !candidate.security?.length)) {
      expect(operation.responses['429'], `${operation.label} is not rate limited`).toBeUndefined();
    }
    const okSchema = (label: string) => {
      const operation = operations.find((candidate) => candidate.label === label);
      return operation?.responses['200']?.content?.['application/json']?.schema.$ref;
    };
    expect({
      pair: okSchema('POST /api/sandbox/instances/{id}/pair'),
      inbound: okSchema('POST /api/sandbox/instances/{id}/inbound'),
      outbound: okSchema('GET /api/sandbox/instances/{id}/outbound'),
      disconnect: okSchema('POST /api/sandbox/instances/{id}/disconnect'),
      health: okSchema('GET /api/whatsapp/instances/{id}/health'),
    }).toEqual({
      pair: '#/components/schemas/SandboxPairedDto',
      inbound: '#/components/schemas/SandboxInboundAcceptedDto',
      outbound: '#/components/schemas/SandboxOutboundListDto',
      disconnect: '#/components/schemas/SandboxDisconnectedDto',
      health: '#/components/schemas/InstanceHealthDto',
    });
  });
});

describe('admin API without ADMIN_API_KEY', () => {
  it('is disabled with a message that says how to enable it', async () => {
    const server = await startTestApp();
    try {
      const response = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: 'anything', body: { name: 'x' } });
      expect(response.status).toBe(403);
      expect(response.body.message).toMatch(/set ADMIN_API_KEY/);
    } finally {
      await server.close();
    }
  });
});
