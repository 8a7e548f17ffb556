import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/domain.exception.js';
import type { ConversationState } from '../database/schema.js';

/** A take-over, release or close asked of a conversation in a state it cannot leave that way. */
export class ConversationTransitionException extends DomainException {
  constructor(action: string, state: ConversationState, allowedFrom: readonly ConversationState[]) {
    super(
      'invalid_conversation_transition',
      HttpStatus.CONFLICT,
      `The conversation is ${state}; ${action} works from ${allowedFrom.join(', ')}`,
      { state, allowedFrom },
    );
  }
}
