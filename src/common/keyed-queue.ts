/**
 * Runs work one after another per key, in call order, while different keys
 * run in parallel: the writes of one file, the stores of one sender, the sends
 * of one instance. A run that fails does not stop the next one of its key. A
 * key is forgotten once its last run settles, so idle keys cost nothing.
 */
export class KeyedQueue {
  /** The last run of each key, settled or not, never rejecting. */
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const next = (this.tails.get(key) ?? Promise.resolve()).then(work);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }

  /** Keys with a run under way or waiting. */
  get size(): number {
    return this.tails.size;
  }
}
