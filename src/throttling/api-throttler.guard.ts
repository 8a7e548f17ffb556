import { type ExecutionContext, HttpStatus, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerLimitDetail,
  type ThrottlerModuleOptions,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { bearerTokenOf } from '../auth/bearer-token.js';
import { DomainException } from '../common/domain.exception.js';

export class RateLimitedException extends DomainException {
  constructor(retryAfterSeconds: number, limit: number) {
    super(
      'rate_limited',
      HttpStatus.TOO_MANY_REQUESTS,
      `Too many requests: at most ${limit} a minute. Retry after ${retryAfterSeconds} s.`,
      { limit, retryAfterSeconds },
    );
  }
}

/**
 * Who a request counts against. A credential is counted by a digest of it, so the
 * raw key never lands in a Redis key (or a log line about one).
 */
export function credentialTracker(request: Request): string {
  const token = bearerTokenOf(request);
  return token === null ? 'none' : createHash('sha256').update(token).digest('hex').slice(0, 32);
}

export function ipTracker(request: Request): string {
  return request.ip ?? request.socket.remoteAddress ?? 'unknown';
}

/**
 * @nestjs/throttler's guard with the project's error: 429 `rate_limited` in the
 * usual JSON shape, with Retry-After. Counts are global per tracker (not per
 * route): a key's budget is one budget whichever routes it spends it on.
 */
@Injectable()
export class ApiThrottlerGuard extends ThrottlerGuard {
  /*
   * Declared here, not inherited: the parent's metadata names the Reflector of the copy of @nestjs/core that
   * @nestjs/throttler (CommonJS) loads, which under tsx (the benchmarks, the evals) is not the application's.
   */
  constructor(@InjectThrottlerOptions() options: ThrottlerModuleOptions, @InjectThrottlerStorage() storage: ThrottlerStorage, reflector: Reflector) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    // Platform probes poll /health every few seconds from one address.
    return context.switchToHttp().getRequest<Request>().path.startsWith('/health');
  }

  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    context.switchToHttp().getResponse<Response>().setHeader('Retry-After', String(retryAfter));
    throw new RateLimitedException(retryAfter, detail.limit);
  }
}
