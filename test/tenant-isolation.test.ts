import { eq, sql } from 'drizzle-orm';
import type { OpenAPIObject } from '@nestjs/swagger';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/database/database.js';
import { migrate } from '../src/database/migrator.js';
import { PgliteDatabase } from '../src/database/pglite-database.js';
import { PostgresDatabase } from '../src/database/postgres-database.js';
import { apiKeys, organizations, whatsappInstances } from '../src/database/schema.js';
import { request, startTestApp, type TestApp } from './support/app.js';
import { expectErrorShape } from './support/errors.js';
import { exampleOf, fetchOpenApiDocument, fillPath, operationsOf, resolveSchema } from './support/openapi.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { waitFor } from './support/processes.js';
import { pathParameterOwner, PATH_PARAMETER_OWNERS, REFERENCE_FIELDS, referenceFieldsOf, type SeededShop, seedOneOfEach } from './support/seeded-shop.js';
import { createChattingShop, type TestShop } from './support/shop.js';

/** Drizzle wraps the driver error; the cause carries PostgreSQL's own code and message. */
function isPolicyViolation(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code === '42501' && /row-level security/.test(cause.message ?? '');
}

interface Engine {
  name: string;
  open(): Promise<{ database: Database; dispose(): Promise<void> }>;
}

const engines: Engine[] = [
  {
    name: 'PostgreSQL',
    async open() {
      const testDatabase: TestDatabase = await createTestDatabase('tenant');
      const database = PostgresDatabase.connect(testDatabase.url, 4);
      return {
        database,
        dispose: async () => {
          await database.close();
          await testDatabase.drop();
        },
      };
    },
  },
  {
    name: 'PGlite',
    async open() {
      const database = await PgliteDatabase.open('memory://');
      return { database, dispose: () => database.close() };
    },
  },
];

describe.each(engines)('row-level security on $name', (engine) => {
  let database: Database;
  let dispose: () => Promise<void>;
  let orgA: string;
  let orgB: string;

  beforeAll(async () => {
    ({ database, dispose } = await engine.open());
    await migrate(database);
    const [a, b] = await database.systemDb
      .insert(organizations)
      .values([{ name: 'Shop A' }, { name: 'Shop B' }])
      .returning();
    orgA = a.id;
    orgB = b.id;
    await database.systemDb.insert(whatsappInstances).values([
      { organizationId: orgA, name: 'a-main' },
      { organizationId: orgA, name: 'a-second' },
      { organizationId: orgB, name: 'b-main' },
    ]);
    await database.systemDb.insert(apiKeys).values([
      { organizationId: orgA, name: 'a', prefix: 'oxy_a', keyHash: 'hash-a' },
      { organizationId: orgB, name: 'b', prefix: 'oxy_b', keyHash: 'hash-b' },
    ]);
  });

  afterAll(async () => {
    await dispose?.();
  });

  it('reads only its own rows from a query with no WHERE on the organization', async () => {
    const instances = await database.withTenant(orgA, (tx) => tx.select().from(whatsappInstances));
    expect(instances.map((row) => row.name).sort()).toEqual(['a-main', 'a-second']);
    const keys = await database.withTenant(orgB, (tx) => tx.select().from(apiKeys));
    expect(keys.map((row) => row.name)).toEqual(['b']);
    const visibleOrganizations = await database.withTenant(orgA, (tx) => tx.select().from(organizations));
    expect(visibleOrganizations.map((row) => row.id)).toEqual([orgA]);
  });

  it('cannot read another organization even when asking for it by id', async () => {
    const rows = await database.withTenant(orgA, (tx) =>
      tx.select().from(whatsappInstances).where(eq(whatsappInstances.organizationId, orgB)),
    );
    expect(rows).toEqual([]);
  });

  it('an UPDATE without WHERE changes only its own rows', async () => {
    const updated = await database.withTenant(orgA, (tx) =>
      tx.update(whatsappInstances).set({ status: 'failed' }).returning(),
    );
    expect(updated).toHaveLength(2);
    const [bInstance] = await database.systemDb
      .select()
      .from(whatsappInstances)
      .where(eq(whatsappInstances.organizationId, orgB));
    expect(bInstance.status).toBe('created');
  });

  it('a DELETE without WHERE removes only its own rows', async () => {
    await database.withTenant(orgB, (tx) => tx.delete(apiKeys));
    const remaining = await database.systemDb.select().from(apiKeys);
    expect(remaining.map((row) => row.name)).toEqual(['a']);
    await database.systemDb.insert(apiKeys).values({ organizationId: orgB, name: 'b', prefix: 'oxy_b', keyHash: 'hash-b' });
  });

  it("cannot write a row into another organization", async () => {
    await expect(
      database.withTenant(orgA, (tx) => tx.insert(whatsappInstances).values({ organizationId: orgB, name: 'intruder' })),
    ).rejects.toSatisfy(isPolicyViolation);
    await expect(
      database.withTenant(orgA, (tx) =>
        tx.update(whatsappInstances).set({ organizationId: orgB }).where(eq(whatsappInstances.name, 'a-main')),
      ),
    ).rejects.toSatisfy(isPolicyViolation);
    const intruders = await database.systemDb.select().from(whatsappInstances).where(eq(whatsappInstances.name, 'intruder'));
    expect(intruders).toEqual([]);
  });

  it('runs tenant work as the non-superuser role, which cannot switch itself off', async () => {
    const [who] = await database.withTenant(orgA, async (tx) => {
      const result = await tx.execute(sql`SELECT current_user AS role, current_setting('app.organization_id') AS org`);
      return (result as unknown as { rows: { role: string; org: string }[] }).rows;
    });
    expect(who).toEqual({ role: 'oxy_tenant', org: orgA });
    await expect(database.withTenant(orgA, (tx) => tx.execute(sql`ALTER TABLE api_keys DISABLE ROW LEVEL SECURITY`))).rejects.toThrow();
  });

  it('leaves nothing behind on the connection after a tenant transaction', async () => {
    await database.withTenant(orgA, (tx) => tx.select().from(apiKeys));
    const [row] = await database.systemDb.select({ count: sql<number>`count(*)::int` }).from(apiKeys);
    expect(row.count).toBe(2);
  });

  it('rolls back everything the transaction did when the work fails', async () => {
    await expect(
      database.withTenant(orgA, async (tx) => {
        await tx.insert(whatsappInstances).values({ organizationId: orgA, name: 'rolled-back' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const rows = await database.systemDb.select().from(whatsappInstances).where(eq(whatsappInstances.name, 'rolled-back'));
    expect(rows).toEqual([]);
  });

  it('refuses an organization id that is not a UUID', async () => {
    await expect(database.withTenant("x'; DROP TABLE api_keys; --", async () => 1)).rejects.toThrow(/not an organization id/);
  });

  it('applies migrations once: a second run has nothing to do', async () => {
    expect(await migrate(database)).toEqual({ applied: [] });
  });
});

/**
 * Routes that take no id of anything: they act on the caller's own organization
 * (create, settings) or are not tenant routes. They cannot reach A's data; a GET
 * among them is still called and its answer searched for A's ids.
 */
/** Cross-tenant by nature, for the operator (ADMIN_API_KEY, METRICS_TOKEN): an organization's key is refused. */
const OPERATOR_ROUTES = ['POST /api/admin/organizations', 'GET /metrics'];

const NO_REFERENCE_ROUTES = new Set([
  'POST /api/whatsapp/instances',
  'POST /api/api-keys',
  'POST /api/services',
  'POST /api/resources',
  'POST /api/contacts',
  'GET /api/organizations/me',
  'PATCH /api/organizations/me',
  'POST /api/whatsapp/health-check',
  ...OPERATOR_ROUTES,
]);

describe('tenant isolation over HTTP and Socket.IO: every documented route, generated from the OpenAPI document', () => {
  const ADMIN_KEY = 'admin-key-for-isolation-matrix-0123456789';
  let testDatabase: TestDatabase;
  let server: TestApp;
  let document: OpenAPIObject;
  let a: SeededShop;
  let b: TestShop;
  let sockets: Socket[] = [];
  const eventsOfA: unknown[] = [];
  const eventsOfB: unknown[] = [];
  const api = (method: string, path: string, token: string, body?: unknown) => request(server.baseUrl, method, path, { token, body });
  const idsOfA = () => [
    a.organizationId, a.instanceId, a.services.banho, a.services.tosa, a.resourceId, a.contactId,
    a.petId, a.bookingId, a.apiKeyId, a.conversationId, a.customerPhone, a.campaignId,
  ];
  const listen = async (token: string, events: unknown[]) => {
    const socket = io(server.baseUrl, { auth: { token }, transports: ['websocket'] });
    sockets.push(socket);
    socket.onAny((name: string, payload: unknown) => events.push({ name, payload }));
    await new Promise<void>((resolve, reject) => {
      socket.on('connect', () => resolve());
      socket.on('connect_error', reject);
    });
  };

  beforeAll(async () => {
    testDatabase = await createTestDatabase('isolation_matrix');
    server = await startTestApp({ DATABASE_URL: testDatabase.url, ADMIN_API_KEY: ADMIN_KEY, OUTBOUND_MIN_GAP_MS: '0', OUTBOUND_JITTER_MS: '0' });
    document = await fetchOpenApiDocument(server.baseUrl);
    const [shopA, shopB] = await Promise.all([
      createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Loja A' }),
      createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Loja B' }),
    ]);
    b = shopB;
    await listen(shopA.key, eventsOfA);
    await listen(shopB.key, eventsOfB);

    // One of each of A's resources (a customer's message too: a conversation and realtime events of A).
    a = await seedOneOfEach(server.baseUrl, shopA, '5511944440001');
    await waitFor(() => eventsOfA.some((event) => (event as { name: string }).name === 'message:sent'), 5000);
  }, 60_000);

  afterAll(async () => {
    for (const socket of sockets) socket.close();
    sockets = [];
    await server?.close();
    await testDatabase?.drop();
  });

  it('knows how to reach A for every documented path parameter and reference field', () => {
    const operations = operationsOf(document);
    const unfillablePaths = operations
      .filter((operation) => operation.path.includes('{'))
      .map((operation) => pathParameterOwner(operation.path))
      .filter((owner) => PATH_PARAMETER_OWNERS[owner] === undefined || (owner.match(/\{/g) ?? []).length > 1);
    expect([...new Set(unfillablePaths)], 'path parameters without an entry in PATH_PARAMETER_OWNERS').toEqual([]);
    const unknownFields = operations.flatMap((operation) => referenceFieldsOf(document, operation)).filter((name) => REFERENCE_FIELDS[name] === undefined);
    expect([...new Set(unknownFields)], 'reference fields without an entry in REFERENCE_FIELDS').toEqual([]);
    const unclassified = operations.filter(
      (operation) =>
        operation.authenticated &&
        !operation.path.includes('{') &&
        !operation.isList &&
        referenceFieldsOf(document, operation).length === 0 &&
        !NO_REFERENCE_ROUTES.has(operation.label),
    );
    expect(unclassified.map((operation) => operation.label), 'routes that name nothing of A and are not known to be own-organization only').toEqual([]);
  });

  it("answers B 404 (or an empty list) on every route that names A's resources, and B sees nothing of A's anywhere", async () => {
    // A's records as A sees them before B's attempts, to compare afterwards.
    const recordsOfA = [
      `/api/pets/${a.petId}`,
      `/api/services/${a.services.banho}`,
      `/api/resources/${a.resourceId}`,
      `/api/contacts/${a.contactId}`,
      `/api/conversations/${a.conversationId}`,
    ];
    const before = new Map<string, unknown>();
    for (const path of recordsOfA) {
      const response = await api('GET', path, a.key);
      expect(response.status, path).toBe(200);
      before.set(path, response.body);
    }
    const checked: { route: string; probe: string; status: number }[] = [];
    // An id B itself sent may come back ("Pet <id> was not found"); anything else of A's must not.
    const mentionsOfA = (answer: unknown, asked: string) => idsOfA().filter((id) => !asked.includes(id) && JSON.stringify(answer).includes(id));
    for (const operation of operationsOf(document).filter((candidate) => !candidate.authenticated)) {
      // Public probes (health) answer anyone: they must not carry any organization's data.
      const response = await request(server.baseUrl, operation.method, operation.path);
      expect(mentionsOfA(response.body, ''), `${operation.label} shows something of A's`).toEqual([]);
      checked.push({ route: operation.label, probe: "public: none of A's in the answer", status: response.status });
    }
    for (const operation of operationsOf(document).filter((candidate) => candidate.authenticated)) {
      const references = referenceFieldsOf(document, operation);
      const byId = operation.path.includes('{');
      if (!byId && references.length === 0 && !operation.isList && operation.method !== 'GET') continue;
      if (OPERATOR_ROUTES.includes(operation.label)) {
        const refused = await api(operation.method, operation.path, b.key, operation.method === 'GET' ? undefined : {});
        expect([401, 403], `${operation.label} with an organization's key: ${JSON.stringify(refused.body)}`).toContain(refused.status);
        checked.push({ route: operation.label, probe: "operator only: an organization's key is refused", status: refused.status });
        continue;
      }
      const path = byId ? fillPath(operation.path, { id: PATH_PARAMETER_OWNERS[pathParameterOwner(operation.path)](a) }) : operation.path;
      const query = new URLSearchParams();
      for (const parameter of operation.parameters.filter((candidate) => candidate.in === 'query')) {
        if (REFERENCE_FIELDS[parameter.name] !== undefined) query.set(parameter.name, REFERENCE_FIELDS[parameter.name](a));
        else if (parameter.required) query.set(parameter.name, String(exampleOf(document, parameter.schema)));
        else if (parameter.name === 'limit') query.set('limit', '200');
      }
      let body: Record<string, unknown> | undefined;
      if (operation.body !== null) {
        // Every documented field with its example (a valid body), references pointing at A.
        const schema = resolveSchema(document, operation.body);
        body = Object.fromEntries(
          Object.entries(schema.properties ?? {}).map(([name, property]) => [name, REFERENCE_FIELDS[name]?.(a) ?? exampleOf(document, property)]),
        );
      }
      const url = query.size > 0 ? `${path}?${query}` : path;
      const response = await api(operation.method, url, b.key, body);
      const refusesA = byId || (references.length > 0 && !operation.isList);
      if (refusesA) {
        expect(response.status, `${operation.label} as ${url} ${JSON.stringify(body)}: ${JSON.stringify(response.body)}`).toBe(404);
        expectErrorShape(response.body, 404);
      } else {
        expect(response.status, `${operation.label}: ${JSON.stringify(response.body)}`).toBe(200);
        if (references.length > 0) {
          expect(response.body.data, `${operation.label} filtered by A's ids`).toEqual([]);
          const unfiltered = await api(operation.method, `${operation.path}?limit=200`, b.key);
          expect(unfiltered.status, operation.label).toBe(200);
          expect(mentionsOfA(unfiltered.body, ''), `${operation.label} lists something of A's`).toEqual([]);
        }
      }
      expect(mentionsOfA(response.body, url + JSON.stringify(body ?? {})), `${operation.label} shows B something of A's`).toEqual([]);
      checked.push({ route: operation.label, probe: refusesA ? "A's id -> 404" : references.length > 0 ? "filtered by A's ids -> empty; unfiltered: none of A's" : "none of A's in the answer", status: response.status });
    }
    console.log(`tenant isolation matrix: ${checked.length} routes checked (B's key on A's resources; public routes without a key)\n${checked.map((entry) => `  ${entry.status} ${entry.route.padEnd(48)} ${entry.probe}`).join('\n')}`);
    expect(checked.length).toBeGreaterThan(40);

    // B's attempts changed nothing of A's.
    expect((await api('GET', `/api/bookings/${a.bookingId}`, a.key)).body.status).toBe('scheduled');
    expect((await api('GET', `/api/whatsapp/instances/${a.instanceId}/status`, a.key)).body.status).toBe('connected');
    for (const path of recordsOfA) {
      const after = await api('GET', path, a.key);
      expect(after.status, path).toBe(200);
      expect(after.body, path).toEqual(before.get(path));
    }
    expect((await api('GET', '/api/organizations/me', a.extraKey)).status).toBe(200);
  });

  it("delivers none of A's realtime events to B's sockets", () => {
    expect(eventsOfA.map((event) => (event as { name: string }).name)).toEqual(expect.arrayContaining(['message:received', 'message:sent']));
    expect(eventsOfB.filter((event) => idsOfA().some((id) => JSON.stringify(event).includes(id)))).toEqual([]);
  });
});
