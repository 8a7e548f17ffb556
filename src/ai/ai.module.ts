import { Module } from '@nestjs/common';
import { BookingModule } from '../booking/booking.module.js';
import { ContactsModule } from '../contacts/contacts.module.js';
import { CLIENT_AGENT, OWNER_AGENT } from '../messaging/conversation-agent.js';
import { LlmClient } from './llm-client.js';
import { OfflineMenuAgent } from './offline-menu.agent.js';
import { OwnerPlaceholderAgent } from './owner-placeholder.agent.js';

/**
 * The agents the inbound pipeline answers through. Until the model-backed
 * agents exist, customers get the offline menu and owners a placeholder; the
 * menu stays exported as the fallback of the agents that use a model.
 */
@Module({
  imports: [BookingModule, ContactsModule],
  providers: [
    // The model client the GPT client agent and Aurora will use; without OPENAI_API_KEY it reports itself unavailable.
    LlmClient,
    OfflineMenuAgent,
    OwnerPlaceholderAgent,
    { provide: CLIENT_AGENT, useExisting: OfflineMenuAgent },
    { provide: OWNER_AGENT, useExisting: OwnerPlaceholderAgent },
  ],
  exports: [CLIENT_AGENT, OWNER_AGENT, OfflineMenuAgent, LlmClient],
})
export class AiModule {}
