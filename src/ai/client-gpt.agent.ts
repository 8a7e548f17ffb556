import { Inject, Injectable, Logger } from '@nestjs/common';
import { BookingsService } from '../booking/bookings.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ContactsService } from '../contacts/contacts.service.js';
import type { AiOutcome, RecordedToolCall } from '../database/schema.js';
import type { AgentInboundMessage, AgentReply, AgentTurn, ConversationAgent } from '../messaging/conversation-agent.js';
import { AiInteractionsRepository } from './ai-interactions.repository.js';
import { clientAgentTexts, clientSystemPrompt } from './client-agent.pt-br.js';
import { CLIENT_TOOLS, ClientToolbox, type ToolOutcome } from './client-tools.js';
import { type ChatMessage, LlmClient, LlmError, type LlmToolCall } from './llm-client.js';
import { readMenuState } from './menu-state.js';
import { ModelCircuit } from './model-circuit.js';
import { OfflineMenuAgent } from './offline-menu.agent.js';

/** Model calls in one turn: enough to look up, register a pet and book, then answer. */
export const MAX_TOOL_ROUNDS = 6;
/** The whole turn, retries included: past this the customer gets the menu rather than more waiting. */
const TURN_BUDGET_MS = 60_000;
/** Low: the assistant books real appointments; creativity belongs in wording, not in facts. */
const TEMPERATURE = 0.3;

/** What the agent's loop ended with, before it is recorded. */
interface TurnResult {
  reply: AgentReply;
  outcome: AiOutcome;
  error?: string;
}

/**
 * The customer's assistant on GPT with function calling. The model talks; the
 * tools (bound to this customer by the server) act. Whenever the model cannot
 * answer (no key, an outage, a malformed answer, a loop of tool calls) the
 * customer still gets an answer: the offline menu, what was already done, or
 * the offer of a person. Every turn is recorded in `ai_interactions`.
 */
@Injectable()
export class ClientGptAgent implements ConversationAgent {
  readonly name = 'client-gpt';
  private readonly logger = new Logger('ClientGptAgent');
  /** Shared by this process's turns: during an outage they go straight to the menu instead of each waiting out the retries. */
  private readonly circuit = new ModelCircuit();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly llm: LlmClient,
    private readonly menu: OfflineMenuAgent,
    private readonly bookings: BookingsService,
    private readonly contacts: ContactsService,
    private readonly interactions: AiInteractionsRepository,
  ) {}

  async respond(turn: AgentTurn): Promise<AgentReply> {
    const startedAt = performance.now();
    const run = new ModelTurn(this.config.openai.modelClient);
    let result: TurnResult;
    try {
      result = await this.decide(turn, run);
    } catch (error) {
      await this.record(turn, run, { outcome: 'failed', error: safeMessage(error) }, startedAt);
      throw error;
    }
    await this.record(turn, run, result, startedAt);
    return result.reply;
  }

  private async decide(turn: AgentTurn, run: ModelTurn): Promise<TurnResult> {
    if (!this.llm.available) return { reply: await this.menu.respond(turn), outcome: 'offline' };
    // A menu flow the fallback started (a numbered list, a yes/no) is finished by the menu, which knows what "2" means.
    const menuState = turn.context.conversation.agentState;
    if (menuState?.agent === 'offline-menu' && readMenuState(menuState).step !== 'main') {
      return { reply: await this.menu.respond(turn), outcome: 'fallback', error: 'menu flow in progress' };
    }
    if (!this.circuit.allows()) return this.fallback(turn, run, 'model circuit open after repeated failures');

    const toolbox = new ClientToolbox(this.bookings, this.contacts, turn.context);
    const messages: ChatMessage[] = [{ role: 'system', content: clientSystemPrompt(turn.context) }, ...historyOf(turn), ...turn.messages.map(userMessage)];
    const signal = AbortSignal.timeout(TURN_BUDGET_MS);
    for (let round = 1; round <= MAX_TOOL_ROUNDS; round += 1) {
      let completion;
      try {
        completion = await this.llm.complete({ model: run.model, messages, tools: CLIENT_TOOLS, toolChoice: 'auto', temperature: TEMPERATURE, signal });
      } catch (error) {
        if (!(error instanceof LlmError)) throw error;
        // A request the API refused (too long, say) says nothing about the model being up.
        if (error.kind !== 'bad_request') this.circuit.failed();
        return this.fallback(turn, run, `${error.code}: ${error.message}`);
      }
      run.rounds = round;
      run.model = completion.model;
      run.promptTokens += completion.usage.promptTokens;
      run.completionTokens += completion.usage.completionTokens;
      const { content, toolCalls } = completion.message;

      if (toolCalls.length === 0) {
        const text = content?.trim() ?? '';
        if (text === '' || completion.finishReason === 'content_filter') {
          this.circuit.failed();
          return this.fallback(turn, run, `malformed: the model answered ${text === '' ? 'nothing' : 'through the content filter'}`);
        }
        this.circuit.succeeded();
        return { reply: { texts: [text], agentState: { agent: this.name } }, outcome: 'answered' };
      }

      messages.push({ role: 'assistant', content, toolCalls });
      for (const call of toolCalls) {
        const outcome = await run.call(toolbox, call);
        messages.push({ role: 'tool', toolCallId: call.id, content: JSON.stringify(outcome.result) });
        if (outcome.handoff !== undefined) {
          this.circuit.succeeded();
          return {
            reply: { texts: [clientAgentTexts.handoff()], handoff: { reason: outcome.handoff.reason }, agentState: null },
            outcome: 'handoff',
          };
        }
      }
    }
    this.circuit.succeeded();
    this.logger.warn({ conversationId: turn.context.conversation.id, rounds: MAX_TOOL_ROUNDS }, 'client agent stopped at the tool-round cap');
    return {
      reply: { texts: [...run.confirmations, clientAgentTexts.toolLimit()], agentState: { agent: this.name } },
      outcome: 'tool_limit',
      error: `stopped after ${MAX_TOOL_ROUNDS} rounds of tool calls without an answer`,
    };
  }

  /**
   * The model failed. What the tools already did this turn is said as done;
   * otherwise the offline menu answers, after a short apology.
   */
  private async fallback(turn: AgentTurn, run: ModelTurn, error: string): Promise<TurnResult> {
    this.logger.warn({ conversationId: turn.context.conversation.id, error }, 'client agent fell back');
    if (run.confirmations.length > 0) {
      return { reply: { texts: [[...run.confirmations, clientAgentTexts.afterConfirmations()].join('\n\n')], agentState: { agent: this.name } }, outcome: 'fallback', error };
    }
    const menuReply = await this.menu.respond(turn);
    const [first, ...rest] = menuReply.texts;
    const texts = first === undefined ? [clientAgentTexts.fallbackApology()] : [`${clientAgentTexts.fallbackApology()}\n\n${first}`, ...rest];
    return { reply: { ...menuReply, texts }, outcome: 'fallback', error };
  }

  private async record(turn: AgentTurn, run: ModelTurn, result: Omit<TurnResult, 'reply'>, startedAt: number): Promise<void> {
    try {
      await this.interactions.record(turn.context.organization.id, {
        conversationId: turn.context.conversation.id,
        contactId: turn.context.contact.id,
        agent: 'client',
        model: result.outcome === 'offline' ? null : run.model,
        outcome: result.outcome,
        rounds: run.rounds,
        promptTokens: run.promptTokens,
        completionTokens: run.completionTokens,
        toolCalls: run.toolCalls,
        latencyMs: Math.round(performance.now() - startedAt),
        error: result.error?.slice(0, 500) ?? null,
      });
    } catch (error) {
      // The audit must not cost the customer their answer.
      this.logger.error({ err: safeMessage(error), conversationId: turn.context.conversation.id }, 'ai interaction not recorded');
    }
  }
}

/** The running account of one turn: model calls, tokens, tool calls and what they did. */
class ModelTurn {
  rounds = 0;
  promptTokens = 0;
  completionTokens = 0;
  readonly toolCalls: RecordedToolCall[] = [];
  /** What the tools did, in the customer's words, in order. */
  readonly confirmations: string[] = [];

  constructor(public model: string) {}

  async call(toolbox: ClientToolbox, call: LlmToolCall): Promise<ToolOutcome> {
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

/** The conversation before this turn, as the model reads it: the customer as user, our side as assistant. */
function historyOf(turn: AgentTurn): ChatMessage[] {
  return turn.context.history.map((entry): ChatMessage =>
    entry.direction === 'inbound' ? { role: 'user', content: entry.text ?? '[mídia]' } : { role: 'assistant', content: entry.text ?? '[mídia]' },
  );
}

function userMessage(message: AgentInboundMessage): ChatMessage {
  const text = message.text?.trim() ?? '';
  if (message.type === 'text') return { role: 'user', content: text };
  const kind = { image: 'uma imagem', audio: 'um áudio', document: 'um documento', location: 'uma localização', other: 'uma mensagem' }[message.type];
  return { role: 'user', content: `[o cliente enviou ${kind}${text === '' ? '' : ` com a legenda: ${text}`}]` };
}

function parsedOrRaw(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

function safeMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 300) : String(error);
}
