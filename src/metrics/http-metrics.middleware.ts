import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { MetricsService } from './metrics.service.js';

/** Requests no route matched share one label, so probes of random paths cannot grow the series. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Times every HTTP request, labelled by the route template that answered it
 * (`/api/whatsapp/instances/:id`, never the raw path), so cardinality stays bounded.
 * A middleware rather than an interceptor: requests refused by a guard or the
 * body parser are timed too.
 */
@Injectable()
export class HttpMetricsMiddleware implements NestMiddleware {
  constructor(private readonly metrics: MetricsService) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = performance.now();
    response.once('finish', () => {
      this.metrics.recordHttpRequest({
        method: request.method,
        route: routeTemplate(request),
        statusCode: response.statusCode,
        durationMs: performance.now() - started,
      });
    });
    next();
  }
}

function routeTemplate(request: Request): string {
  const route = (request as Request & { route?: { path?: unknown } }).route;
  if (typeof route?.path !== 'string') return UNMATCHED_ROUTE;
  // Nest answers paths no controller has through its own catch-all route (`{/*splat}`).
  if (request.baseUrl === '' && route.path.includes('*')) return UNMATCHED_ROUTE;
  // A router mounted under a path (the queue dashboard) reports its own routes relative to it.
  return `${request.baseUrl}${route.path}` || '/';
}
