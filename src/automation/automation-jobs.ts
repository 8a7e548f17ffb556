import type { JobsOptions } from 'bullmq';

/**
 * Every automation job but the tick: retried with backoff, and kept two days
 * once done, so the same day's job (its jobId names the shop and the date) is
 * not added again by the ticks that follow. The database claim is what makes a
 * message go out once; the kept id only spares the repeated work.
 */
export function automationJobOptions(jobId: string): JobsOptions & { jobId: string } {
  return { jobId, attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: { age: 2 * 24 * 3600 } };
}

/** One alert job per booking and status, however often it is enqueued. */
export function bookingAlertJobId(bookingId: string, status: string): string {
  return `booking-alert-${bookingId}-${status}`;
}
