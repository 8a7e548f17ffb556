import type { ModuleRef } from '@nestjs/core';
import { DelayedError, type Job, Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Clock } from '../src/common/clock.js';
import { QueueService } from '../src/queue/queue.service.js';
import { deleteRedisPrefix, REDIS_URL } from './support/app.js';

/** Far longer than any test here may take: a job that sleeps this long was not woken. */
const SLEEP_MS = 60_000;

/**
 * QueueService.wake and sleepUntilWoken on the real Redis, with a job that
 * goes to sleep and is woken either while asleep or, the race a send meets
 * when the one before it leaves at that moment, just before it falls asleep.
 */
describe('waking a sleeping job', () => {
  const prefix = `test:wake:${randomBytes(4).toString('hex')}`;
  const connection = { url: REDIS_URL, maxRetriesPerRequest: null };
  let queue: Queue;
  let redis: Redis;
  let queues: QueueService;
  let worker: Worker | undefined;

  beforeAll(() => {
    queue = new Queue('outbound', { connection, prefix: `${prefix}:bull` });
    redis = new Redis(REDIS_URL, { keyPrefix: `${prefix}:` });
    // Every queue name resolves to this one queue: only 'outbound' is used here.
    const moduleRef = { get: () => queue } as unknown as ModuleRef;
    queues = new QueueService(moduleRef, redis, new Clock());
    queues.onModuleInit();
  });

  afterAll(async () => {
    await worker?.close();
    await queue.close();
    redis.disconnect();
    await deleteRedisPrefix(REDIS_URL, prefix);
  });

  /** Runs `job` twice: `first` decides how its first run goes to sleep; resolves with the second run's delay after it. */
  async function secondRunAfter(jobId: string, first: (job: Job, token: string | undefined) => Promise<void>): Promise<number> {
    await worker?.close();
    let sleptAt = 0;
    const secondRun = new Promise<number>((resolve) => {
      worker = new Worker(
        'outbound',
        async (job, token) => {
          if (job.data.slept) return resolve(performance.now() - sleptAt);
          await job.updateData({ slept: true });
          sleptAt = performance.now();
          await first(job, token);
          throw new DelayedError();
        },
        { connection, prefix: `${prefix}:bull` },
      );
    });
    await queue.add('send', { slept: false }, { jobId });
    return secondRun;
  }

  it('wakes a job that is asleep at once', async () => {
    const delay = await secondRunAfter('asleep', async (job, token) => {
      await queues.sleepUntilWoken(job, token, SLEEP_MS);
      setTimeout(() => void queues.wake('outbound', job.id!), 100);
    });
    expect(delay).toBeLessThan(5_000);
  });

  it('wakes a job that was woken while still running, before it fell asleep', async () => {
    const delay = await secondRunAfter('still-running', async (job, token) => {
      // The earlier send left here: the job is active, so it cannot be promoted yet.
      await queues.wake('outbound', job.id!);
      await queues.sleepUntilWoken(job, token, SLEEP_MS);
    });
    expect(delay).toBeLessThan(5_000);
  });

  it('leaves a job nobody wakes asleep', async () => {
    await worker?.close();
    const job = await queue.add('send', { slept: true }, { jobId: 'nobody', delay: SLEEP_MS });
    await queues.wake('outbound', 'some-other-job');
    expect(await job.getState()).toBe('delayed');
  });
});
