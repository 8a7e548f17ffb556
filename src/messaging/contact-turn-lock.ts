import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { redisScript } from '../redis/redis-script.js';

/** Deletes or extends the key only while it still holds our token: a lock that expired and was re-taken is not ours. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * One turn at a time per contact, across every worker process: a Redis key
 * with a token and a short expiry, renewed while the turn runs. A process
 * killed mid-turn stops renewing, so the contact is free again within `ttlMs`.
 */
export class ContactTurnLock {
  private readonly releaseScript;
  private readonly extendScript;

  constructor(
    private readonly redis: Redis,
    private readonly ttlMs: number,
  ) {
    this.releaseScript = redisScript<number>(redis, 'oxyReleaseTurnLock', 1, RELEASE);
    this.extendScript = redisScript<number>(redis, 'oxyExtendTurnLock', 1, EXTEND);
  }

  async acquire(organizationId: string, phone: string): Promise<HeldLock | null> {
    const key = `turn-lock:${organizationId}:${phone}`;
    const token = randomUUID();
    if ((await this.redis.set(key, token, 'PX', this.ttlMs, 'NX')) !== 'OK') return null;
    const renewal = setInterval(() => {
      this.extendScript([key], token, this.ttlMs).catch(() => undefined);
    }, Math.floor(this.ttlMs / 3));
    renewal.unref();
    return {
      release: async () => {
        clearInterval(renewal);
        await this.releaseScript([key], token).catch(() => undefined);
      },
    };
  }
}
