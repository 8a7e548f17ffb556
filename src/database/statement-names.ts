import { Logger } from '@nestjs/common';
import pg from 'pg';

/**
 * How many distinct statement texts a process names. The hot ones are a few
 * dozen; one-off reads and writes of other shapes fill the rest, which would
 * otherwise grow each connection's prepared statements without end.
 */
const MAX_NAMED_STATEMENTS = 500;

/** Beyond this many parameters a statement is a bulk write of its own shape (a pre-key upload, a big multi-row insert): not worth a name. */
const MAX_NAMED_PARAMETERS = 64;

/**
 * An IN list of more than eight parameters: a list whose length varies with the
 * data (ids of a batch, keys of a history sync), whose text, and name, would
 * change with every length. Short lists are mostly fixed (statuses) and stay named.
 */
const LONG_PARAMETER_LIST = /\bin \(\$\d+(?:, \$\d+){8,}\)/i;

/**
 * One name per statement text, for the whole process: the same text has the
 * same name on every connection, and a name never stands for two texts (which
 * node-postgres would refuse).
 */
export class StatementNames {
  private readonly logger = new Logger('Database');
  private readonly names = new Map<string, string>();

  constructor(private readonly limit = MAX_NAMED_STATEMENTS) {}

  /**
   * The text's name, given on first sight while there is room; undefined for a
   * long IN list, or once full (the text then runs unnamed). A known text is one
   * map lookup: what the text itself decides is looked at only on first sight.
   */
  nameFor(text: string): string | undefined {
    const known = this.names.get(text);
    if (known !== undefined) return known;
    if (this.names.size >= this.limit || LONG_PARAMETER_LIST.test(text)) return undefined;
    const name = `oxy_stmt_${this.names.size + 1}`;
    this.names.set(text, name);
    if (this.names.size === this.limit) {
      this.logger.warn({ limit: this.limit }, 'statement names used up: statements of new shapes run unnamed (parsed and planned on every run) until a restart');
    }
    return name;
  }

  get size(): number {
    return this.names.size;
  }
}

type QueryArguments = [config: unknown, values?: unknown, callback?: unknown];

interface QueryConfigLike {
  text: string;
  name?: string;
  values?: unknown[];
}

/**
 * Values node-postgres turns into wire format without calling code that could
 * throw (toJSON, toPostgres). When that code throws, node-postgres closes the
 * statement on the server but still counts it as parsed on the connection, so
 * the name would fail there from then on: such calls run unnamed, as before.
 * (Drizzle hands JSON columns over as strings already.)
 */
function serializesSafely(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'bigint':
      return true;
    case 'object':
      return value instanceof Date || ArrayBuffer.isView(value) || (Array.isArray(value) && value.every(serializesSafely));
    default:
      return false;
  }
}

function isQueryConfig(config: unknown): config is QueryConfigLike {
  // A Submittable (a cursor, a stream) carries its own protocol: left alone.
  return typeof config === 'object' && config !== null && typeof (config as QueryConfigLike).text === 'string' && !('submit' in config);
}

/** The same call, with a name for a parameterized statement that has none. */
export function withStatementName(names: StatementNames, [config, values, callback]: QueryArguments): QueryArguments {
  const text = typeof config === 'string' ? config : isQueryConfig(config) && config.name === undefined ? config.text : undefined;
  const params = Array.isArray(values) ? values : isQueryConfig(config) ? config.values : undefined;
  // Without parameters, node-postgres uses the simple protocol (one round trip, several statements allowed): kept.
  if (text === undefined || params === undefined || params.length === 0 || params.length > MAX_NAMED_PARAMETERS) return [config, values, callback];
  if (!params.every(serializesSafely)) return [config, values, callback];
  const name = names.nameFor(text);
  if (name === undefined) return [config, values, callback];
  return [typeof config === 'string' ? { text, name } : { ...(config as QueryConfigLike), name }, values, callback];
}

/**
 * A node-postgres client that names every parameterized statement by its text,
 * so each connection parses it once and PostgreSQL can keep its plan. Drizzle
 * sends unnamed statements, which PostgreSQL parses and plans on every run: for
 * the short statements of a conversation turn that was most of the database's
 * CPU. Plans stay correct across tenants: a plan that depends on row-level
 * security is checked again when the role changes, and the organization is a
 * setting read at run time. Needs a session per connection (a direct connection
 * or a session pooler), which the migrations' advisory lock needs already.
 */
export function namingClient(names: StatementNames): typeof pg.Client {
  return class NamingClient extends pg.Client {
    constructor(config?: string | pg.ClientConfig) {
      super(config);
      const query = this.query.bind(this) as (...args: QueryArguments) => unknown;
      this.query = ((...args: QueryArguments) => query(...withStatementName(names, args))) as pg.Client['query'];
    }
  };
}
