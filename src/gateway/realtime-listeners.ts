import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';

/** How long a process's claim to have an organization's clients lasts without renewal (a crashed process's claim ends). */
const CLAIM_TTL_MS = 60_000;
/** How long a process trusts what it learnt of an organization's listeners elsewhere before asking Redis again. */
const KNOWN_FOR_MS = 2_000;

const claimsKey = (organizationId: string) => `realtime-listeners:${organizationId}`;

/**
 * Which organizations have a realtime client connected anywhere in the
 * deployment. Each process with clients of an organization claims it in Redis
 * (a sorted set scored by expiry, renewed on a heartbeat) and tells the other
 * processes at once; an event of an organization nobody watches is then not
 * published at all. Publishing costs a Redis round trip that every process
 * receives and decodes, and most shops have no dashboard open while their
 * customers write: it was two such round trips per customer message.
 *
 * A process asks Redis about another's clients at most once per
 * KNOWN_FOR_MS per organization, and hears of a new one right away through
 * the adapter (`heard`). When Redis cannot answer, events are published as
 * before: an unneeded publish is only waste, a missed one is a stale screen.
 */
export class RealtimeListeners {
  private readonly logger = new Logger('RealtimeListeners');
  /** This process's clients, by organization. */
  private readonly local = new Map<string, number>();
  /** What this process knows of the other processes' clients, by organization. */
  private readonly known = new Map<string, { listening: boolean; until: number }>();
  private readonly asking = new Map<string, Promise<boolean>>();
  private readonly member = randomUUID();
  private heartbeat: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    /** Tells the other processes that this one now has a client of the organization. */
    private readonly announce: (organizationId: string) => void,
  ) {}

  start(): void {
    this.heartbeat = setInterval(() => {
      for (const organizationId of this.local.keys()) void this.claim(organizationId);
    }, CLAIM_TTL_MS / 3);
    this.heartbeat.unref();
  }

  stop(): void {
    clearInterval(this.heartbeat);
  }

  /** A client of the organization connected to this process (after joining its room). */
  async joined(organizationId: string): Promise<void> {
    const count = (this.local.get(organizationId) ?? 0) + 1;
    this.local.set(organizationId, count);
    if (count > 1) return;
    await this.claim(organizationId);
    this.announce(organizationId);
  }

  /** A client of the organization disconnected from this process. */
  left(organizationId: string): void {
    const count = (this.local.get(organizationId) ?? 0) - 1;
    if (count > 0) {
      this.local.set(organizationId, count);
      return;
    }
    this.local.delete(organizationId);
    this.redis.zrem(claimsKey(organizationId), this.member).catch((error: Error) => {
      this.logger.warn({ organizationId, err: error.message }, 'realtime listener claim not withdrawn: it expires on its own');
    });
  }

  /** Another process announced a client of the organization. */
  heard(organizationId: string): void {
    this.known.set(organizationId, { listening: true, until: Date.now() + KNOWN_FOR_MS });
  }

  /** Whether an event of the organization would reach anyone; a promise only when Redis must be asked. */
  listened(organizationId: string): boolean | Promise<boolean> {
    if (this.local.has(organizationId)) return true;
    const known = this.known.get(organizationId);
    if (known !== undefined && known.until > Date.now()) return known.listening;
    let asking = this.asking.get(organizationId);
    if (asking === undefined) {
      asking = this.ask(organizationId).finally(() => this.asking.delete(organizationId));
      this.asking.set(organizationId, asking);
    }
    return asking;
  }

  private async ask(organizationId: string): Promise<boolean> {
    let listening = true;
    try {
      listening = (await this.redis.zcount(claimsKey(organizationId), Date.now(), '+inf')) > 0;
    } catch (error) {
      this.logger.warn({ organizationId, err: (error as Error).message }, 'realtime listeners not known: publishing');
    }
    this.known.set(organizationId, { listening, until: Date.now() + KNOWN_FOR_MS });
    return listening;
  }

  private async claim(organizationId: string): Promise<void> {
    const key = claimsKey(organizationId);
    const now = Date.now();
    try {
      await this.redis
        .multi()
        .zremrangebyscore(key, '-inf', now)
        .zadd(key, now + CLAIM_TTL_MS, this.member)
        .pexpire(key, CLAIM_TTL_MS)
        .exec();
    } catch (error) {
      // This process still publishes its own clients' events; the heartbeat writes the claim again.
      this.logger.warn({ organizationId, err: (error as Error).message }, 'realtime listener claim not written');
    }
  }
}
