import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import { redisOptionsFromUrl } from '../redis/redis-connection.js';
import { ApiKeyEvents } from './api-key-events.js';
import { CredentialsVerifier } from './credentials-verifier.js';

/**
 * Tells every process of the deployment that a key was revoked, so each drops
 * its cache of verified keys at once instead of accepting the key for up to the
 * cache's lifetime (5 s). Redis pub/sub, on a connection of its own (a
 * subscribed connection can do nothing else); the channel carries REDIS_PREFIX,
 * so deployments sharing a Redis do not hear each other. If Redis is away the
 * cache's short lifetime still bounds the lag.
 */
@Injectable()
export class ApiKeyRevocationRelay implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('ApiKeyRevocations');
  private readonly origin = randomUUID();
  private readonly channel: string;
  private subscriber: Redis | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly events: ApiKeyEvents,
    private readonly verifier: CredentialsVerifier,
  ) {
    this.channel = `${config.redisPrefix}:api-keys:revoked`;
  }

  async onModuleInit(): Promise<void> {
    this.subscriber = new Redis(redisOptionsFromUrl(this.config.redisUrl));
    this.subscriber.on('error', () => undefined);
    this.subscriber.on('message', (_channel: string, message: string) => {
      // Our own announcement comes back too: this process already forgot its cache.
      if (message !== this.origin) this.verifier.forgetVerifiedKeys();
    });
    await this.subscriber.subscribe(this.channel).catch((error: Error) => {
      this.logger.warn({ err: error.message }, 'api key revocation channel unavailable; revoked keys expire from caches within 5 s');
    });
    this.unsubscribe = this.events.on('api_key:revoked', () => {
      // The app's client prefixes keys, not channels: the channel is named in full.
      this.redis.publish(this.channel, this.origin).catch((error: Error) => {
        this.logger.warn({ err: error.message }, 'api key revocation not announced; other processes forget the key within 5 s');
      });
    });
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
    this.subscriber?.disconnect();
  }
}
