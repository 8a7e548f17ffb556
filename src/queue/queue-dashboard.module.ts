import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { BullBoardModule } from '@bull-board/nestjs';
import { Module } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { UnauthenticatedException } from '../auth/auth.exceptions.js';
import { AuthModule } from '../auth/auth.module.js';
import { CredentialsVerifier } from '../auth/credentials-verifier.js';
import { QUEUE_NAMES } from './queues.js';

/** Where the dashboard is served. */
export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/**
 * The admin key as the dashboard accepts it: `Authorization: Bearer <ADMIN_API_KEY>`
 * for scripts, or HTTP Basic with any user name and the key as password, which a
 * browser asks for once and then sends with every request the dashboard's page makes.
 */
export function adminKeyFrom(authorization: string | undefined): string | null {
  const bearer = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (bearer !== null) return bearer[1];
  const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (basic === null) return null;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  return decoded.includes(':') ? decoded.slice(decoded.indexOf(':') + 1) : null;
}

function requireAdminKey(credentials: CredentialsVerifier) {
  return (request: Request, response: Response, next: NextFunction): void => {
    const key = adminKeyFrom(request.header('authorization'));
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
 */
@Module({
  imports: [
    BullBoardModule.forRootAsync({
      imports: [AuthModule],
      inject: [CredentialsVerifier],
      useFactory: (credentials: CredentialsVerifier) => ({
        route: QUEUE_DASHBOARD_PATH,
        adapter: ExpressAdapter,
        middleware: requireAdminKey(credentials),
        boardOptions: { uiConfig: { boardTitle: 'Oxy queues' } },
      }),
    }),
    BullBoardModule.forFeature(...QUEUE_NAMES.map((name) => ({ name, adapter: BullMQAdapter }))),
  ],
})
export class QueueDashboardModule {}
