import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { type ThrottlerOptions, ThrottlerModule } from '@nestjs/throttler';
import type { Request } from 'express';
import type { Redis } from 'ioredis';
import { bearerTokenOf } from '../auth/bearer-token.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import { ApiThrottlerGuard, credentialTracker, ipTracker } from './api-throttler.guard.js';
import { RedisThrottlerStorage } from './redis-throttler.storage.js';

const MINUTE_MS = 60_000;

/** The throttlers the configuration turns on: per credential and per client IP (0 turns one off). */
export function throttlersFor(config: AppConfig): ThrottlerOptions[] {
  const throttlers: ThrottlerOptions[] = [];
  if (config.http.rateLimitPerKeyPerMinute > 0) {
    throttlers.push({
      name: 'key',
      ttl: MINUTE_MS,
      limit: config.http.rateLimitPerKeyPerMinute,
      getTracker: (request) => credentialTracker(request as Request),
      skipIf: (context) => bearerTokenOf(context.switchToHttp().getRequest<Request>()) === null,
    });
  }
  if (config.http.rateLimitPerIpPerMinute > 0) {
    throttlers.push({
      name: 'ip',
      ttl: MINUTE_MS,
      limit: config.http.rateLimitPerIpPerMinute,
      getTracker: (request) => ipTracker(request as Request),
    });
  }
  return throttlers;
}

/**
 * REST rate limits (RATE_LIMIT_PER_KEY_PER_MINUTE, RATE_LIMIT_PER_IP_PER_MINUTE),
 * counted in Redis so every process of the deployment shares them.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG, REDIS],
      useFactory: (config: AppConfig, redis: Redis) => ({
        throttlers: throttlersFor(config),
        storage: new RedisThrottlerStorage(redis),
      }),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: ApiThrottlerGuard }],
})
export class ThrottlingModule {}
