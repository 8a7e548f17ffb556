import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { UnauthenticatedException } from '../auth/auth.exceptions.js';
import { bearerTokenOf } from '../auth/bearer-token.js';
import { sameSecret } from '../auth/credentials-verifier.js';
import { Public } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { MetricsDisabledException } from './metrics.exceptions.js';
import { MetricsService } from './metrics.service.js';

/** Prometheus scrapes here with `Authorization: Bearer <METRICS_TOKEN>` (organization keys do not open it). */
@ApiTags('operations')
@ApiBearerAuth()
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'Prometheus metrics of this process (text exposition format)',
    description:
      'Needs the deployment METRICS_TOKEN as bearer token; disabled (403) while METRICS_TOKEN is unset. ' +
      'Each process answers for itself: scrape every process (API and workers). Metric names are listed in the README.',
  })
  // The text type goes on the 200 alone: @ApiProduces would declare the JSON errors as text too.
  @ApiOkResponse({ description: 'Prometheus text format 0.0.4', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiErrors(401, 403)
  async scrape(@Req() request: Request, @Res() response: Response): Promise<void> {
    this.verify(request);
    const body = await this.metrics.render();
    response.set('content-type', this.metrics.contentType).set('cache-control', 'no-store').send(body);
  }

  private verify(request: Request): void {
    if (this.config.metricsToken === null) throw new MetricsDisabledException();
    const token = bearerTokenOf(request);
    if (token === null) {
      throw new UnauthenticatedException('Missing credentials: send the header "Authorization: Bearer <METRICS_TOKEN>"');
    }
    if (!sameSecret(token, this.config.metricsToken)) throw new UnauthenticatedException('Invalid metrics token');
  }
}
