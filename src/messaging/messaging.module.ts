import { Module } from '@nestjs/common';
import { AiModule } from '../ai/ai.module.js';
import { ContactsModule } from '../contacts/contacts.module.js';
import { GatewayModule } from '../gateway/gateway.module.js';
import { WhatsappModule } from '../whatsapp/whatsapp.module.js';
import { AgentContextRepository } from './agent-context.repository.js';
import { ConversationEvents } from './conversation-events.js';
import { ConversationTurnService } from './conversation-turn.service.js';
import { ConversationsController } from './conversations.controller.js';
import { ConversationsRepository } from './conversations.repository.js';
import { ConversationsService } from './conversations.service.js';
import { InboundRepository } from './inbound.repository.js';
import { InboundIntakeService } from './inbound-intake.service.js';

/**
 * The inbound pipeline and conversations. Intake runs wherever sockets live;
 * the turn processor and the sweeper are registered with the workers (app.module).
 */
@Module({
  imports: [WhatsappModule, ContactsModule, GatewayModule, AiModule],
  controllers: [ConversationsController],
  providers: [
    InboundRepository,
    ConversationsRepository,
    ConversationEvents,
    AgentContextRepository,
    ConversationsService,
    ConversationTurnService,
    InboundIntakeService,
  ],
  exports: [ConversationTurnService, InboundRepository, ConversationsRepository, ConversationEvents],
})
export class MessagingModule {}
