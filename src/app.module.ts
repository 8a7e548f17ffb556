import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ClockModule } from './common/clock.js';
import { HealthJobProcessor, HealthJobScheduler } from './health/health-job.js';
import { AuthModule } from './auth/auth.module.js';
import { BookingModule } from './booking/booking.module.js';
import { CatalogModule } from './catalog/catalog.module.js';
import { MaintenanceProcessor } from './auth/maintenance.processor.js';
import type { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { ContactsModule } from './contacts/contacts.module.js';
import { DatabaseModule } from './database/database.module.js';
import { GatewayModule } from './gateway/gateway.module.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import { OrganizationsModule } from './organizations/organizations.module.js';
import { QueueRegistryCheck } from './queue/queue-registry.check.js';
import { QueueModule } from './queue/queue.module.js';
import { RedisModule } from './redis/redis.module.js';
import { SessionModule } from './session/session.module.js';
import { MediaModule } from './media/media.module.js';
import { InboundProcessor } from './messaging/inbound.processor.js';
import { InboundSweeper } from './messaging/inbound-sweeper.js';
import { MessagingModule } from './messaging/messaging.module.js';
import { WorkerDrain } from './queue/worker-drain.js';
import { OutboundProcessor } from './whatsapp/outbound/outbound.processor.js';
import { WhatsappModule } from './whatsapp/whatsapp.module.js';

/** BullMQ processors: only in processes whose APP_ROLE runs workers (all, worker). */
@Module({
  imports: [DiscoveryModule, ScheduleModule.forRoot(), AuthModule, WhatsappModule, HealthModule, MessagingModule],
  providers: [
    MaintenanceProcessor,
    OutboundProcessor,
    InboundProcessor,
    InboundSweeper,
    HealthJobProcessor,
    HealthJobScheduler,
    QueueRegistryCheck,
    WorkerDrain,
  ],
})
export class WorkersModule {}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    const runsWorkers = config.appRole === 'all' || config.appRole === 'worker';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ClockModule,
        LoggingModule,
        DatabaseModule,
        RedisModule,
        QueueModule,
        SessionModule,
        MediaModule,
        WhatsappModule,
        AuthModule,
        OrganizationsModule,
        BookingModule,
        CatalogModule,
        ContactsModule,
        HealthModule,
        MessagingModule,
        // In every role: workers hold WhatsApp sockets and raise the events; the Redis adapter carries them to API processes' clients.
        GatewayModule,
        ...(runsWorkers ? [WorkersModule] : []),
      ],
    };
  }
}
