import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { getQueueToken } from '@nestjs/bullmq';
import { type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Queue } from 'bullmq';
import type { NextFunction, Request, Response } from 'express';
import { UnauthenticatedException } from '../auth/auth.exceptions.js';
import { AuthModule } from '../auth/auth.module.js';
import { bearerTokenOf } from '../auth/bearer-token.js';
import { CredentialsVerifier } from '../auth/credentials-verifier.js';
import { QUEUE_NAMES } from './queues.js';

/** Where the dashboard is served. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * The admin key as the dashboard accepts it: `Authorization: Bearer <ADMIN_API_KEY>`
 * for scripts, or HTTP Basic with any user name and the key as password, which a
 * browser asks for once and then sends with every request the dashboard's page makes.
 */
function adminKeyFrom(request: Request): string | null {
  const bearer = bearerTokenOf(request);
  if (bearer !== null) return bearer;
  const basic = /^Basic\s+(\S+)$/i.exec(request.header('authorization') ?? '');
  if (basic === null) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  return decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : null;
}

function requireAdminKey(credentials: CredentialsVerifier) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const key = adminKeyFrom(request);
    // Lets a browser show its login prompt; the body is still the usual JSON error.
    response.setHeader('www-authenticate', 'Basic realm="Oxy queues", charset="UTF-8"');
    if (key === null) {
      throw new UnauthenticatedException(
        'Missing credentials: send "Authorization: Bearer <ADMIN_API_KEY>", or sign in with any user name and the admin key as password',
      );
    }
    credentials.verifyAdmin(key);
    response.removeHeader('www-authenticate');
    next();
  };
}

/**
 * bull-board at /admin/queues, behind the deployment's ADMIN_API_KEY (403 while it is
 * unset, like the admin API), showing every queue of the registry. It is an Express
 * router, not a JSON API, so it is not in the OpenAPI document.
 *
 * Mounted with bull-board's own API and Express adapter rather than @bull-board/nestjs:
 * that package is CommonJS and injects @nestjs/core's HttpAdapterHost by class, which
 * under tsx (the benchmarks) resolves to a second copy of @nestjs/core and fails the boot.
 */
@Module({ imports: [AuthModule] })
export class QueueDashboardModule implements NestModule {
  constructor(
    private readonly credentials: CredentialsVerifier,
    private readonly moduleRef: ModuleRef,
  ) {}

  configure(consumer: MiddlewareConsumer): void {
    const serverAdapter = new ExpressAdapter();
    serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
    createBullBoard({
      queues: QUEUE_NAMES.map((name) => new BullMQAdapter(this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }))),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Oxy queues' } },
    });
    consumer.apply(requireAdminKey(this.credentials), serverAdapter.getRouter()).forRoutes(QUEUE_DASHBOARD_PATH);
  }
}
