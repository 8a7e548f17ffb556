import { Global, Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE, type Database } from '../database/database.js';
import { REDIS } from '../redis/redis.module.js';
import { AUTH_STATE_STORE, type AuthStateStore } from './auth-state-store.js';
import { SessionCleanupService } from './session-cleanup.service.js';
import { SessionStoreCounters } from './session-events.js';
import { SessionMetadataCache } from './session-metadata.cache.js';
import { createAuthStateStore } from './session-store.factory.js';

@Global()
@Module({
  providers: [
    SessionStoreCounters,
    {
      provide: AUTH_STATE_STORE,
      inject: [APP_CONFIG, DATABASE, SessionStoreCounters, PinoLogger],
      useFactory: (config: AppConfig, database: Database, counters: SessionStoreCounters, logger: PinoLogger) =>
        createAuthStateStore(config, database, counters, logger.logger.child({ context: 'SessionStore' })),
    },
    {
      provide: SessionMetadataCache,
      inject: [REDIS, AUTH_STATE_STORE],
      useFactory: (redis: Redis, store: AuthStateStore) => new SessionMetadataCache(redis, store),
    },
    SessionCleanupService,
  ],
  exports: [AUTH_STATE_STORE, SessionStoreCounters, SessionMetadataCache, SessionCleanupService],
})
export class SessionModule {}
