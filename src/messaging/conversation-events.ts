import { Injectable } from '@nestjs/common';
import type { ConversationState } from '../database/schema.js';
import type { ConversationChangeCause } from '../gateway/realtime-events.js';
import { RealtimeGateway } from '../gateway/realtime.gateway.js';

/** A conversation right after it changed state, as `conversation:updated` names it. */
export interface ChangedConversation {
  organizationId: string;
  instanceId: string | null;
  id: string;
  contactId: string;
  customerPhone: string;
  state: ConversationState;
  handoffReason: string | null;
}

/** The one place `conversation:updated` is raised, whatever moved the conversation. */
@Injectable()
export class ConversationEvents {
  constructor(private readonly realtime: RealtimeGateway) {}

  changed(conversations: readonly ChangedConversation[], cause: ConversationChangeCause, at: Date): void {
    for (const conversation of conversations) {
      this.realtime.publish(conversation.organizationId, 'conversation:updated', {
        instanceId: conversation.instanceId,
        conversationId: conversation.id,
        contactId: conversation.contactId,
        customerPhone: conversation.customerPhone,
        state: conversation.state,
        handoffReason: conversation.handoffReason,
        cause,
        at: at.toISOString(),
      });
    }
  }
}
