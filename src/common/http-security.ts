import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface.js';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import type { AppConfig } from '../config/app-config.js';

/**
 * CORS as CORS_ORIGINS says: unset, no cross-origin browser access at all; `*`,
 * any origin; otherwise exactly the listed ones. Tokens travel in the
 * Authorization header, never in cookies, so credentials mode stays off.
 * Socket.IO takes the same value (see CorsIoAdapter).
 */
export function corsOptionsFor(config: AppConfig): CorsOptions | undefined {
  const origins = config.http.corsOrigins;
  if (origins.length === 0) return undefined;
  return {
    origin: origins.length === 1 && origins[0] === '*' ? '*' : origins,
    methods: ['GET', 'POST', 'PATCH', 'DELETE'],
    allowedHeaders: ['authorization', 'content-type', 'x-organization-id', 'x-request-id'],
    exposedHeaders: ['x-request-id', 'retry-after'],
    maxAge: 600,
  };
}

/**
 * Security headers (helmet's defaults: a CSP of 'self' that Swagger UI at /docs
 * works under, since its scripts and styles are files it serves; HSTS; nosniff;
 * frame denial), CORS, and the proxies whose X-Forwarded-For names the client.
 */
export function applyHttpSecurity(app: NestExpressApplication, config: AppConfig): void {
  if (config.http.trustProxyHops > 0) app.set('trust proxy', config.http.trustProxyHops);
  app.use(helmet());
  const cors = corsOptionsFor(config);
  if (cors !== undefined) app.enableCors(cors);
}
