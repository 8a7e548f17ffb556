import type { OpenAPIObject } from '@nestjs/swagger';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestApp, type TestApp } from './support/app.js';
import { exampleOf, fetchOpenApiDocument, fillPath, type Operation, operationsOf, resolveSchema, type Schema } from './support/openapi.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { pathParameterOwner, PATH_PARAMETER_OWNERS, REFERENCE_FIELDS, type SeededShop, seedOneOfEach } from './support/seeded-shop.js';
import { createChattingShop } from './support/shop.js';

const ADMIN_KEY = 'admin-key-for-hostile-input-0123456789';
/**
 * Random cases per documented route, on top of the fixed ones (oversized, malformed, deeply nested bodies, raw
 * paths). 16 keeps the file near 20 s in CI; HOSTILE_RUNS=200 digs deeper (a new seed every run).
 */
const RUNS_PER_ROUTE = Number(process.env.HOSTILE_RUNS ?? 16);
const BODY_LIMIT_BYTES = 64 * 1024;

/** Strings an attacker (or a broken client) sends. */
const nastyStrings = fc.oneof(
  fc.constantFrom(
    '../../../../etc/passwd',
    '..%2F..%2F..%2Fetc%2Fpasswd',
    '..\\..\\windows\\win.ini',
    "1' OR '1'='1",
    "'; DROP TABLE contacts; --",
    '1; SELECT pg_sleep(10)',
    '\u0000',
    'nul\u0000byte',
    '\uD800',
    '\u202Eevil.exe',
    '🐶'.repeat(300),
    'ç'.repeat(5000),
    ' ',
    '',
    'null',
    'NaN',
    '-1',
    '1e309',
    '1e300',
    '99999999999999999999999',
    '00000000-0000-0000-0000-000000000000',
    '<script>alert(1)</script>',
    '{{7*7}}${7*7}',
    '%s%s%s%n',
    'https://169.254.169.254/latest/meta-data/',
    'file:///etc/passwd',
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.integer({ min: 1_000, max: 60_000 }).map((length) => 'x'.repeat(length)),
);

/** Any JSON value, wrong types included. */
const nastyValues: fc.Arbitrary<unknown> = fc.oneof(
  nastyStrings,
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 2 ** 53 + 1),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  fc.constantFrom({ $gt: '' }, { __proto__: { admin: true } }, [[[[[]]]]]),
);

/** Long strings cut in the middle, so a failure stays readable. */
const shorten = (text: string) => (text.length <= 600 ? text : `${text.slice(0, 400)} ...(${text.length} chars)... ${text.slice(-150)}`);

interface Case {
  path: string;
  query: Record<string, string>;
  body: { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; contentType: string } | null;
  token: string | null;
}

describe('hostile input: every documented route, generated from the OpenAPI document', () => {
  let testDatabase: TestDatabase;
  let server: TestApp;
  let document: OpenAPIObject;
  let shop: SeededShop;
  const casesPerRoute = new Map<string, number>();

  beforeAll(async () => {
    testDatabase = await createTestDatabase('hostile');
    server = await startTestApp({
      DATABASE_URL: testDatabase.url,
      ADMIN_API_KEY: ADMIN_KEY,
      OUTBOUND_MIN_GAP_MS: '0',
      OUTBOUND_JITTER_MS: '0',
      HTTP_BODY_LIMIT: `${BODY_LIMIT_BYTES / 1024}kb`,
      MEDIA_MAX_BYTES: '4096',
      // Baileys instances the fuzzer creates connect here and fail at once, instead of to WhatsApp.
      WHATSAPP_WS_URL: 'ws://127.0.0.1:9',
      // Thousands of requests from one key and one address: the limits are abuse.test.ts's subject.
      RATE_LIMIT_PER_KEY_PER_MINUTE: '0',
      RATE_LIMIT_PER_IP_PER_MINUTE: '0',
    });
    document = await fetchOpenApiDocument(server.baseUrl);
    shop = await seedOneOfEach(server.baseUrl, await createChattingShop(server.baseUrl, ADMIN_KEY), '5511955550101');
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await testDatabase?.drop();
  });

  /** A valid body of the route (its examples, ids of the seeded shop), to be broken one way or another. */
  const validBody = (operation: Operation): Record<string, unknown> => {
    const schema = resolveSchema(document, operation.body as Schema);
    return Object.fromEntries(
      Object.entries(schema.properties ?? {}).map(([name, property]) => {
        if (REFERENCE_FIELDS[name] !== undefined) return [name, REFERENCE_FIELDS[name](shop)];
        // Never a host outside the machine: a refused private address is answered at once.
        if (name === 'url') return [name, 'http://127.0.0.1:9/rex.jpg'];
        return [name, exampleOf(document, property)];
      }),
    );
  };

  const bodyArbitrary = (operation: Operation): fc.Arbitrary<Case['body']> => {
    if (operation.body === null) return fc.constant(null);
    const base = validBody(operation);
    const fields = Object.keys(base);
    const json = (value: unknown) => ({ kind: 'json' as const, value });
    return fc.oneof(
      // One field of the wrong type or value.
      fc.tuple(fc.constantFrom(...fields), nastyValues).map(([field, value]) => json({ ...base, [field]: value })),
      // Several fields broken at once.
      fc.dictionary(fc.constantFrom(...fields), nastyValues, { minKeys: 1 }).map((broken) => json({ ...base, ...broken })),
      // Missing fields.
      fc.subarray(fields).map((kept) => json(Object.fromEntries(kept.map((field) => [field, base[field]])))),
      // Unknown fields.
      fc.tuple(fc.string({ minLength: 1, maxLength: 20 }), nastyValues).map(([field, value]) => json({ ...base, [field]: value })),
      // Not an object at all.
      nastyValues.map(json),
      // Media too big for MEDIA_MAX_BYTES but inside the body limit.
      fc.constant(json({ ...base, base64: Buffer.alloc(8192, 7).toString('base64') })),
      // Not JSON, or another content type.
      fc.constantFrom(
        { kind: 'raw' as const, text: '{"name": "Rex",', contentType: 'application/json' },
        { kind: 'raw' as const, text: '{"__proto__": {"isAdmin": true}, "constructor": {"prototype": {"x": 1}}}', contentType: 'application/json' },
        { kind: 'raw' as const, text: 'name=Rex&name=Max&durationMin[]=1', contentType: 'application/x-www-form-urlencoded' },
        { kind: 'raw' as const, text: '<xml>Rex</xml>', contentType: 'application/xml' },
        { kind: 'raw' as const, text: JSON.stringify(base), contentType: 'application/json; charset=utf-16' },
      ),
    );
  };

  const caseArbitrary = (operation: Operation): fc.Arbitrary<Case> => {
    const pathParameters = operation.parameters.filter((parameter) => parameter.in === 'path');
    const realId = operation.path.includes('{') ? PATH_PARAMETER_OWNERS[pathParameterOwner(operation.path)]?.(shop) : undefined;
    const pathValue = fc.oneof(
      { weight: 2, arbitrary: realId === undefined ? fc.uuid() : fc.constant(realId) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 3, arbitrary: nastyStrings },
    );
    const path = fc
      .tuple(...pathParameters.map(() => pathValue))
      .map((values) => fillPath(operation.path, Object.fromEntries(pathParameters.map((parameter, index) => [parameter.name, String(values[index])]))));
    const queryParameters = operation.parameters.filter((parameter) => parameter.in === 'query');
    const query = fc
      .tuple(
        ...queryParameters.map((parameter) =>
          fc.oneof(
            fc.constant(undefined),
            fc.constant(String(REFERENCE_FIELDS[parameter.name]?.(shop) ?? exampleOf(document, parameter.schema))),
            nastyValues.map((value) => (typeof value === 'string' ? value : JSON.stringify(value) ?? '')),
          ),
        ),
      )
      .map((values) => Object.fromEntries(queryParameters.flatMap((parameter, index) => (values[index] === undefined ? [] : [[parameter.name, values[index]]]))));
    const goodToken = operation.path === '/api/admin/organizations' ? ADMIN_KEY : shop.key;
    const token = fc.oneof({ weight: 8, arbitrary: fc.constant(goodToken) }, { weight: 1, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: nastyStrings });
    return fc.record({ path, query, body: bodyArbitrary(operation), token });
  };

  /** Sends one case; returns what was wrong with the answer, or null. */
  const send = async (operation: Operation, testCase: Case): Promise<string | null> => {
    const search = new URLSearchParams(testCase.query).toString();
    const headers: Record<string, string> = {};
    if (testCase.token !== null) headers.authorization = `Bearer ${testCase.token.replace(/[\r\n\u0000-\u001f\u007f-\uffff]/g, '?')}`;
    let body: string | undefined;
    if (testCase.body?.kind === 'json') {
      body = JSON.stringify(testCase.body.value) ?? 'null';
      headers['content-type'] = 'application/json';
    } else if (testCase.body?.kind === 'raw') {
      body = testCase.body.text;
      headers['content-type'] = testCase.body.contentType;
    }
    casesPerRoute.set(operation.label, (casesPerRoute.get(operation.label) ?? 0) + 1);
    const url = `${server.baseUrl}${testCase.path}${search === '' ? '' : `?${search}`}`;
    const response = await fetch(url, { method: operation.method, headers, body });
    const text = await response.text();
    if (response.status >= 500 && !(operation.path.startsWith('/health') && response.status === 503)) return `answered ${response.status}: ${text.slice(0, 300)}`;
    if (response.status < 400) return null;
    let parsed: Record<string, unknown>;
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return `a ${response.status} that is not JSON: ${text.slice(0, 200)}`;
    }
    const extra = Object.keys(parsed).filter((key) => !['statusCode', 'error', 'message', 'details', 'requestId', 'code'].includes(key));
    const shaped =
      parsed.statusCode === response.status &&
      typeof parsed.error === 'string' &&
      typeof parsed.message === 'string' &&
      typeof parsed.requestId === 'string' &&
      parsed.requestId.length >= 8 &&
      extra.length === 0;
    return shaped ? null : `a ${response.status} not in the error shape: ${text.slice(0, 300)}`;
  };

  it('answers every case with no 5xx, every error in the JSON shape, and stays up', { timeout: 300_000 }, async () => {
    // Routes that remove what others need run last.
    const operations = operationsOf(document).sort((first, second) => Number(first.method === 'DELETE') - Number(second.method === 'DELETE'));
    expect(operations.length).toBeGreaterThan(50);
    const failures: string[] = [];
    for (const operation of operations) {
      // Fixed cases: a body past HTTP_BODY_LIMIT, malformed JSON, nesting deep enough to exhaust a recursive validator.
      if (operation.body !== null) {
        const fixed: Case['body'][] = [
          { kind: 'json', value: { ...validBody(operation), padding: 'x'.repeat(BODY_LIMIT_BYTES + 1) } },
          { kind: 'raw', text: '{'.repeat(50), contentType: 'application/json' },
          { kind: 'raw', text: `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`, contentType: 'application/json' },
        ];
        for (const body of fixed) {
          const problem = await send(operation, { path: fillPath(operation.path, { id: shop.instanceId }), query: {}, body, token: shop.key });
          if (problem !== null) failures.push(shorten(`${operation.label} (fixed case ${body?.kind}): ${problem}`));
        }
      }
      // Fixed cases: raw path parameters no encoder would produce (bad percent-encoding, encoded traversal, NUL).
      if (operation.path.includes('{')) {
        for (const raw of ['%E0%A4%A', '%ED%A0%80', '..%2F..%2F..%2Fetc%2Fpasswd', '%00', '%2e%2e%5c%2e%2e']) {
          const path = operation.path.replace(/\{\w+\}/g, raw);
          const body: Case['body'] = operation.body === null ? null : { kind: 'json', value: validBody(operation) };
          const problem = await send(operation, { path, query: {}, body, token: shop.key });
          if (problem !== null) failures.push(shorten(`${operation.label} (raw path ${raw}): ${problem}`));
        }
      }
      await fc.assert(
        fc.asyncProperty(caseArbitrary(operation), async (testCase) => {
          const problem = await send(operation, testCase);
          if (problem !== null) throw new Error(`${operation.label}: ${problem} <- ${shorten(JSON.stringify(testCase))}`);
        }),
        { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      ).catch((error: Error) => failures.push(shorten((error.cause as Error | undefined)?.message ?? error.message)));
    }
    const total = [...casesPerRoute.values()].reduce((sum, count) => sum + count, 0);
    console.log(
      `hostile input: ${total} cases over ${casesPerRoute.size} routes\n` +
        [...casesPerRoute].map(([route, count]) => `  ${String(count).padStart(4)} ${route}`).join('\n'),
    );
    expect(failures).toEqual([]);
    expect((await request(server.baseUrl, 'GET', '/health')).status).toBe(200);
  });

  // Cases the fuzzer found once at random (a 500 each), kept as fixed regressions.
  it('a NUL character in a text field is a 400 that says so, and nothing is stored', async () => {
    const refused = await request(server.baseUrl, 'POST', '/api/contacts', { token: shop.key, body: { phone: '5511955550199', name: 'Ana\u0000Maria' } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ code: 'invalid_text', message: expect.stringContaining('NUL character') });
    const listed = await request(server.baseUrl, 'GET', '/api/contacts?q=5511955550199', { token: shop.key });
    expect(listed.body.data).toEqual([]);
  });

  it('a campaign without an audience is a 400 naming the field', async () => {
    const refused = await request(server.baseUrl, 'POST', '/api/campaigns', { token: shop.key, body: { objective: 'Clientes sumidos', text: 'Oi! Volte a nos visitar.' } });
    expect(refused.status).toBe(400);
    expect(refused.body.details).toEqual([expect.objectContaining({ field: 'audience' })]);
  });

  it('an array where an object belongs is a 400 naming the field, not a 500 (sandbox media, business hours, a weekday, proactive settings); null sandbox media is none', async () => {
    const inbound = await request(server.baseUrl, 'POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, {
      token: shop.key,
      body: { from: '5511912345678', text: 'Oi', media: [] },
    });
    expect(inbound.status).toBe(400);
    expect(inbound.body.details).toEqual([expect.objectContaining({ field: 'media' })]);
    // null media is none (the fuzzer's 500): without text, a 400 naming it (a text with null media: inbound-pipeline.test.ts).
    const nothing = await request(server.baseUrl, 'POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, {
      token: shop.key,
      body: { from: '5511912345678', media: null },
    });
    expect(nothing.status).toBe(400);
    expect(nothing.body.details).toEqual([expect.objectContaining({ field: 'text' })]);
    for (const [body, field] of [
      [{ businessHours: [] }, 'businessHours'],
      [{ businessHours: { '1': [] } }, 'businessHours.1'],
      [{ proactive: [] }, 'proactive'],
    ] as const) {
      const refused = await request(server.baseUrl, 'PATCH', '/api/organizations/me', { token: shop.key, body });
      expect(refused.status, JSON.stringify(body)).toBe(400);
      expect(refused.body.details).toEqual([expect.objectContaining({ field })]);
    }
  });
});
