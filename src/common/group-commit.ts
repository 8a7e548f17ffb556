interface Submitted<T> {
  item: T;
  resolve(): void;
  reject(error: unknown): void;
}

export interface GroupCommitOptions<T> {
  /** Runs that may be under way at once; while all are busy, new items wait and go out together. */
  maxInFlight: number;
  /**
   * Items with the same key are never in two runs at once, so a later one cannot
   * commit before an earlier one; several of them may share one run, in
   * submission order (the run merges them).
   */
  keyOf(item: T): string;
  /**
   * Items with different batch keys never share a run (each run is one tenant's
   * transaction, say); without it any ready items may go together.
   */
  batchKeyOf?(item: T): string;
  /**
   * Whether a failed run of several items is tried again one item at a time
   * (default: always). An error no single item could have caused (the database
   * unreachable) fails every caller at once instead of once per item.
   */
  splitOnFailure?(error: unknown): boolean;
  /**
   * How long an item waits for company before a run starts for it (default 0:
   * at once). For writes nobody waits on to go on, so that a steady trickle is
   * written in batches rather than one statement per item.
   */
  lingerMs?: number;
}

/**
 * Group commit: a lone item is written at once (or after `lingerMs`); items
 * submitted while every run is busy wait and are written together by the next one, so a busy store
 * does one statement and one commit for many callers. Each caller's promise
 * settles with its own item: a run of several that fails is tried again one
 * item at a time, so one item's fault fails only its own caller (unless
 * `splitOnFailure` says no item could have caused it). `run` must
 * be all-or-nothing (one statement or one transaction) for that retry to be safe.
 */
export class GroupCommit<T> {
  private waiting: Submitted<T>[] = [];
  /** Keys of the items in runs under way, with how many runs hold each. */
  private readonly busyKeys = new Map<string, number>();
  private lingering: NodeJS.Timeout | undefined;
  /** Set by close(): nothing lingers any more, so no write is left for a timer that fires after the store is gone. */
  private closed = false;
  /** The runs under way (at most maxInFlight), each removed once it settles. */
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly run: (items: T[]) => Promise<void>,
    private readonly options: GroupCommitOptions<T>,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      const lingerMs = this.closed ? 0 : (this.options.lingerMs ?? 0);
      if (lingerMs === 0) this.startRuns();
      // The first item of a quiet spell sets the wait; the items that come meanwhile share its run.
      else this.lingering ??= setTimeout(() => this.endLinger(), lingerMs);
    });
  }

  /**
   * For a shutdown, before the store closes: writes what lingers at once and
   * resolves when no run is under way or waiting. Items submitted afterwards
   * are written at once, without lingering.
   */
  async close(): Promise<void> {
    this.closed = true;
    if (this.lingering !== undefined) {
      clearTimeout(this.lingering);
      this.endLinger();
    }
    while (this.inFlight.size > 0) await Promise.allSettled(this.inFlight);
  }

  private endLinger(): void {
    this.lingering = undefined;
    this.startRuns();
  }

  private startRuns(): void {
    while (this.inFlight.size < this.options.maxInFlight) {
      const batch = this.takeReady();
      if (batch.length === 0) return;
      const run: Promise<void> = this.execute(batch).finally(() => {
        this.inFlight.delete(run);
        this.startRuns();
      });
      this.inFlight.add(run);
    }
  }

  /**
   * Every waiting item whose key no run holds and whose batch key is the first
   * such item's; the others keep their place.
   */
  private takeReady(): Submitted<T>[] {
    const { keyOf, batchKeyOf } = this.options;
    const ready: Submitted<T>[] = [];
    const held: Submitted<T>[] = [];
    let batchKey: string | undefined;
    for (const submitted of this.waiting) {
      let fits = !this.busyKeys.has(keyOf(submitted.item));
      if (fits && batchKeyOf !== undefined) {
        batchKey ??= batchKeyOf(submitted.item);
        fits = batchKeyOf(submitted.item) === batchKey;
      }
      (fits ? ready : held).push(submitted);
    }
    this.waiting = held;
    return ready;
  }

  private async execute(batch: Submitted<T>[]): Promise<void> {
    const keys = batch.map((submitted) => this.options.keyOf(submitted.item));
    for (const key of keys) this.busyKeys.set(key, (this.busyKeys.get(key) ?? 0) + 1);
    try {
      await this.run(batch.map((submitted) => submitted.item));
      batch.forEach((submitted) => submitted.resolve());
    } catch (error) {
      if (batch.length > 1 && (this.options.splitOnFailure?.(error) ?? true)) await this.retryOneByOne(batch);
      else batch.forEach((submitted) => submitted.reject(error));
    } finally {
      for (const key of keys) {
        const count = this.busyKeys.get(key)! - 1;
        if (count === 0) this.busyKeys.delete(key);
        else this.busyKeys.set(key, count);
      }
    }
  }

  /** In submission order, so items of one key still apply in the order they came. */
  private async retryOneByOne(batch: Submitted<T>[]): Promise<void> {
    for (const submitted of batch) {
      try {
        await this.run([submitted.item]);
        submitted.resolve();
      } catch (error) {
        submitted.reject(error);
      }
    }
  }
}
