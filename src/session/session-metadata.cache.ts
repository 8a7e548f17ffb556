import type { Redis } from 'ioredis';
import type { AuthStateStore, SessionMetadata, SessionRef } from './auth-state-store.js';

const TTL_SECONDS = 300;

/**
 * Session metadata through Redis with a TTL: status pages and the health scan
 * ask often, and reading it from disk or the database each time is wasted I/O.
 */
export class SessionMetadataCache {
  constructor(
    private readonly redis: Redis,
    private readonly store: AuthStateStore,
  ) {}

  async get(ref: SessionRef): Promise<SessionMetadata | null> {
    const key = this.key(ref);
    const cached = await this.redis.get(key).catch(() => null);
    if (cached !== null) return JSON.parse(cached) as SessionMetadata;
    const metadata = await this.store.metadata(ref);
    if (metadata !== null) await this.redis.set(key, JSON.stringify(metadata), 'EX', TTL_SECONDS).catch(() => undefined);
    return metadata;
  }

  async forget(ref: SessionRef): Promise<void> {
    await this.redis.del(this.key(ref)).catch(() => undefined);
  }

  private key(ref: SessionRef): string {
    return `session:meta:${ref.instanceId}`;
  }
}
