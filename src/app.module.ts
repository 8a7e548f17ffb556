import { type DynamicModule, Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { ClockModule } from './common/clock.js';
import { HealthJobProcessor, HealthJobScheduler } from './health/health-job.js';
import { AuthModule } from './auth/auth.module.js';
import { AutomationProcessor } from './automation/automation.processor.js';
import { AutomationModule } from './automation/automation.module.js';
import { ProactiveScheduler } from './automation/proactive-scheduler.js';
import { BookingModule } from './booking/booking.module.js';
import { CampaignSweeper } from './campaigns/campaign-sweeper.js';
import { CampaignProcessor } from './campaigns/campaign.processor.js';
import { CampaignsModule } from './campaigns/campaigns.module.js';
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
import { ThrottlingModule } from './throttling/throttling.module.js';
import { MediaModule } from './media/media.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { QueueDashboardModule } from './queue/queue-dashboard.module.js';
import { InboundProcessor } from './messaging/inbound.processor.js';
import { InboundSweeper } from './messaging/inbound-sweeper.js';
import { MessagingModule } from './messaging/messaging.module.js';
import { WorkerDrain } from './queue/worker-drain.js';
import { OutboundProcessor } from './whatsapp/outbound/outbound.processor.js';
import { WhatsappModule } from './whatsapp/whatsapp.module.js';

/** BullMQ processors: only in processes whose APP_ROLE runs workers (all, worker). */
@Module({
  imports: [DiscoveryModule, ScheduleModule.forRoot(), AuthModule, WhatsappModule, HealthModule, MessagingModule, CampaignsModule, AutomationModule],
  providers: [
    MaintenanceProcessor,
    OutboundProcessor,
    InboundProcessor,
    InboundSweeper,
    CampaignProcessor,
    CampaignSweeper,
    HealthJobProcessor,
    HealthJobScheduler,
    AutomationProcessor,
    ProactiveScheduler,
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
        MetricsModule,
        QueueDashboardModule,
        // Before AuthModule: its guard runs first, so guessing keys is rate limited too.
        ThrottlingModule,
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
        CampaignsModule,
        // In every role: bookings change through the API and the assistant; the alert relay hears them.
        AutomationModule,
        // In every role: workers hold WhatsApp sockets and raise the events; the Redis adapter carries them to API processes' clients.
        GatewayModule,
        ...(runsWorkers ? [WorkersModule] : []),
      ],
    };
  }
}
