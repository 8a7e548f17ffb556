import type { Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { AllExceptionsFilter } from './common/all-exceptions.filter.js';
import { answerMalformedRequestsInJson, applyHttpSecurity } from './common/http-security.js';
import { screenJsonBody } from './common/json-body.js';
import { createValidationPipe } from './common/validation.js';
import type { AppConfig } from './config/app-config.js';
import { CorsIoAdapter } from './gateway/cors-io.adapter.js';
import { requestIdFor } from './logging/logging.module.js';
import { setupOpenApi } from './openapi.js';

/**
 * The whole HTTP application, as main.ts serves it and the tests boot it.
 * `extraModules` are imported beside the application's own, under the same
 * pipes, filters and guards: benchmarks mount a bare route there to compare against.
 */
export async function createApp(config: AppConfig, extraModules: Type[] = []): Promise<NestExpressApplication> {
  const root = AppModule.forRoot(config);
  const rootWithExtras = { ...root, imports: [...(root.imports ?? []), ...extraModules] };
  const app = await NestFactory.create<NestExpressApplication>(rootWithExtras, {
    bufferLogs: true,
    bodyParser: false,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  // Before the body parsers, so even a malformed body gets an error with a request id.
  app.use((request: IncomingMessage & { id?: string }, response: ServerResponse, next: () => void) => {
    request.id = requestIdFor(request, response);
    next();
  });
  applyHttpSecurity(app, config);
  app.useWebSocketAdapter(new CorsIoAdapter(app, config));
  // Nest's type hides `verify` (it uses it for rawBody, which is off here); body-parser applies it.
  const jsonOptions = { limit: config.bodyLimit, verify: screenJsonBody };
  app.useBodyParser('json', jsonOptions);
  app.useBodyParser('urlencoded', { limit: config.bodyLimit, extended: false });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter());
  app.disable('x-powered-by');
  // On SIGTERM/SIGINT: drain, close, then exit with code 0 (instead of re-raising the signal);
  // main.ts bounds the whole stop by SHUTDOWN_TIMEOUT_MS.
  app.enableShutdownHooks([], { useProcessExit: true });
  setupOpenApi(app);
  answerMalformedRequestsInJson(app);
  return app;
}
