import { Module } from '@nestjs/common';
import { AnalyticsModule } from '../analytics/analytics.module.js';
import { BookingModule } from '../booking/booking.module.js';
import { ContactsModule } from '../contacts/contacts.module.js';
import { CLIENT_AGENT, OWNER_AGENT } from '../messaging/conversation-agent.js';
import { AiInteractionsController } from './ai-interactions.controller.js';
import { AiInteractionsRepository } from './ai-interactions.repository.js';
import { AiTurnRecorder } from './ai-turn-recorder.js';
import { ClientGptAgent } from './client-gpt.agent.js';
import { LlmClient } from './llm-client.js';
import { OfflineMenuAgent } from './offline-menu.agent.js';
import { OwnerPlaceholderAgent } from './owner-placeholder.agent.js';

/**
 * The agents the inbound pipeline answers through. Customers get the GPT
 * client agent, which answers with the offline menu itself when there is no
 * key or the model fails; owners get a placeholder until Aurora exists.
 */
@Module({
  imports: [AnalyticsModule, BookingModule, ContactsModule],
  controllers: [AiInteractionsController],
  providers: [
    LlmClient,
    AiInteractionsRepository,
    AiTurnRecorder,
    OfflineMenuAgent,
    ClientGptAgent,
    OwnerPlaceholderAgent,
    { provide: CLIENT_AGENT, useExisting: ClientGptAgent },
    { provide: OWNER_AGENT, useExisting: OwnerPlaceholderAgent },
  ],
  exports: [CLIENT_AGENT, OWNER_AGENT, OfflineMenuAgent, LlmClient, AiInteractionsRepository],
})
export class AiModule {}
