import type { Redis } from 'ioredis';
import { redisScript } from '../redis/redis-script.js';

const WINDOW_MS = 60_000;

/**
 * Takes a turn in the window if fewer than `limit` turns ran in the last
 * minute, atomically; otherwise says when the oldest one leaves the window.
 * KEYS[1]: the contact's turns (sorted set scored by start); ARGV: now, window, limit, turn id.
 */
const TAKE_TURN = `
redis.call('zremrangebyscore', KEYS[1], '-inf', ARGV[1] - ARGV[2])
if redis.call('zcard', KEYS[1]) < tonumber(ARGV[3]) then
  redis.call('zadd', KEYS[1], ARGV[1], ARGV[4])
  redis.call('pexpire', KEYS[1], ARGV[2])
  return -1
end
local oldest = redis.call('zrange', KEYS[1], 0, 0, 'WITHSCORES')
return tonumber(oldest[2]) + tonumber(ARGV[2])`;

export type TurnAdmission = { admitted: true } | { admitted: false; retryAt: Date; sendNotice: boolean };

/**
 * At most `limit` turns per contact per rolling minute, across processes. A
 * contact who writes faster is not answered now: their messages stay waiting
 * and are answered together by the first turn the window allows, and they get
 * one "aguarde" notice per window. The model is never called more often than
 * the limit, and nothing the customer wrote is dropped.
 */
export class ContactRateLimiter {
  private readonly takeTurnScript;

  constructor(
    private readonly redis: Redis,
    private readonly limit: number,
  ) {
    this.takeTurnScript = redisScript<number>(redis, 'oxyTakeTurn', 1, TAKE_TURN);
  }

  async takeTurn(organizationId: string, phone: string, turnId: string, now: Date): Promise<TurnAdmission> {
    const retryAt = await this.takeTurnScript([`turns:${organizationId}:${phone}`], now.getTime(), WINDOW_MS, this.limit, turnId);
    if (retryAt < 0) return { admitted: true };
    const notice = await this.redis.set(`turns-notice:${organizationId}:${phone}`, '1', 'PX', WINDOW_MS, 'NX');
    return { admitted: false, retryAt: new Date(retryAt), sendNotice: notice === 'OK' };
  }
}
