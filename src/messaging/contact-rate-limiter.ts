import type { Redis } from 'ioredis';

const WINDOW_MS = 60_000;

/**
 * Admits a message if fewer than `limit` of the contact's messages arrived in
 * the minute before it, counting each message once however often its turn is
 * retried (a sorted set of message ids scored by arrival). Beyond the limit,
 * messages are stored but not answered, and the contact gets one notice per window.
 */
export class ContactRateLimiter {
  constructor(
    private readonly redis: Redis,
    private readonly limit: number,
  ) {}

  async admit(
    organizationId: string,
    phone: string,
    messages: { id: string; receivedAt: Date }[],
  ): Promise<{ admitted: Set<string>; sendNotice: boolean }> {
    const key = `rate:${organizationId}:${phone}`;
    const admitted = new Set<string>();
    if (messages.length === 0) return { admitted, sendNotice: false };
    const pipeline = this.redis.multi();
    for (const message of messages) pipeline.zadd(key, 'NX', message.receivedAt.getTime(), message.id);
    pipeline.zremrangebyscore(key, '-inf', messages[0].receivedAt.getTime() - 2 * WINDOW_MS);
    pipeline.pexpire(key, 2 * WINDOW_MS);
    pipeline.zrangebyscore(key, messages[0].receivedAt.getTime() - WINDOW_MS, '+inf', 'WITHSCORES');
    const results = await pipeline.exec();
    const ranked = (results?.at(-1)?.[1] as string[] | undefined) ?? [];
    const arrivals: { id: string; at: number }[] = [];
    for (let index = 0; index < ranked.length; index += 2) arrivals.push({ id: ranked[index], at: Number(ranked[index + 1]) });

    // Earlier turns' messages all arrived before this batch; within the batch, its order (PostgreSQL's) decides.
    const batch = new Set(messages.map((message) => message.id));
    const previous = arrivals.filter((arrival) => !batch.has(arrival.id));
    let refused = false;
    messages.forEach((message, index) => {
      const windowStart = message.receivedAt.getTime() - WINDOW_MS;
      const earlier =
        previous.filter((arrival) => arrival.at > windowStart).length +
        messages.slice(0, index).filter((other) => other.receivedAt.getTime() > windowStart).length;
      if (earlier < this.limit) admitted.add(message.id);
      else refused = true;
    });
    if (!refused) return { admitted, sendNotice: false };
    const notice = await this.redis.set(`rate-notice:${organizationId}:${phone}`, '1', 'PX', WINDOW_MS, 'NX');
    return { admitted, sendNotice: notice === 'OK' };
  }
}
