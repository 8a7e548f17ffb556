import { Injectable, Logger } from '@nestjs/common';
import type { AiOutcome, ConversationAgentKind } from '../database/schema.js';
import type { AgentContext } from '../messaging/conversation-agent.js';
import { AiInteractionsRepository } from './ai-interactions.repository.js';
import type { ModelTurn } from './tool-loop.js';

export interface TurnRecord {
  agent: ConversationAgentKind;
  /** Null when no model was involved (offline). */
  turn: ModelTurn | null;
  outcome: AiOutcome;
  error?: string;
  /** performance.now() when the turn started. */
  startedAt: number;
}

/** Writes each agent turn to `ai_interactions`: the one place both agents account for what they did. */
@Injectable()
export class AiTurnRecorder {
  private readonly logger = new Logger('AiTurnRecorder');

  constructor(private readonly interactions: AiInteractionsRepository) {}

  async record(context: AgentContext, record: TurnRecord): Promise<void> {
    const { turn } = record;
    try {
      await this.interactions.record(context.organization.id, {
        conversationId: context.conversation.id,
        contactId: context.contact.id,
        agent: record.agent,
        model: turn?.model ?? null,
        outcome: record.outcome,
        rounds: turn?.rounds ?? 0,
        promptTokens: turn?.promptTokens ?? 0,
        completionTokens: turn?.completionTokens ?? 0,
        toolCalls: turn?.toolCalls ?? [],
        latencyMs: Math.round(performance.now() - record.startedAt),
        error: record.error?.slice(0, 500) ?? null,
      });
    } catch (error) {
      // The audit must not cost the customer their answer.
      this.logger.error({ err: errorText(error), conversationId: context.conversation.id }, 'ai interaction not recorded');
    }
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error);
}
