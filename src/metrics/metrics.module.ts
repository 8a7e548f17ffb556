import { Global, type MiddlewareConsumer, Module, type NestModule } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { WhatsappModule } from '../whatsapp/whatsapp.module.js';
import { HttpMetricsMiddleware } from './http-metrics.middleware.js';
import { InstanceMetricsRepository } from './instance-metrics.repository.js';
import { MetricsController } from './metrics.controller.js';
import { MetricsService } from './metrics.service.js';
import { QueueMetrics } from './queue-metrics.js';
import { WhatsappMetrics } from './whatsapp-metrics.js';

/**
 * Prometheus metrics at /metrics. Global, so any feature (the AI agents, the inbound
 * intake) injects MetricsService without importing this module.
 */
@Global()
@Module({
  imports: [DiscoveryModule, WhatsappModule],
  controllers: [MetricsController],
  providers: [MetricsService, InstanceMetricsRepository, QueueMetrics, WhatsappMetrics],
  exports: [MetricsService],
})
export class MetricsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(HttpMetricsMiddleware).forRoutes('{*path}');
  }
}
