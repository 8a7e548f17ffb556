import { Redis, type RedisOptions } from 'ioredis';
import { BootError } from '../common/domain.exception.js';

/** ioredis options from a redis:// or rediss:// URL (BullMQ takes options, not URLs). */
export function redisOptionsFromUrl(url: string): RedisOptions {
  const parsed = new URL(url);
  const database = parsed.pathname.replace('/', '');
  return {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    db: database === '' ? 0 : Number(database),
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
  };
}

/** The URL without its password, for messages. */
export function describeRedisUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}`;
}

/** Fails the boot with one actionable line when Redis does not answer. */
export async function assertRedisReachable(url: string, timeoutMs = 3000): Promise<void> {
  const probe = new Redis({
    ...redisOptionsFromUrl(url),
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
  } catch (error) {
    throw new BootError(
      `Redis is not reachable at ${describeRedisUrl(url)} (${(error as Error).message}). ` +
        'Start it (for example: redis-server --daemonize yes) or set REDIS_URL to a running Redis.',
    );
  } finally {
    probe.disconnect();
  }
}
