import { Logger } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import { redisScript } from '../redis/redis-script.js';

/**
 * One fixed window per key: INCR the window's counter (expiring with the window)
 * and, once past the limit, set a block key for `blockDuration`. One round trip,
 * atomic, so every process of the deployment counts against the same numbers.
 */
const INCREMENT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local windowLeft = redis.call('PTTL', KEYS[1])
local blockLeft = redis.call('PTTL', KEYS[2])
if blockLeft <= 0 and hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  blockLeft = tonumber(ARGV[3])
end
return { hits, windowLeft, blockLeft }
`;

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** @nestjs/throttler's storage on the application's Redis client (keys under REDIS_PREFIX). */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('Throttling');
  private readonly incrementWindow;

  constructor(redis: Redis) {
    this.incrementWindow = redisScript<[number, number, number]>(redis, 'oxyThrottleIncrement', 2, INCREMENT_SCRIPT);
  }

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const base = `throttle:${throttlerName}:${key}`;
    try {
      const [hits, windowLeftMs, blockLeftMs] = await this.incrementWindow([`${base}:hits`, `${base}:blocked`], ttl, limit, blockDuration);
      return {
        totalHits: hits,
        timeToExpire: Math.max(0, Math.ceil(windowLeftMs / 1000)),
        isBlocked: blockLeftMs > 0,
        timeToBlockExpire: Math.max(0, Math.ceil(blockLeftMs / 1000)),
      };
    } catch (error) {
      // Redis down: the health endpoints say so; refusing every request on top would turn a blip into an outage.
      this.logger.warn({ err: error, throttler: throttlerName }, 'rate limit not checked: Redis unavailable');
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
