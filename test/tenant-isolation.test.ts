import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/database/database.js';
import { migrate } from '../src/database/migrator.js';
import { PgliteDatabase } from '../src/database/pglite-database.js';
import { PostgresDatabase } from '../src/database/postgres-database.js';
import { apiKeys, organizations, whatsappInstances } from '../src/database/schema.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

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
