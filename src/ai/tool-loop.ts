import type { RecordedToolCall } from '../database/schema.js';
import { type ChatMessage, type LlmClient, LlmError, type LlmToolCall, type ToolDefinition } from './llm-client.js';
import type { ModelCircuit } from './model-circuit.js';

/*
 * The function-calling loop both agents run: ask the model, run the tools it
 * calls, give it their results, until it answers in words, hands over, hits
 * the round cap or fails. What the agents say in each case is theirs.
 */

/** What a tool call returned: `result` goes back to the model as JSON. */
export interface ToolOutcome {
  ok: boolean;
  result: Record<string, unknown>;
  /** What was done, in the reader's words: said if the model fails before it can say it. */
  confirmation?: string;
  /** The conversation goes to a person; the turn ends here. */
  handoff?: { reason: string };
}

export interface Toolbox {
  run(call: LlmToolCall): Promise<ToolOutcome>;
}

export type LoopEnd =
  | { kind: 'answer'; text: string }
  | { kind: 'handoff'; reason: string }
  | { kind: 'tool_limit'; rounds: number }
  | { kind: 'model_failed'; error: string };

export interface LoopRequest {
  messages: ChatMessage[];
  tools: ToolDefinition[];
  temperature: number;
  maxRounds: number;
  /** The whole turn, retries included. */
  budgetMs: number;
}

/** The running account of one turn: model calls, tokens, tool calls and what they did. */
export class ModelTurn {
  rounds = 0;
  promptTokens = 0;
  completionTokens = 0;
  readonly toolCalls: RecordedToolCall[] = [];
  /** What the tools did, in the reader's words, in order. */
  readonly confirmations: string[] = [];

  constructor(public model: string) {}

  async call(toolbox: Toolbox, call: LlmToolCall): Promise<ToolOutcome> {
    const startedAt = performance.now();
    const outcome = await toolbox.run(call);
    this.toolCalls.push({
      name: call.name,
      arguments: parsedOrRaw(call.arguments),
      ok: outcome.ok,
      result: outcome.result,
      durationMs: Math.round(performance.now() - startedAt),
    });
    if (outcome.confirmation !== undefined) this.confirmations.push(outcome.confirmation);
    return outcome;
  }
}

export async function runToolLoop(llm: LlmClient, circuit: ModelCircuit, turn: ModelTurn, toolbox: Toolbox, request: LoopRequest): Promise<LoopEnd> {
  const messages = [...request.messages];
  const signal = AbortSignal.timeout(request.budgetMs);
  for (let round = 1; round <= request.maxRounds; round += 1) {
    let completion;
    try {
      completion = await llm.complete({ model: turn.model, messages, tools: request.tools, toolChoice: 'auto', temperature: request.temperature, signal });
    } catch (error) {
      if (!(error instanceof LlmError)) throw error;
      // A request the API refused (too long, say) says nothing about the model being up.
      if (error.kind !== 'bad_request') circuit.failed();
      return { kind: 'model_failed', error: `${error.code}: ${error.message}` };
    }
    turn.rounds = round;
    turn.model = completion.model;
    turn.promptTokens += completion.usage.promptTokens;
    turn.completionTokens += completion.usage.completionTokens;
    const { content, toolCalls } = completion.message;

    if (toolCalls.length === 0) {
      const text = content?.trim() ?? '';
      if (text === '' || completion.finishReason === 'content_filter') {
        circuit.failed();
        return { kind: 'model_failed', error: `malformed: the model answered ${text === '' ? 'nothing' : 'through the content filter'}` };
      }
      circuit.succeeded();
      return { kind: 'answer', text };
    }

    messages.push({ role: 'assistant', content, toolCalls });
    for (const call of toolCalls) {
      const outcome = await turn.call(toolbox, call);
      messages.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(outcome.result) });
      if (outcome.handoff !== undefined) {
        circuit.succeeded();
        return { kind: 'handoff', reason: outcome.handoff.reason };
      }
    }
  }
  circuit.succeeded();
  return { kind: 'tool_limit', rounds: request.maxRounds };
}

function parsedOrRaw(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
