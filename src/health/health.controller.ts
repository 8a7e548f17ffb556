import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { Public } from '../auth/tenant-context.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { resolvesWithin } from '../common/resolves-within.js';
import { DATABASE, type Database } from '../database/database.js';
import { QueueService } from '../queue/queue.service.js';
import { REDIS } from '../redis/redis.module.js';
import { AUTH_STATE_STORE, type AuthStateStore } from '../session/auth-state-store.js';
import { SessionStoreCounters } from '../session/session-events.js';
import { FileAuthStateStore } from '../session/file-auth-state.store.js';
import { WhatsappHealthRepository } from './whatsapp-health.repository.js';

const PROBE_TIMEOUT_MS = 2000;
const HEALTH_RUN_STALE_MS = 15 * 60_000;

/** Rejects if `work` takes longer than the probe budget, so a hung dependency reads as down. */
async function withinBudget<T>(work: Promise<T>): Promise<T> {
  if (!(await resolvesWithin(work, PROBE_TIMEOUT_MS))) throw new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`);
  return work;
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(DATABASE) private readonly database: Database,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly queues: QueueService,
    @Inject(AUTH_STATE_STORE) private readonly sessions: AuthStateStore,
    private readonly sessionCounters: SessionStoreCounters,
    private readonly whatsappRuns: WhatsappHealthRepository,
  ) {}

  private readonly startedAt = Date.now();

  @Get()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness and readiness: the process answers, the database and Redis are reachable' })
  @ApiOkResponse({ description: 'Every dependency is up' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto, description: '`details` names the dependency that is down' })
  check() {
    return this.health.check([() => this.checkDatabase(), () => this.checkRedis()]);
  }

  @Get('redis')
  @HealthCheck()
  @ApiOperation({ summary: 'Redis round trip' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto })
  redisHealth() {
    return this.health.check([() => this.checkRedis()]);
  }

  @Get('supabase')
  @HealthCheck()
  @ApiOperation({ summary: 'The database (PostgreSQL/Supabase or the embedded PGlite) with its latency' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto })
  databaseHealth() {
    return this.health.check([() => this.checkDatabase()]);
  }

  @Get('queues')
  @HealthCheck()
  @ApiOperation({ summary: 'Per queue: waiting, active, delayed and failed jobs' })
  @ApiServiceUnavailableResponse({ type: ErrorResponseDto })
  queuesHealth() {
    return this.health.check([() => this.checkQueues()]);
  }

  @Get('whatsapp')
  @HealthCheck()
  @ApiOperation({
    summary: 'WhatsApp layer: instances by status, the last health job run (503 when older than 15 min), the session store (temp-dir fallback, restores from backup)',
  })
  whatsappHealth() {
    return this.health.check([() => this.checkSessionStore(), () => this.checkHealthJob()]);
  }

  /** Instances by status and the last cluster run of the health job; stale after 15 minutes. */
  private async checkHealthJob() {
    const probe = this.indicators.check('healthJob');
    const [instancesByStatus, lastRun] = await Promise.all([this.whatsappRuns.countByStatus(), this.whatsappRuns.lastClusterRun()]);
    // A process younger than the limit has not had the chance to see a run yet.
    const since = Math.max(lastRun?.createdAt.getTime() ?? 0, this.startedAt);
    const ageMs = Date.now() - since;
    const details = {
      instancesByStatus,
      lastRun: lastRun === null ? null : { ...lastRun.result, durationMs: lastRun.durationMs, at: lastRun.createdAt.toISOString() },
      lastRunAgeMs: lastRun === null ? null : Date.now() - lastRun.createdAt.getTime(),
    };
    return ageMs > HEALTH_RUN_STALE_MS
      ? probe.down({ ...details, message: 'the WhatsApp health job has not run for over 15 minutes' })
      : probe.up(details);
  }

  private checkSessionStore() {
    const probe = this.indicators.check('sessionStore');
    const counters = {
      restoredFromBackup: this.sessionCounters.restoredFromBackup,
      unrecoverable: this.sessionCounters.unrecoverable,
      unreadableKeys: this.sessionCounters.unreadableKeys,
    };
    if (this.sessions instanceof FileAuthStateStore && this.sessions.usingFallback) {
      // Still serving, but sessions live in the temp dir and may vanish with the machine.
      return probe.degraded({
        kind: this.sessions.kind,
        path: this.sessions.root,
        warning: 'WHATSAPP_SESSION_PATH is not writable; sessions are in the OS temp dir',
        ...counters,
      });
    }
    return probe.up({ kind: this.sessions.kind, ...counters });
  }

  private async checkDatabase() {
    const probe = this.indicators.check('database');
    try {
      const latencyMs = await withinBudget(this.database.ping());
      return probe.up({ kind: this.database.kind, latencyMs });
    } catch (error) {
      return probe.down({ kind: this.database.kind, message: (error as Error).message });
    }
  }

  private async checkRedis() {
    const probe = this.indicators.check('redis');
    const started = performance.now();
    try {
      await withinBudget(this.redis.ping());
      return probe.up({ latencyMs: Math.round((performance.now() - started) * 100) / 100 });
    } catch (error) {
      return probe.down({ message: (error as Error).message });
    }
  }

  private async checkQueues() {
    const probe = this.indicators.check('queues');
    try {
      return probe.up({ queues: await withinBudget(this.queues.counts()) });
    } catch (error) {
      return probe.down({ message: (error as Error).message });
    }
  }
}
