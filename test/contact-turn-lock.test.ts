import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ContactTurnLock } from '../src/messaging/contact-turn-lock.js';
import { deleteRedisPrefix, REDIS_URL } from './support/app.js';

const ORGANIZATION = '00000000-0000-4000-8000-000000000001';
const NOW = new Date('2026-11-27T12:00:00Z');
const SECOND = 1000;
const at = (seconds: number) => new Date(NOW.getTime() + seconds * SECOND);

/**
 * One turn per contact at a time, on the shared Redis under a prefix of its
 * own. A message's job that finds its contact busy tells the holder, which
 * then looks for waiting messages again before letting go: that is what lets
 * a turn skip the look that would find nothing. The same scripts keep the
 * contact's rate limit (2 turns a minute here): only turns that answered count.
 */
describe('contact turn lock', () => {
  const prefix = `test:${randomBytes(4).toString('hex')}`;
  let redis: Redis;
  let locks: ContactTurnLock;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { keyPrefix: `${prefix}:` });
    locks = new ContactTurnLock(redis, { ttlMs: 10_000, turnsPerMinute: 2 });
  });

  afterAll(async () => {
    redis.disconnect();
    await deleteRedisPrefix(REDIS_URL, prefix);
  });

  it('lets go when nobody came meanwhile, and the contact is free again', async () => {
    const holder = await locks.acquire(ORGANIZATION, '+5511990000001', NOW);
    expect(holder).not.toBeNull();
    expect(await holder!.releaseUnlessMore(NOW)).toBe(true);
    const next = await locks.acquire(ORGANIZATION, '+5511990000001', NOW);
    expect(next).not.toBeNull();
    await next!.release();
  });

  it('keeps the lock for another look after each job that found the contact busy, then lets go', async () => {
    const holder = await locks.acquire(ORGANIZATION, '+5511990000002', NOW);
    expect(holder).not.toBeNull();
    // Two jobs arrive during the turn: one more look covers both.
    expect(await locks.acquire(ORGANIZATION, '+5511990000002', NOW)).toBeNull();
    expect(await locks.acquire(ORGANIZATION, '+5511990000002', NOW)).toBeNull();
    expect(await holder!.releaseUnlessMore(NOW)).toBe(false);
    // Still held: a job arriving during the second look is turned away and asks for a third.
    expect(await locks.acquire(ORGANIZATION, '+5511990000002', NOW)).toBeNull();
    expect(await holder!.releaseUnlessMore(NOW)).toBe(false);
    expect(await holder!.releaseUnlessMore(NOW)).toBe(true);
    expect(await locks.acquire(ORGANIZATION, '+5511990000002', NOW)).not.toBeNull();
  });

  it('after a holder died, starts the next without its leftover request', async () => {
    // Another process's lock, which it stops renewing when it dies, and a job that found the contact busy meanwhile.
    await redis.set(`turn-lock:${ORGANIZATION}:+5511990000003`, 'token-of-a-dead-process', 'PX', 100);
    expect(await locks.acquire(ORGANIZATION, '+5511990000003', NOW)).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const next = await locks.acquire(ORGANIZATION, '+5511990000003', NOW);
    expect(next).not.toBeNull();
    // Its first look sees every message stored so far: the dead turn's request was cleared when the lock was taken.
    expect(await next!.releaseUnlessMore(NOW)).toBe(true);
  });

  it('leaves alone a lock that expired under its holder and was taken by another', async () => {
    const holder = await locks.acquire(ORGANIZATION, '+5511990000004', NOW);
    expect(holder).not.toBeNull();
    // Its expiry passed (a stalled process) and another process took the contact.
    await redis.set(`turn-lock:${ORGANIZATION}:+5511990000004`, 'token-of-the-new-holder', 'PX', 10_000);
    expect(await locks.acquire(ORGANIZATION, '+5511990000004', NOW)).toBeNull();
    expect(await holder!.releaseUnlessMore(NOW)).toBe(true);
    expect(await redis.get(`turn-lock:${ORGANIZATION}:+5511990000004`)).toBe('token-of-the-new-holder');
    // The request meant for the new holder is still there for it.
    expect(await redis.get(`turn-more:${ORGANIZATION}:+5511990000004`)).toBe('1');
  });

  it('admits 2 turns a minute that answered, says when the next may start, and does not count turns that answered nothing', async () => {
    const phone = '+5511990000005';
    const answer = async (seconds: number) => {
      const turn = await locks.acquire(ORGANIZATION, phone, at(seconds));
      expect(turn).not.toBeNull();
      const { admission } = turn!;
      if (admission.admitted) turn!.useSlot();
      expect(await turn!.releaseUnlessMore(at(seconds))).toBe(true);
      return admission;
    };
    expect(await answer(0)).toEqual({ admitted: true });
    // A turn that answers nothing (a person has the conversation, or nothing was waiting) gives its slot back.
    const quiet = await locks.acquire(ORGANIZATION, phone, at(1));
    expect(quiet!.admission).toEqual({ admitted: true });
    await quiet!.release();
    expect(await answer(10)).toEqual({ admitted: true });
    // The third within the minute waits until the first leaves the window.
    expect(await answer(20)).toEqual({ admitted: false, retryAt: at(60) });
    expect(await answer(61)).toEqual({ admitted: true });
  });

  it('gives each look of a held lock its own admission', async () => {
    const phone = '+5511990000006';
    const turn = await locks.acquire(ORGANIZATION, phone, at(0));
    expect(turn!.admission).toEqual({ admitted: true });
    turn!.useSlot();
    // A message arrived during the turn: the next look is a turn of its own.
    expect(await locks.acquire(ORGANIZATION, phone, at(1))).toBeNull();
    expect(await turn!.releaseUnlessMore(at(2))).toBe(false);
    expect(turn!.admission).toEqual({ admitted: true });
    turn!.useSlot();
    // A batch that may have left messages behind starts a third without letting go: over the limit.
    await turn!.nextTurn(at(3));
    expect(turn!.admission).toEqual({ admitted: false, retryAt: at(60) });
    await turn!.release();
    expect(await redis.zcard(`turns:${ORGANIZATION}:${phone}`)).toBe(2);
  });
});
