import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job, JobsOptions, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { Clock } from '../common/clock.js';
import { resolvesWithin } from '../common/resolves-within.js';
import { REDIS } from '../redis/redis.module.js';
import { type JobName, type JobPayload, QUEUE_NAMES, type QueueName } from './queues.js';

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

/** How long tryEnqueue waits on Redis before leaving the work to whoever sweeps for it. */
const TRY_ENQUEUE_TIMEOUT_MS = 2_000;
/** A wake-up note outlives any gap between a job deciding to sleep and sleeping; it only needs to expire eventually. */
const WAKE_NOTE_TTL_MS = 60_000;

/** Typed access to every queue: the only way code enqueues jobs. */
@Injectable()
export class QueueService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('Queues');
  private readonly queues = new Map<QueueName, Queue>();

  /** The timers of enqueueEverySlot, stopped with the application. */
  private readonly slotTimers = new Set<NodeJS.Timeout>();

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    for (const name of QUEUE_NAMES) {
      const queue = this.moduleRef.get<Queue>(getQueueToken(name), { strict: false });
      // Without a listener an 'error' event (Redis gone) would crash the process.
      queue.on('error', (error) => this.logger.warn({ queue: name, err: error.message }, 'queue connection error'));
      this.queues.set(name, queue);
    }
  }

  async enqueue<Q extends QueueName, J extends JobName<Q>>(
    queue: Q,
    job: J,
    payload: JobPayload<Q, J>,
    options?: JobsOptions,
  ): Promise<void> {
    await this.get(queue).add(job, payload, options);
  }

  /**
   * Adds several jobs of one kind in one round trip, without waiting on a Redis
   * that is down (false, as tryEnqueue). A job given `asleepForMs` starts
   * delayed that long, for `wake` to cut short: work known to wait for an
   * earlier job, added without being picked up only to wait. A wake that came
   * before such a job existed left a note, honoured here.
   */
  async tryEnqueueBulk<Q extends QueueName, J extends JobName<Q>>(
    queue: Q,
    job: J,
    jobs: { payload: JobPayload<Q, J>; options: JobsOptions & { jobId: string }; asleepForMs?: number }[],
    timeoutMs = TRY_ENQUEUE_TIMEOUT_MS,
  ): Promise<boolean> {
    const enqueue = async () => {
      const entries = jobs.map(({ payload, options, asleepForMs }) => ({
        name: job,
        data: payload,
        opts: asleepForMs === undefined ? options : { ...options, delay: asleepForMs },
      }));
      // One job (a turn's only reply, a quiet intake) skips addBulk's pipeline: ioredis builds every pipeline by
      // copying each script the client defines (BullMQ defines dozens), which cost more than the job's own write.
      if (entries.length === 1) await this.enqueue(queue, job, entries[0].data, entries[0].opts);
      else await this.get(queue).addBulk(entries);
      const asleep = jobs.filter((entry) => entry.asleepForMs !== undefined).map((entry) => entry.options.jobId);
      if (asleep.length > 0) await this.wakeNoted(queue, asleep);
    };
    return this.confirmedWithin(enqueue, timeoutMs, { queue, job, failure: 'bulk enqueue failed' });
  }

  /**
   * Enqueues without waiting on a Redis that is down: false when the job could
   * not be confirmed within `timeoutMs`. For callers whose data is already safe
   * in PostgreSQL and swept later; the jobId keeps a late write from doubling the job.
   */
  async tryEnqueue<Q extends QueueName, J extends JobName<Q>>(
    queue: Q,
    job: J,
    payload: JobPayload<Q, J>,
    options: JobsOptions & { jobId: string },
    timeoutMs = TRY_ENQUEUE_TIMEOUT_MS,
  ): Promise<boolean> {
    return this.confirmedWithin(() => this.enqueue(queue, job, payload, options), timeoutMs, { queue, job, failure: 'enqueue failed' });
  }

  /**
   * Like tryEnqueue, for a sweeper putting back work whose job may have been
   * given up: a job of that id that failed (retries spent, or stalled by
   * processes killed under it too often) is removed and added anew, since
   * adding over an existing id is a no-op and the work would stay stranded.
   * One state read decides, so a sweep costs one round trip per message whose
   * job is still there (waiting, active, delayed, completed and kept).
   */
  async tryRequeue<Q extends QueueName, J extends JobName<Q>>(
    queue: Q,
    job: J,
    payload: JobPayload<Q, J>,
    options: JobsOptions & { jobId: string },
    timeoutMs = TRY_ENQUEUE_TIMEOUT_MS,
  ): Promise<boolean> {
    const requeue = async () => {
      const state = await this.get(queue).getJobState(options.jobId);
      if (state === 'failed') {
        // Queue.remove answers 0 for a locked job where Job.remove threw; the throw keeps it a logged 'requeue failed'.
        const removed = await this.get(queue).remove(options.jobId);
        if (removed === 0) throw new Error(`Job ${options.jobId} could not be removed because it is locked by another worker`);
      } else if (state !== 'unknown') {
        // The job is still there: adding over its id would be a no-op.
        return;
      }
      await this.enqueue(queue, job, payload, options);
    };
    return this.confirmedWithin(requeue, timeoutMs, { queue, job, failure: 'requeue failed' });
  }

  /**
   * Adds the job of the time slot `now` falls in (`periodMs` long), keyed by the
   * slot: every replica ticks, one job runs per slot. The payload is the slot's
   * start. False when Redis did not take it; the next slot's tick will.
   */
  async tryEnqueueForSlot<Q extends QueueName, J extends JobName<Q>>(
    queue: Q,
    job: JobPayload<Q, J> extends { slot: string } ? J : never,
    periodMs: number,
    now: Date,
  ): Promise<boolean> {
    const slot = new Date(Math.floor(now.getTime() / periodMs) * periodMs);
    // BullMQ reserves ':' in job ids, hence the slot's epoch milliseconds rather than its ISO form.
    const payload = { slot: slot.toISOString() } as JobPayload<Q, J>;
    const queued = await this.tryEnqueue(queue, job, payload, { jobId: `${job}-${slot.getTime()}`, attempts: 1 });
    if (!queued) this.logger.warn({ queue, job, slot: slot.toISOString() }, 'time-slot job not enqueued');
    return queued;
  }

  /**
   * Adds the job of the current slot (by the app's clock) every `periodMs`
   * (see tryEnqueueForSlot), on a timer that does not hold the process open
   * and stops when the application shuts down.
   */
  enqueueEverySlot<Q extends QueueName, J extends JobName<Q>>(queue: Q, job: JobPayload<Q, J> extends { slot: string } ? J : never, periodMs: number): void {
    const timer = setInterval(() => void this.tryEnqueueForSlot(queue, job, periodMs, this.clock.now()), periodMs);
    timer.unref();
    this.slotTimers.add(timer);
  }

  onApplicationShutdown(): void {
    for (const timer of this.slotTimers) clearInterval(timer);
    this.slotTimers.clear();
  }

  /**
   * Wakes a job sleeping in sleepUntilWoken, or added asleep by
   * tryEnqueueBulk. The job may be between deciding to sleep and sleeping (or
   * not added yet), where it cannot be promoted: then a note is left for it,
   * and the promote tried once more. Whichever side comes second sees the
   * other, so the wake-up is never lost: either the second promote finds the
   * job delayed, or the job finds the note as it goes to sleep.
   */
  async wake(queue: QueueName, jobId: string): Promise<void> {
    if (await this.promote(queue, jobId)) return;
    await this.redis.set(wakeNoteKey(queue, jobId), '1', 'PX', WAKE_NOTE_TTL_MS);
    await this.promote(queue, jobId);
  }

  /**
   * Puts the running `job` back as delayed for up to `delayMs` (without
   * spending an attempt), to be woken earlier by `wake`. The processor throws
   * BullMQ's DelayedError next.
   */
  async sleepUntilWoken(job: Job, token: string | undefined, delayMs: number): Promise<void> {
    await job.moveToDelayed(Date.now() + delayMs, token);
    await this.wakeNoted(job.queueName as QueueName, [job.id!]);
  }

  /** Promotes those of these sleeping jobs whose wake-up came before they slept (and left a note). */
  private async wakeNoted(queue: QueueName, jobIds: string[]): Promise<void> {
    const pipeline = this.redis.pipeline();
    for (const jobId of jobIds) pipeline.getdel(wakeNoteKey(queue, jobId));
    const notes = (await pipeline.exec()) ?? [];
    for (const [index, [error, note]] of notes.entries()) {
      if (error !== null) throw error;
      if (note !== null) await this.promote(queue, jobIds[index]);
    }
  }

  /** Runs a delayed job now; false when there is no such job, or it is not delayed (waiting, running or done). */
  private async promote(queue: QueueName, jobId: string): Promise<boolean> {
    try {
      // By id: BullMQ's promote script checks the job's state itself, so nothing is read first (under a backlog
      // most wakes find their job still waiting, and reading its whole hash for each cost more than the promote).
      await this.get(queue).backend.promote(jobId);
      return true;
    } catch (error) {
      if (/is not in the delayed state|Missing key for job/.test((error as Error).message)) return false;
      throw error;
    }
  }

  async counts(): Promise<Record<QueueName, QueueCounts>> {
    const entries = await Promise.all(
      QUEUE_NAMES.map(async (name) => {
        const counts = await this.get(name).getJobCounts('waiting', 'active', 'delayed', 'failed');
        return [name, counts as unknown as QueueCounts] as const;
      }),
    );
    return Object.fromEntries(entries) as Record<QueueName, QueueCounts>;
  }

  /** True once `work` is done within `timeoutMs`; false on a timeout or an error (logged), never a throw. */
  private async confirmedWithin(work: () => Promise<void>, timeoutMs: number, log: { queue: QueueName; job: string; failure: string }): Promise<boolean> {
    try {
      return await resolvesWithin(work(), timeoutMs);
    } catch (error) {
      this.logger.warn({ queue: log.queue, job: log.job, err: (error as Error).message }, log.failure);
      return false;
    }
  }

  private get(name: QueueName): Queue {
    const queue = this.queues.get(name);
    if (queue === undefined) throw new Error(`queue ${name} is not registered`);
    return queue;
  }
}

function wakeNoteKey(queue: string, jobId: string): string {
  return `wake:${queue}:${jobId}`;
}
