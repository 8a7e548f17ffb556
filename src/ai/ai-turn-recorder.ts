import { Injectable, Logger } from '@nestjs/common';
import type { AiOutcome, ConversationAgentKind } from '../database/schema.js';
import type { AgentContext } from '../messaging/conversation-agent.js';
import { MetricsService } from '../metrics/metrics.service.js';
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

/**
 * Writes each agent turn to `ai_interactions` and the AI metrics: the one
 * place both agents account for what they did.
 */
@Injectable()
export class AiTurnRecorder {
  private readonly logger = new Logger('AiTurnRecorder');

  constructor(
    private readonly interactions: AiInteractionsRepository,
    private readonly metrics: MetricsService,
  ) {}

  async record(context: AgentContext, record: TurnRecord): Promise<void> {
    const { turn } = record;
    const latencyMs = Math.round(performance.now() - record.startedAt);
    this.metrics.recordAiTurn({
      agent: record.agent,
      model: turn?.model ?? 'none',
      outcome: record.outcome,
      promptTokens: turn?.promptTokens ?? 0,
      completionTokens: turn?.completionTokens ?? 0,
      latencyMs,
    });
    if (record.outcome === 'fallback' || record.outcome === 'offline') {
      this.metrics.recordAiFallback({ agent: record.agent, reason: fallbackReason(record) });
    }
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
        latencyMs,
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

/** A bounded label for the metrics: the error's code, never its free text. */
function fallbackReason(record: TurnRecord): string {
  if (record.outcome === 'offline') return 'no_key';
  const error = record.error ?? '';
  const code = /^(llm_[a-z_]+):/.exec(error)?.[1];
  if (code !== undefined) return code;
  if (error.startsWith('malformed')) return 'malformed';
  if (error.startsWith('model circuit open')) return 'circuit_open';
  if (error.startsWith('menu flow')) return 'menu_flow';
  return 'other';
}
