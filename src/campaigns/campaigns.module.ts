import { Module } from '@nestjs/common';
import { GatewayModule } from '../gateway/gateway.module.js';
import { CampaignSender } from './campaign-sender.service.js';
import { CampaignsController } from './campaigns.controller.js';
import { CampaignsRepository } from './campaigns.repository.js';
import { CampaignsService } from './campaigns.service.js';
import { InactiveContactsQuery } from './inactive-contacts.query.js';

/**
 * Campaigns and the inactive-customers query. The owner's agent uses
 * CampaignsService (drafts, approval by code) and InactiveContactsQuery; the
 * sending processor and its sweeper are registered with the workers (app.module).
 */
@Module({
  imports: [GatewayModule],
  controllers: [CampaignsController],
  providers: [CampaignsRepository, CampaignsService, CampaignSender, InactiveContactsQuery],
  exports: [CampaignsService, CampaignsRepository, CampaignSender, InactiveContactsQuery],
})
export class CampaignsModule {}
