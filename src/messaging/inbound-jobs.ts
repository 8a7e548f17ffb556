/**
 * Every turn job: keyed by its message id, so a redelivered or swept message is
 * queued once while its job exists. Removed once done: a message that was
 * answered is never queued again (the sweeper only looks at unanswered ones).
 */
export function inboundJobOptions(messageId: string) {
  return { jobId: messageId, attempts: 5, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: true };
}
