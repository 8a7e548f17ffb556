import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { BookingModule } from '../booking/booking.module.js';
import { CampaignsModule } from '../campaigns/campaigns.module.js';
import { ContactsModule } from '../contacts/contacts.module.js';
import { CLIENT_AGENT, OWNER_AGENT } from '../messaging/conversation-agent.js';
import { AiInteractionsController } from './ai-interactions.controller.js';
import { AiInteractionsRepository } from './ai-interactions.repository.js';
import { AiTurnRecorder } from './ai-turn-recorder.js';
import { AuroraAgent } from './aurora.agent.js';
import { CampaignsAdapter } from './campaigns.adapter.js';
import { CAMPAIGNS_PORT } from './campaigns.port.js';
import { ClientGptAgent } from './client-gpt.agent.js';
import { LlmClient } from './llm-client.js';
import { OfflineMenuAgent } from './offline-menu.agent.js';

/**
 * The agents the inbound pipeline answers through: customers get the GPT
 * client agent (the offline menu when there is no key or the model fails),
 * owners get Aurora (a plain summary from the same figures without the model).
 */
@Module({
  imports: [AnalyticsModule, BookingModule, CampaignsModule, ContactsModule],
  controllers: [AiInteractionsController],
  providers: [
    LlmClient,
    AiInteractionsRepository,
    AiTurnRecorder,
    OfflineMenuAgent,
    ClientGptAgent,
    AuroraAgent,
    { provide: CAMPAIGNS_PORT, useClass: CampaignsAdapter },
    { provide: CLIENT_AGENT, useExisting: ClientGptAgent },
    { provide: OWNER_AGENT, useExisting: AuroraAgent },
  ],
  exports: [CLIENT_AGENT, OWNER_AGENT, OfflineMenuAgent, LlmClient, AiInteractionsRepository],
})
export class AiModule {}
