import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { ResourceNotFoundException } from '../common/domain.exception.js';
import type { ConversationState } from '../database/schema.js';
import { OutboundService } from '../whatsapp/outbound/outbound.service.js';
import { ConversationEvents } from './conversation-events.js';
import { type ConversationFilter, ConversationsRepository, type ConversationView } from './conversations.repository.js';
import { ConversationTransitionException } from './messaging.exceptions.js';

/** Which states each staff action leaves from, and where it goes. */
const TRANSITIONS = {
  'take-over': { from: ['bot', 'waiting_human', 'closed'], to: 'human' },
  release: { from: ['waiting_human', 'human'], to: 'bot' },
  close: { from: ['bot', 'waiting_human', 'human'], to: 'closed' },
} as const satisfies Record<string, { from: readonly ConversationState[]; to: ConversationState }>;

export type ConversationAction = keyof typeof TRANSITIONS;

/** Conversations for staff: the queue of customers waiting for a person, and the handoff actions. */
@Injectable()
export class ConversationsService implements OnModuleInit {
  constructor(
    private readonly conversations: ConversationsRepository,
    private readonly outbound: OutboundService,
    private readonly events: ConversationEvents,
    private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    // A person answering through the send endpoint has taken the conversation; staff screens hear of it once it committed.
    this.outbound.onStaffSend(async (tx, sends) => {
      const now = this.clock.now();
      const answered = await this.conversations.staffAnswered(tx, [...new Set(sends.map((send) => send.to))], now);
      return () => this.events.changed(answered, 'staff-reply', now);
    });
  }

  list(organizationId: string, filter: ConversationFilter, limit: number, offset: number) {
    return this.conversations.list(organizationId, filter, limit, offset);
  }

  async get(organizationId: string, id: string): Promise<ConversationView> {
    const conversation = await this.conversations.find(organizationId, id);
    if (conversation === null) throw new ResourceNotFoundException('Conversation', id);
    return conversation;
  }

  async messages(organizationId: string, id: string, limit: number, offset: number) {
    await this.get(organizationId, id);
    return this.conversations.messages(organizationId, id, limit, offset);
  }

  async apply(organizationId: string, id: string, action: ConversationAction): Promise<ConversationView> {
    const { from, to } = TRANSITIONS[action];
    const now = this.clock.now();
    const moved = await this.conversations.transition(organizationId, id, from, to, now);
    if (moved !== null) {
      const { conversation, contact } = moved;
      this.events.changed([{ ...conversation, customerPhone: contact.phone }], action, now);
      return moved;
    }
    // A person taking over a conversation a person already holds claims it afresh: the handoff timeout counts from now,
    // or the bot could take it back a minute after someone said they have it. No state changes: nothing to announce.
    if (action === 'take-over') {
      const claimed = await this.conversations.staffActive(organizationId, id, now);
      if (claimed !== null) return claimed;
    }
    const current = await this.get(organizationId, id);
    // Asking for the state it is already in is not an error (a double click, a retried request).
    if (current.conversation.state === to) return current;
    throw new ConversationTransitionException(action, current.conversation.state, from);
  }
}
