import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { redisOptionsFromUrl } from '../redis/redis-connection.js';

export const REALTIME_REDIS = Symbol('REALTIME_REDIS');

/**
 * The Socket.IO Redis adapter's own connections: a subscribed connection can
 * do nothing else, so neither can share the app's REDIS client. No key prefix:
 * the adapter puts REDIS_PREFIX in its channel names instead.
 */
export interface RealtimeRedisClients {
  publisher: Redis;
  subscriber: Redis;
}

const logger = new Logger('RealtimeRedis');

export function createRealtimeRedisClients(url: string): RealtimeRedisClients {
  return { publisher: connect(url, 'publisher'), subscriber: connect(url, 'subscriber') };
}

export function disconnectRealtimeRedisClients(clients: RealtimeRedisClients): void {
  clients.publisher.disconnect();
  clients.subscriber.disconnect();
}

/**
 * The adapter fires its commands (publish, subscribe) without awaiting them, so
 * a command that fails while Redis is away would be an unhandled rejection,
 * which ends the process. Every promise the client returns gets a handler here.
 * ioredis resubscribes by itself once Redis is back.
 */
function connect(url: string, role: 'publisher' | 'subscriber'): Redis {
  const client = new Redis(redisOptionsFromUrl(url));
  client.on('error', () => undefined);
  return new Proxy(client, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        const result: unknown = value.apply(target, args);
        if (result instanceof Promise) {
          result.catch((error: Error) => logger.warn({ role, command: String(property), err: error.message }, 'realtime redis command failed'));
        }
        return result;
      };
    },
  });
}
