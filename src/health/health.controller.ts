import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { Public } from '../auth/tenant-context.js';
import { ErrorResponseDto } from '../common/error-response.dto.js';
import { DATABASE, type Database } from '../database/database.js';
import { QueueService } from '../queue/queue.service.js';
import { REDIS } from '../redis/redis.module.js';

const PROBE_TIMEOUT_MS = 2000;

/** Rejects if `work` takes longer than the probe budget, so a hung dependency reads as down. */
async function withinBudget<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
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
  ) {}

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
