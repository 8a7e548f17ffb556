/**
 * True when `work` resolves within `ms`, false when the time runs out first; a
 * rejection of `work` within the time rejects this too, so each caller decides
 * whether an error is logged, counted as down or thrown on. The timer is cleared
 * either way so a pending bound does not keep the process (or a test) alive.
 * `work` keeps running after a timeout: a promise cannot be cancelled.
 */
export async function resolvesWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
