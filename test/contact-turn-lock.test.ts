import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactTurnLock } from '../src/messaging/contact-turn-lock.js';
import { deleteRedisPrefix, REDIS_URL } from './support/app.js';

const ORGANIZATION = '00000000-0000-4000-8000-000000000001';

/**
 * One turn per contact at a time, on the shared Redis under a prefix of its
 * own. A message's job that finds its contact busy tells the holder, which
 * then looks for waiting messages again before letting go: that is what lets
 * a turn skip the look that would find nothing.
 */
describe('contact turn lock', () => {
  const prefix = `test:${randomBytes(4).toString('hex')}`;
  let redis: Redis;
  let locks: ContactTurnLock;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { keyPrefix: `${prefix}:` });
    locks = new ContactTurnLock(redis, 10_000);
  });

  afterAll(async () => {
    redis.disconnect();
    await deleteRedisPrefix(REDIS_URL, prefix);
  });

  it('lets go when nobody came meanwhile, and the contact is free again', async () => {
    const holder = await locks.acquire(ORGANIZATION, '+5511990000001');
    expect(holder).not.toBeNull();
    expect(await holder!.releaseUnlessMore()).toBe(true);
    const next = await locks.acquire(ORGANIZATION, '+5511990000001');
    expect(next).not.toBeNull();
    await next!.release();
  });

  it('keeps the lock for another look after each job that found the contact busy, then lets go', async () => {
    const holder = await locks.acquire(ORGANIZATION, '+5511990000002');
    expect(holder).not.toBeNull();
    // Two jobs arrive during the turn: one more look covers both.
    expect(await locks.acquire(ORGANIZATION, '+5511990000002')).toBeNull();
    expect(await locks.acquire(ORGANIZATION, '+5511990000002')).toBeNull();
    expect(await holder!.releaseUnlessMore()).toBe(false);
    // Still held: a job arriving during the second look is turned away and asks for a third.
    expect(await locks.acquire(ORGANIZATION, '+5511990000002')).toBeNull();
    expect(await holder!.releaseUnlessMore()).toBe(false);
    expect(await holder!.releaseUnlessMore()).toBe(true);
    expect(await locks.acquire(ORGANIZATION, '+5511990000002')).not.toBeNull();
  });

  it('after a holder died, starts the next without its leftover request', async () => {
    // Another process's lock, which it stops renewing when it dies, and a job that found the contact busy meanwhile.
    await redis.set(`turn-lock:${ORGANIZATION}:+5511990000003`, 'token-of-a-dead-process', 'PX', 100);
    expect(await locks.acquire(ORGANIZATION, '+5511990000003')).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const next = await locks.acquire(ORGANIZATION, '+5511990000003');
    expect(next).not.toBeNull();
    // Its first look sees every message stored so far: the dead turn's request was cleared when the lock was taken.
    expect(await next!.releaseUnlessMore()).toBe(true);
  });

  it('leaves alone a lock that expired under its holder and was taken by another', async () => {
    const holder = await locks.acquire(ORGANIZATION, '+5511990000004');
    expect(holder).not.toBeNull();
    // Its expiry passed (a stalled process) and another process took the contact.
    await redis.set(`turn-lock:${ORGANIZATION}:+5511990000004`, 'token-of-the-new-holder', 'PX', 10_000);
    expect(await locks.acquire(ORGANIZATION, '+5511990000004')).toBeNull();
    expect(await holder!.releaseUnlessMore()).toBe(true);
    expect(await redis.get(`turn-lock:${ORGANIZATION}:+5511990000004`)).toBe('token-of-the-new-holder');
    // The request meant for the new holder is still there for it.
    expect(await redis.get(`turn-more:${ORGANIZATION}:+5511990000004`)).toBe('1');
  });
});
