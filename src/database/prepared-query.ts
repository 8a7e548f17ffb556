import { type SQL, sql } from 'drizzle-orm';
import type { Db } from './database.js';

/** A Drizzle query builder before it runs: `prepare` turns it into a query that runs with placeholder values. */
interface Preparable<Query> {
  prepare(name: string): Query;
}

/** A query's builder, kept at module level: its identity is what ties a name to one statement. */
export type QueryBuilder<Query> = (db: Db) => Preparable<Query>;

/** The prepared queries of each handle (a pooled connection's, or the owner pool's), by name. */
const preparedByHandle = new WeakMap<Db, Map<string, unknown>>();
/** Each name's builder, across handles: a name is one statement for the whole process. */
const builders = new Map<string, QueryBuilder<unknown>>();

/**
 * A Drizzle query built once per database handle and then run with
 * `execute({ ...placeholders })`. Drizzle otherwise rebuilds a statement's SQL
 * text from its query tree on every run: 45-160 µs of the main thread each for
 * the inbound pipeline's statements, a third of its Node time. Values go in
 * through `sql.placeholder(name)`; the shape of the statement must not depend
 * on them (a list is one `= ANY(array)` placeholder, not an IN list).
 *
 * `name` is also the statement's name on the connection (parsed and planned
 * once there), so it must be unique: one builder per name, checked.
 */
export function preparedQuery<Query>(db: Db, name: string, build: QueryBuilder<Query>): Query {
  const known = builders.get(name);
  if (known === undefined) builders.set(name, build as QueryBuilder<unknown>);
  else if (known !== build) throw new Error(`prepared query ${name} is already built by another builder`);
  let queries = preparedByHandle.get(db);
  if (queries === undefined) preparedByHandle.set(db, (queries = new Map()));
  let query = queries.get(name) as Query | undefined;
  if (query === undefined) queries.set(name, (query = build(db).prepare(name)));
  return query;
}

/**
 * A placeholder where Drizzle's types take only a value or SQL (an update's
 * SET): the same parameter, without the column's encoder. Its value goes to
 * node-postgres as it is: text, numbers, Dates; JSON as a string, cast with ::jsonb.
 */
export function setPlaceholder(name: string): SQL {
  return sql`${sql.placeholder(name)}`;
}
