import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/database/database.js';
import { preparedQuery } from '../src/database/prepared-query.js';
import type { PostgresDatabase } from '../src/database/postgres-database.js';
import { organizations, whatsappInstances } from '../src/database/schema.js';
import { type MigratedDatabase, openMigratedDatabase } from './support/postgres.js';

interface PreparedStatementRow {
  name: string;
  statement: string;
  generic_plans: number;
  custom_plans: number;
}

/**
 * The pool names every parameterized statement, so a connection parses it once
 * and PostgreSQL may keep one plan for it. One connection here, so every
 * statement below shares it: the owner and two tenants run the same text, past
 * the five runs after which PostgreSQL tries a generic plan, and each still
 * sees only its own rows.
 */
describe('named statements on one shared connection', () => {
  let opened: MigratedDatabase;
  let database: PostgresDatabase;
  let orgA: string;
  let orgB: string;

  beforeAll(async () => {
    opened = await openMigratedDatabase('prepared', 1);
    ({ database } = opened);
    [{ id: orgA }, { id: orgB }] = await database.systemDb.insert(organizations).values([{ name: 'Shop A' }, { name: 'Shop B' }]).returning();
    await database.systemDb.insert(whatsappInstances).values([
      { organizationId: orgA, name: 'a-main' },
      { organizationId: orgA, name: 'a-second' },
      { organizationId: orgB, name: 'b-main' },
    ]);
  });

  afterAll(async () => {
    await opened?.close();
  });

  const preparedStatements = async () => {
    const result = await database.systemDb.execute(sql`SELECT name, statement, generic_plans::int, custom_plans::int FROM pg_prepared_statements`);
    return (result as unknown as { rows: PreparedStatementRow[] }).rows;
  };

  it('parses a parameterized statement once and runs it by name afterwards', async () => {
    for (let run = 0; run < 8; run++) {
      const [row] = await database.systemDb.select({ name: organizations.name }).from(organizations).where(eq(organizations.id, orgA));
      expect(row.name).toBe('Shop A');
    }
    const statements = await preparedStatements();
    const byOrganizationId = statements.filter((statement) => /from "organizations" where "organizations"\."id" = \$1/.test(statement.statement));
    expect(byOrganizationId).toHaveLength(1);
    expect(byOrganizationId[0].name).toMatch(/^oxy_stmt_\d+$/);
    expect(byOrganizationId[0].generic_plans + byOrganizationId[0].custom_plans).toBe(8);
  });

  it('keeps each tenant to its own rows when the owner and two tenants run the same statement in turn', async () => {
    const instanceNames = (rows: { name: string }[]) => rows.map((row) => row.name).sort();
    // A limit makes the statement parameterized (named); no WHERE on the organization: row-level security alone filters.
    const everyInstance = (db: typeof database.systemDb) => db.select({ name: whatsappInstances.name }).from(whatsappInstances).limit(100);
    for (let round = 0; round < 8; round++) {
      expect(instanceNames(await database.withTenant(orgA, everyInstance))).toEqual(['a-main', 'a-second']);
      expect(instanceNames(await database.withTenant(orgB, everyInstance))).toEqual(['b-main']);
      expect(instanceNames(await everyInstance(database.systemDb))).toEqual(['a-main', 'a-second', 'b-main']);
    }
    const statements = await preparedStatements();
    expect(statements.filter((statement) => statement.statement.includes('from "whatsapp_instances" limit $1'))).toHaveLength(1);
  });

  it('runs a query Drizzle built once with the values of each run, parsed once and still confined to each tenant', async () => {
    const instancesLike = (db: Db) =>
      db
        .select({ name: whatsappInstances.name })
        .from(whatsappInstances)
        .where(sql`${whatsappInstances.name} LIKE ${sql.placeholder('pattern')}`)
        .orderBy(whatsappInstances.name);
    const run = (db: Db, pattern: string) => preparedQuery(db, 'test_instances_like', instancesLike).execute({ pattern });
    for (let round = 0; round < 8; round++) {
      expect(await database.withTenant(orgA, (tx) => run(tx, '%main'))).toEqual([{ name: 'a-main' }]);
      expect(await database.withTenant(orgA, (tx) => run(tx, '%'))).toEqual([{ name: 'a-main' }, { name: 'a-second' }]);
      expect(await database.withTenant(orgB, (tx) => run(tx, '%'))).toEqual([{ name: 'b-main' }]);
      expect(await run(database.systemDb, '%main')).toEqual([{ name: 'a-main' }, { name: 'b-main' }]);
    }
    const [statement] = (await preparedStatements()).filter((row) => row.name === 'test_instances_like');
    expect(statement.generic_plans + statement.custom_plans).toBe(32);
  });

  it('refuses a second builder under a name already used: one name is one statement', () => {
    const byName = (db: Db) => db.select({ id: organizations.id }).from(organizations).where(eq(organizations.name, sql.placeholder('name')));
    const byId = (db: Db) => db.select({ id: organizations.id }).from(organizations).where(eq(organizations.id, sql.placeholder('name')));
    preparedQuery(database.systemDb, 'test_organization_lookup', byName);
    expect(() => preparedQuery(database.systemDb, 'test_organization_lookup', byId)).toThrow(/already built by another builder/);
  });
});
