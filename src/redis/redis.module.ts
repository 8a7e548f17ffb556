import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { assertRedisReachable, redisOptionsFromUrl } from './redis-connection.js';

export const REDIS = Symbol('REDIS');

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<Redis> => {
        await assertRedisReachable(config.redisUrl);
        const client = new Redis({
          ...redisOptionsFromUrl(config.redisUrl),
          keyPrefix: `${config.redisPrefix}:`,
          // Fail fast while disconnected: callers (health, rate limits) must not hang.
          maxRetriesPerRequest: 1,
          enableOfflineQueue: false,
        });
        client.on('error', () => undefined);
        return client;
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  onApplicationShutdown(): void {
    this.redis.disconnect();
  }
}
