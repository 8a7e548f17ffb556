import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../src/database/postgres-database.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';

/** How many statements this session has prepared under a name (PostgreSQL keeps them per connection). */
const NAMED_IN_SESSION = 'SELECT count(*)::int AS named FROM pg_prepared_statements WHERE from_sql = false';

describe('prepared statements (DATABASE_PREPARED_STATEMENTS)', () => {
  let testDatabase: TestDatabase;
  beforeAll(async () => {
    testDatabase = await createTestDatabase('prepared');
  });
  afterAll(async () => {
    await testDatabase?.drop();
  });

  it('on: a hot statement is prepared once per connection under its name and reused', async () => {
    const database = PostgresDatabase.connect(testDatabase.url, 1, { preparedStatements: true });
    try {
      for (let call = 0; call < 3; call += 1) {
        expect(await database.systemPrepared('probe_add', 'SELECT $1::int + 1 AS sum', [call])).toEqual([{ sum: call + 1 }]);
      }
      expect(database.statementName('probe_add')).toBe('probe_add');
      expect(await database.systemPrepared('probe_count', NAMED_IN_SESSION, [])).toEqual([{ named: 2 }]);
    } finally {
      await database.close();
    }
  });

  it('off (behind a transaction-mode pooler): nothing is left prepared on the connection', async () => {
    const database = PostgresDatabase.connect(testDatabase.url, 1, { preparedStatements: false });
    try {
      for (let call = 0; call < 3; call += 1) {
        expect(await database.systemPrepared('probe_add', 'SELECT $1::int + 1 AS sum', [call])).toEqual([{ sum: call + 1 }]);
      }
      expect(database.statementName('probe_add')).toBe('');
      expect(await database.systemPrepared('probe_count', NAMED_IN_SESSION, [])).toEqual([{ named: 0 }]);
    } finally {
      await database.close();
    }
  });
});
