import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { redisScript } from '../redis/redis-script.js';

/**
 * KEYS: the lock, the contact's "more arrived" flag; ARGV: token, ttl.
 * Taken: the flag is cleared (the holder's first claim sees every message stored
 * so far). Busy: the flag is raised for the holder, which looks again before letting go.
 */
const ACQUIRE = `
if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then
  redis.call('del', KEYS[2])
  return 1
end
redis.call('set', KEYS[2], '1', 'PX', ARGV[2])
return 0`;
/** Deletes or extends the key only while it still holds our token: a lock that expired and was re-taken is not ours. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/**
 * KEYS: the lock, the flag; ARGV: token, ttl. 0: a message's job found the
 * contact busy since the flag was last cleared, so the lock is kept (and its
 * expiry renewed) for another look; 1: released, or no longer ours.
 */
const RELEASE_UNLESS_MORE = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 1 end
if redis.call('del', KEYS[2]) == 1 then
  redis.call('pexpire', KEYS[1], ARGV[2])
  return 0
end
redis.call('del', KEYS[1])
return 1`;

export interface HeldLock {
  release(): Promise<void>;
  /**
   * Lets go unless a message's job found the contact busy meanwhile (false:
   * still held, look for waiting messages again). Atomic with that job's
   * attempt, so a message stored during a turn is either seen by this holder's
   * next look or taken by its own job after the release, never left waiting.
   */
  releaseUnlessMore(): Promise<boolean>;
}

/**
 * One turn at a time per contact, across every worker process: a Redis key
 * with a token and a short expiry, renewed while the turn runs. A process
 * killed mid-turn stops renewing, so the contact is free again within `ttlMs`.
 */
export class ContactTurnLock {
  private readonly acquireScript;
  private readonly releaseScript;
  private readonly extendScript;
  private readonly releaseUnlessMoreScript;

  constructor(
    redis: Redis,
    private readonly ttlMs: number,
  ) {
    this.acquireScript = redisScript<number>(redis, 'oxyAcquireTurnLock', 2, ACQUIRE);
    this.releaseScript = redisScript<number>(redis, 'oxyReleaseTurnLock', 1, RELEASE);
    this.extendScript = redisScript<number>(redis, 'oxyExtendTurnLock', 1, EXTEND);
    this.releaseUnlessMoreScript = redisScript<number>(redis, 'oxyReleaseTurnLockUnlessMore', 2, RELEASE_UNLESS_MORE);
  }

  async acquire(organizationId: string, phone: string): Promise<HeldLock | null> {
    const key = `turn-lock:${organizationId}:${phone}`;
    const moreKey = `turn-more:${organizationId}:${phone}`;
    const token = randomUUID();
    if ((await this.acquireScript([key, moreKey], token, this.ttlMs)) !== 1) return null;
    const renewal = setInterval(() => {
      this.extendScript([key], token, this.ttlMs).catch(() => undefined);
    }, Math.floor(this.ttlMs / 3));
    renewal.unref();
    return {
      release: async () => {
        clearInterval(renewal);
        await this.releaseScript([key], token).catch(() => undefined);
      },
      releaseUnlessMore: async () => {
        const released = (await this.releaseUnlessMoreScript([key, moreKey], token, this.ttlMs)) === 1;
        if (released) clearInterval(renewal);
        return released;
      },
    };
  }
}
