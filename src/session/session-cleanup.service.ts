import { Inject, Injectable, Logger } from '@nestjs/common';
import { AUTH_STATE_STORE, type AuthStateStore, type SessionMetadata, type SessionRef } from './auth-state-store.js';
import { SessionMetadataCache } from './session-metadata.cache.js';

export const IDLE_SESSION_DAYS = 30;

export interface IdleReport {
  idle: SessionMetadata[];
  deleted: number;
}

/** Removes sessions nobody will use again: of deleted instances, and (on request) long idle ones. */
@Injectable()
export class SessionCleanupService {
  private readonly logger = new Logger('SessionCleanup');

  constructor(
    @Inject(AUTH_STATE_STORE) private readonly store: AuthStateStore,
    private readonly metadataCache: SessionMetadataCache,
  ) {}

  async deleteSession(ref: SessionRef): Promise<void> {
    await this.store.delete(ref);
    await this.metadataCache.forget(ref);
    this.logger.log({ instanceId: ref.instanceId }, 'session deleted');
  }

  /** Deletes the sessions whose instance no longer exists; returns how many. */
  async removeOrphans(existingInstanceIds: Set<string>): Promise<number> {
    const orphans = (await this.store.listIdle(0)).filter((session) => !existingInstanceIds.has(session.instanceId));
    for (const session of orphans) await this.deleteSession(session);
    return orphans.length;
  }

  /** Lists sessions unused for `days` days; deletes them only when asked. */
  async idle(days = IDLE_SESSION_DAYS, remove = false): Promise<IdleReport> {
    const idle = await this.store.listIdle(days);
    if (remove) for (const session of idle) await this.deleteSession(session);
    return { idle, deleted: remove ? idle.length : 0 };
  }
}
