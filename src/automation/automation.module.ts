import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { BookingModule } from '../booking/booking.module.js';
import { GatewayModule } from '../gateway/gateway.module.js';
import { OrganizationsModule } from '../organizations/organizations.module.js';
import { ProactiveAlertRelay } from './proactive-alert.relay.js';
import { ProactiveRepository } from './proactive.repository.js';
import { ProactiveService } from './proactive.service.js';

/**
 * Aurora's proactive messages. The relay runs wherever bookings change; the
 * scheduler and the `automation` processor are wired in the workers.
 */
@Module({
  imports: [AnalyticsModule, BookingModule, GatewayModule, OrganizationsModule],
  providers: [ProactiveRepository, ProactiveService, ProactiveAlertRelay],
  exports: [ProactiveRepository, ProactiveService],
})
export class AutomationModule {}
