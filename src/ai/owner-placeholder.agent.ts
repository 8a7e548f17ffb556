import { Injectable } from '@nestjs/common';
import type { AgentReply, AgentTurn, ConversationAgent } from '../messaging/conversation-agent.js';
import { ownerPlaceholderTexts } from './owner-placeholder.pt-br.js';

/**
 * The owner's agent until Aurora is built: one short note, whatever the owner
 * wrote (and however many messages the turn holds). It keeps no state.
 */
@Injectable()
export class OwnerPlaceholderAgent implements ConversationAgent {
  readonly name = 'owner-placeholder';

  async respond(turn: AgentTurn): Promise<AgentReply> {
    return { texts: [ownerPlaceholderTexts.intro(turn.context.organization.name)] };
  }
}
