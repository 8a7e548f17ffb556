import { Inject, Injectable, Logger } from '@nestjs/common';
import { BookingsService } from '../booking/bookings.service.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ContactsService } from '../contacts/contacts.service.js';
import type { AiOutcome, MessageType } from '../database/schema.js';
import { type AgentInboundMessage, type AgentReply, type AgentTurn, type ConversationAgent, isDescribed } from '../messaging/conversation-agent.js';
import { AiTurnRecorder, errorText } from './ai-turn-recorder.js';
import { clientAgentTexts, clientSystemPrompt } from './client-agent.pt-br.js';
import { CLIENT_TOOLS, ClientToolbox } from './client-tools.js';
import { type ChatMessage, LlmClient } from './llm-client.js';
import { readMenuState } from './menu-state.js';
import { ModelCircuit } from './model-circuit.js';
import { OfflineMenuAgent } from './offline-menu.agent.js';
import { ModelTurn, runToolLoop } from './tool-loop.js';

/** Model calls in one turn: enough to look up, register a pet and book, then answer. */
export const MAX_TOOL_ROUNDS = 6;
/** The whole turn, retries included: past this the customer gets the menu rather than more waiting. */
const TURN_BUDGET_MS = 60_000;
/** Low: the assistant books real appointments; creativity belongs in wording, not in facts. */
const TEMPERATURE = 0.3;

/** What the agent decided, before it is recorded. */
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
 * the offer of a person. Every turn is recorded in `ai_interactions` (an answered
 * one with its replies).
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
    private readonly recorder: AiTurnRecorder,
  ) {}

  async respond(turn: AgentTurn): Promise<AgentReply> {
    const startedAt = performance.now();
    const run = new ModelTurn(this.config.openai.modelClient);
    let result: TurnResult;
    try {
      result = await this.decide(turn, run);
    } catch (error) {
      await this.recorder.recordFailure(turn.context, { agent: 'client', turn: run, outcome: 'failed', error: errorText(error), startedAt });
      throw error;
    }
    const audit = this.recorder.account({ agent: 'client', turn: result.outcome === 'offline' ? null : run, outcome: result.outcome, error: result.error, startedAt });
    return { ...result.reply, audit };
  }

  private async decide(turn: AgentTurn, run: ModelTurn): Promise<TurnResult> {
    if (!this.llm.available) return { reply: await this.offline(turn), outcome: 'offline' };
    // A menu flow the fallback started (a numbered list, a yes/no) is finished by the menu, which knows what "2" means.
    const menuState = turn.context.conversation.agentState;
    if (menuState?.agent === 'offline-menu' && readMenuState(menuState).step !== 'main') {
      return { reply: await this.menu.respond(turn), outcome: 'fallback', error: 'menu flow in progress' };
    }
    if (!this.circuit.allows()) return this.fallback(turn, run, 'model circuit open after repeated failures');

    const end = await runToolLoop(this.llm, this.circuit, run, new ClientToolbox(this.bookings, this.contacts, turn.context), {
      messages: [{ role: 'system', content: clientSystemPrompt(turn.context) }, ...historyOf(turn), ...turn.messages.map(userMessage)],
      tools: CLIENT_TOOLS,
      temperature: TEMPERATURE,
      maxRounds: MAX_TOOL_ROUNDS,
      budgetMs: TURN_BUDGET_MS,
    });
    switch (end.kind) {
      case 'answer':
        return { reply: { texts: [end.text], agentState: { agent: this.name } }, outcome: 'answered' };
      case 'handoff':
        return { reply: { texts: [clientAgentTexts.handoff()], handoff: { reason: end.reason }, agentState: null }, outcome: 'handoff' };
      case 'tool_limit':
        this.logger.warn({ conversationId: turn.context.conversation.id, rounds: end.rounds }, 'client agent stopped at the tool-round cap');
        return {
          reply: { texts: [...run.confirmations, clientAgentTexts.toolLimit()], agentState: { agent: this.name } },
          outcome: 'tool_limit',
          error: `stopped after ${end.rounds} rounds of tool calls without an answer`,
        };
      case 'model_failed':
        return this.fallback(turn, run, end.error);
    }
  }

  /**
   * No key: the menu is the assistant. Its first answer in a conversation says
   * so once, with a short apology; the turns after it are the menu's alone.
   */
  private async offline(turn: AgentTurn): Promise<AgentReply> {
    const reply = await this.menu.respond(turn);
    const startsTheMenu = turn.context.conversation.agentState?.agent !== 'offline-menu';
    if (!startsTheMenu || reply.texts.length === 0 || reply.handoff !== undefined) return reply;
    const texts = [...reply.texts];
    texts[texts.length - 1] = `${texts[texts.length - 1]}\n\n${clientAgentTexts.offlineNotice()}`;
    return { ...reply, texts };
  }

  /**
   * The model failed. What the tools already did this turn is said as done;
   * otherwise the offline menu answers, after a short apology.
   */
  private async fallback(turn: AgentTurn, run: ModelTurn, error: string): Promise<TurnResult> {
    this.logger.warn({ conversationId: turn.context.conversation.id, error }, 'client agent fell back');
    if (run.confirmations.length > 0) {
      return {
        reply: { texts: [[...run.confirmations, clientAgentTexts.afterConfirmations()].join('\n\n')], agentState: { agent: this.name } },
        outcome: 'fallback',
        error,
      };
    }
    const menuReply = await this.menu.respond(turn);
    const [first, ...rest] = menuReply.texts;
    const texts = first === undefined ? [clientAgentTexts.fallbackApology()] : [`${clientAgentTexts.fallbackApology()}\n\n${first}`, ...rest];
    return { reply: { ...menuReply, texts }, outcome: 'fallback', error };
  }
}

/** The conversation before this turn, as the model reads it: the other side as user, ours as assistant. */
export function historyOf(turn: AgentTurn): ChatMessage[] {
  return turn.context.history.map((entry): ChatMessage => ({ role: entry.direction === 'inbound' ? 'user' : 'assistant', content: contentOf(entry) }));
}

export function userMessage(message: AgentInboundMessage): ChatMessage {
  return { role: 'user', content: contentOf(message) };
}

/**
 * A message's text for the model. Media are said as such, in brackets, so a photo's caption is not read as something
 * typed, and the model knows a voice note came even though it cannot hear it.
 */
function contentOf(message: { type: MessageType; text: string | null }): string {
  const text = message.text?.trim() ?? '';
  if (message.type === 'text') return text;
  const kind = {
    image: 'uma imagem',
    audio: 'um áudio',
    document: 'um documento',
    location: 'uma localização',
    video: 'um vídeo',
    sticker: 'uma figurinha',
    contact: 'um contato',
    other: 'uma mensagem',
  }[message.type];
  return `[enviou ${kind}${text === '' ? '' : isDescribed(message.type) ? `: ${text}` : ` com a legenda: ${text}`}]`;
}
