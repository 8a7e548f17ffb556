import { describe, expect, it } from 'vitest';
import { StatementNames, withStatementName } from './statement-names.js';

describe('withStatementName', () => {
  const callback = () => undefined;

  it('names a parameterized statement by its text, the same name every time', () => {
    const names = new StatementNames();
    const [first] = withStatementName(names, [{ text: 'SELECT $1::int', rowMode: 'array' }, [1]]);
    const [again] = withStatementName(names, [{ text: 'SELECT $1::int', rowMode: 'array' }, [2]]);
    const [other] = withStatementName(names, ['SELECT $1::text', ['x'], callback]);
    expect(first).toEqual({ text: 'SELECT $1::int', rowMode: 'array', name: 'oxy_stmt_1' });
    expect(again).toEqual(first);
    expect(other).toEqual({ text: 'SELECT $1::text', name: 'oxy_stmt_2' });
  });

  it('takes the values from the config too, and keeps the callback and values where they were', () => {
    const values = [7];
    const call = withStatementName(new StatementNames(), [{ text: 'SELECT $1::int', values }, undefined, callback]);
    expect(call).toEqual([{ text: 'SELECT $1::int', values, name: 'oxy_stmt_1' }, undefined, callback]);
  });

  it('leaves alone a statement without parameters, one already named and a submittable', () => {
    const names = new StatementNames();
    const submittable = { text: 'SELECT $1::int', submit: () => undefined };
    const calls: [unknown, unknown, unknown][] = [
      ['BEGIN; SELECT 1', callback, undefined],
      [{ text: 'SELECT 1' }, [], undefined],
      [{ text: 'SELECT $1::int', name: 'oxy_auth_creds_save' }, [1], callback],
      [submittable, [1], undefined],
    ];
    for (const call of calls) expect(withStatementName(names, call)).toEqual(call);
    expect(names.size).toBe(0);
  });

  it('names statements whose values node-postgres serializes without user code: dates, bytes, arrays of those', () => {
    const names = new StatementNames();
    const values = [new Date(0), Buffer.from('x'), ['a', 1, null, [true]], 10n, undefined];
    expect(withStatementName(names, ['SELECT $1, $2, $3, $4, $5', values])[0]).toEqual({ text: 'SELECT $1, $2, $3, $4, $5', name: 'oxy_stmt_1' });
  });

  it('leaves unnamed what would waste a name or could break it: long IN lists, bulk writes, objects to serialize', () => {
    const names = new StatementNames();
    const inList = `select "id" from "messages" where "messages"."id" in (${Array.from({ length: 9 }, (_, index) => `$${index + 1}`).join(', ')})`;
    const bulk = `insert into t values ${Array.from({ length: 65 }, (_, index) => `($${index + 1})`).join(', ')}`;
    const objectValue = { toJSON: () => { throw new Error('circular'); } };
    for (const [text, values] of [
      [inList, Array.from({ length: 9 }, (_, index) => String(index))],
      [bulk, Array.from({ length: 65 }, (_, index) => index)],
      ['SELECT $1::jsonb', [objectValue]],
      ['SELECT $1::text[]', [[objectValue]]],
    ] as const) {
      expect(withStatementName(names, [text, values])[0]).toBe(text);
    }
    expect(names.size).toBe(0);
    // A short list is mostly a fixed one (statuses): named.
    expect(withStatementName(names, ['update "messages" set "status" = $1 where "status" in ($2, $3)', ['read', 'sent', 'delivered']])[0]).toMatchObject({
      name: 'oxy_stmt_1',
    });
  });

  it('stops naming new texts once full, and keeps naming the ones it has', () => {
    const names = new StatementNames(1);
    expect(withStatementName(names, ['SELECT $1::int', [1]])[0]).toEqual({ text: 'SELECT $1::int', name: 'oxy_stmt_1' });
    expect(withStatementName(names, ['SELECT $1::text', ['x']])[0]).toBe('SELECT $1::text');
    expect(withStatementName(names, ['SELECT $1::int', [2]])[0]).toEqual({ text: 'SELECT $1::int', name: 'oxy_stmt_1' });
  });
});
