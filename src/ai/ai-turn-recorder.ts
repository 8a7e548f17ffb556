import { Injectable, Logger } from '@nestjs/common';
import type { AiOutcome, ConversationAgentKind } from '../database/schema.js';
import type { AgentContext, AgentTurnAudit } from '../messaging/conversation-agent.js';
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
 * Accounts for each agent turn in the AI metrics and `ai_interactions`: the one
 * place both agents describe what they did. An answered turn's row goes back
 * with the reply and is stored by the statement that stores the replies; a
 * failed turn, which stores nothing, has its row written here.
 */
@Injectable()
export class AiTurnRecorder {
  private readonly logger = new Logger('AiTurnRecorder');

  constructor(
    private readonly interactions: AiInteractionsRepository,
    private readonly metrics: MetricsService,
  ) {}

  /** The turn's metrics, and its audit row for the reply to carry. */
  account(record: TurnRecord): AgentTurnAudit {
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
    return {
      agent: record.agent,
      model: turn?.model ?? null,
      outcome: record.outcome,
      rounds: turn?.rounds ?? 0,
      promptTokens: turn?.promptTokens ?? 0,
      completionTokens: turn?.completionTokens ?? 0,
      // The row is written with the customer's answer: nothing in it may be what PostgreSQL refuses to store.
      toolCalls: withoutNul(turn?.toolCalls ?? []),
      latencyMs,
      error: record.error === undefined ? null : withoutNul(record.error.slice(0, 500)),
    };
  }

  /** A turn that failed: accounted for and its row written now (there is no reply to carry it). */
  async recordFailure(context: AgentContext, record: TurnRecord): Promise<void> {
    const audit = this.account(record);
    try {
      await this.interactions.record(context.organization.id, { ...audit, conversationId: context.conversation.id, contactId: context.contact.id });
    } catch (error) {
      // The audit must not hide the failure it records.
      this.logger.error({ err: errorText(error), conversationId: context.conversation.id }, 'ai interaction not recorded');
    }
  }
}

/**
 * The value with every NUL character removed from its strings (PostgreSQL's
 * text and jsonb cannot hold one), walked in place of a JSON round trip: the
 * row is serialized once, when it is written.
 */
function withoutNul<T>(value: T): T {
  if (typeof value === 'string') return value.replaceAll('\0', '') as T;
  if (Array.isArray(value)) return value.map(withoutNul) as T;
  // Plain objects only: a Date (or anything with its own toJSON) is left for JSON to write as it always does.
  if (typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [withoutNul(key), withoutNul(inner)])) as T;
  }
  return value;
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
