import type { Redis } from 'ioredis';

type ScriptArgument = string | number;
type ScriptCommand = (...args: ScriptArgument[]) => Promise<unknown>;

/** The scripts defined on each client, by name: a name is one script for the client's whole life. */
const definedScripts = new WeakMap<Redis, Map<string, string>>();

/**
 * A Lua script bound to a client, run by its digest (EVALSHA): the body crosses
 * the wire and is hashed by Redis once, not on every call. ioredis sends the
 * body again when Redis answers NOSCRIPT (a restarted or flushed server), so a
 * caller never sees the difference. Key names get the client's keyPrefix, as
 * with EVAL.
 */
export function redisScript<Result>(redis: Redis, name: string, numberOfKeys: number, lua: string) {
  let scripts = definedScripts.get(redis);
  if (scripts === undefined) definedScripts.set(redis, (scripts = new Map<string, string>()));
  const defined = scripts.get(name);
  if (defined === undefined) {
    redis.defineCommand(name, { numberOfKeys, lua });
    scripts.set(name, lua);
  } else if (defined !== lua) {
    throw new Error(`Redis script ${name} is already defined on this client with another body`);
  }
  const command = (redis as unknown as Record<string, ScriptCommand>)[name];
  // A rejection, never a throw: callers chain .catch() on the call (a lock renewal in a timer).
  return async (keys: string[], ...args: ScriptArgument[]): Promise<Result> => {
    if (keys.length !== numberOfKeys) throw new Error(`Redis script ${name} takes ${numberOfKeys} key${numberOfKeys === 1 ? '' : 's'}, got ${keys.length}`);
    return (await command.call(redis, ...keys, ...args)) as Result;
  };
}
