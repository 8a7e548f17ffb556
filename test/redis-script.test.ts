import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisScript } from '../src/redis/redis-script.js';
import { ThrowawayRedis } from './support/processes.js';

const COUNT_UP = `return redis.call('INCRBY', KEYS[1], ARGV[1])`;

/** Calls of a command since the server started, from INFO commandstats (0 when never called). */
async function callsOf(admin: Redis, command: string): Promise<number> {
  const stats = await admin.info('commandstats');
  return Number(new RegExp(`cmdstat_${command}:calls=(\\d+)`).exec(stats)?.[1] ?? 0);
}

/**
 * The rate limits and turn locks run Lua on every request and turn: on a
 * throwaway Redis of its own (the test flushes the server's scripts), a script
 * crosses the wire once and is run by digest afterwards, also after Redis has
 * forgotten it.
 */
describe('Lua scripts run by digest', () => {
  let server: ThrowawayRedis;
  let client: Redis;
  let admin: Redis;

  beforeAll(async () => {
    server = await ThrowawayRedis.start();
    client = new Redis(server.url, { keyPrefix: 'shop:' });
    admin = new Redis(server.url);
  });

  afterAll(async () => {
    client.disconnect();
    admin.disconnect();
    await server.stop();
  });

  it('sends the body once, then only the digest, with the client key prefix', async () => {
    const countUp = redisScript<number>(client, 'testCountUp', 1, COUNT_UP);
    const [evalsBefore, digestCallsBefore] = [await callsOf(admin, 'eval'), await callsOf(admin, 'evalsha')];

    expect(await countUp(['visits'], 2)).toBe(2);
    expect(await countUp(['visits'], 3)).toBe(5);
    expect(await countUp(['visits'], 1)).toBe(6);

    expect(await admin.get('shop:visits')).toBe('6');
    // The first call on the connection sends the body; the others run by digest.
    expect((await callsOf(admin, 'eval')) - evalsBefore).toBe(1);
    expect((await callsOf(admin, 'evalsha')) - digestCallsBefore).toBe(2);
  });

  it('keeps working after Redis forgets its scripts', async () => {
    const countUp = redisScript<number>(client, 'testCountUp', 1, COUNT_UP);
    await admin.del('shop:after-flush');
    expect(await countUp(['after-flush'], 1)).toBe(1);

    await admin.script('FLUSH');
    expect(await countUp(['after-flush'], 1)).toBe(2);
  });

  it('refuses a second body under a name already defined, and a wrong number of keys', async () => {
    redisScript<number>(client, 'testCountUp', 1, COUNT_UP);
    expect(() => redisScript<number>(client, 'testCountUp', 1, `return 0`)).toThrow(/already defined on this client with another body/);

    const countUp = redisScript<number>(client, 'testCountUp', 1, COUNT_UP);
    await expect(countUp(['one', 'two'], 1)).rejects.toThrow(/takes 1 key, got 2/);
  });
});
