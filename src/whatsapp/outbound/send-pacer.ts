import { KeyedQueue } from '../../common/keyed-queue.js';

/**
 * Spaces the sends of each instance: at least `minGapMs` plus up to `jitterMs`
 * of random extra between two sends, so a burst (a campaign) looks like a person
 * typing and does not get the number banned. Per process: sends of an instance
 * run where its socket is.
 */
export class SendPacer {
  private readonly instances = new KeyedQueue();
  private readonly lastSend = new Map<string, number>();

  constructor(
    private readonly minGapMs: number,
    private readonly jitterMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** Resolves when this instance may send next; calls queue up in order. */
  wait(instanceId: string): Promise<void> {
    return this.instances.run(instanceId, async () => {
      const earliest = (this.lastSend.get(instanceId) ?? 0) + this.minGapMs + Math.floor(this.random() * this.jitterMs);
      const delay = earliest - Date.now();
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
      this.lastSend.set(instanceId, Date.now());
    });
  }
}
