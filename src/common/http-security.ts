import type { CorsOptions } from '@nestjs/common/interfaces/external/cors-options.interface.js';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { randomUUID } from 'node:crypto';
import { type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
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

/**
 * Requests Node refuses before the app sees them (a URL or headers past its
 * 16 KB limit, a malformed request line) get the JSON error shape too, not
 * Node's bare status line.
 */
export function answerMalformedRequestsInJson(app: NestExpressApplication): void {
  const server = app.getHttpServer() as Server;
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'The request line or headers are too large (16 KB at most): send long values in the body']
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'The request took too long to arrive']
          : [400, 'The request is not valid HTTP'];
    const body = JSON.stringify({ statusCode: status, error: STATUS_CODES[status], message, requestId: randomUUID() });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}
