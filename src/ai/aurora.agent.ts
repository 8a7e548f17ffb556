import { Inject, Injectable, Logger } from '@nestjs/common';
import { windowOfDates } from '../analytics/analytics-period.js';
import { AnalyticsService } from '../analytics/analytics.service.js';
import { addDays, localDate } from '../booking/zoned-time.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import type { AiOutcome } from '../database/schema.js';
import type { AgentReply, AgentTurn, ConversationAgent } from '../messaging/conversation-agent.js';
import { AiTurnRecorder, errorText } from './ai-turn-recorder.js';
import { AURORA_TOOLS, AuroraToolbox, DEFAULT_INACTIVE_DAYS, INACTIVE_LISTED } from './aurora-tools.js';
import { confirmationCode } from '../campaigns/campaigns.pt-br.js';
import { auroraSystemPrompt, auroraTexts, plainRequestOf } from './aurora.pt-br.js';
import { CAMPAIGNS_PORT, type CampaignsPort } from './campaigns.port.js';
import { historyOf, userMessage } from './client-gpt.agent.js';
import { LlmClient } from './llm-client.js';
import { ModelCircuit } from './model-circuit.js';
import { ModelTurn, runToolLoop } from './tool-loop.js';

/** Model calls in one turn: a couple of periods compared, a list, a draft, then the answer. */
export const AURORA_MAX_TOOL_ROUNDS = 6;
const TURN_BUDGET_MS = 60_000;
const TEMPERATURE = 0.4;

interface TurnResult {
  reply: AgentReply;
  outcome: AiOutcome;
  error?: string;
}

/**
 * Aurora, the owner's assistant: answers business questions from the shop's
 * own figures, lists inactive customers and drafts campaigns; the owner
 * approves a draft with "CONFIRMAR <código>", which is handled here without
 * the model. Only owner numbers reach her (the pipeline decides, by the
 * sender's phone). Without the model she answers plainly, from the same
 * queries: the agenda, periods or inactive customers asked for, else today and this week.
 */
@Injectable()
export class AuroraAgent implements ConversationAgent {
  readonly name = 'aurora';
  private readonly logger = new Logger('AuroraAgent');
  private readonly circuit = new ModelCircuit();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly llm: LlmClient,
    private readonly analytics: AnalyticsService,
    @Inject(CAMPAIGNS_PORT) private readonly campaigns: CampaignsPort,
    private readonly recorder: AiTurnRecorder,
  ) {}

  async respond(turn: AgentTurn): Promise<AgentReply> {
    const startedAt = performance.now();
    const run = new ModelTurn(this.config.openai.modelAurora);
    let result: TurnResult;
    try {
      result = await this.decide(turn, run);
    } catch (error) {
      await this.recorder.recordFailure(turn.context, { agent: 'aurora', turn: run, outcome: 'failed', error: errorText(error), startedAt });
      throw error;
    }
    const modelInvolved = run.rounds > 0 || result.outcome === 'fallback';
    const audit = this.recorder.account({ agent: 'aurora', turn: modelInvolved ? run : null, outcome: result.outcome, error: result.error, startedAt });
    return { ...result.reply, audit };
  }

  private async decide(turn: AgentTurn, run: ModelTurn): Promise<TurnResult> {
    const confirmations = turn.messages.map((message) => confirmationCode(message.text)).filter((code) => code !== null);
    if (confirmations.length > 0) return { reply: { texts: await this.approve(turn, confirmations) }, outcome: 'answered' };
    if (!this.llm.available) return { reply: await this.plainAnswer(turn, 'offline'), outcome: 'offline' };
    if (!this.circuit.allows()) return this.fallback(turn, run, 'model circuit open after repeated failures');

    const end = await runToolLoop(this.llm, this.circuit, run, new AuroraToolbox(this.analytics, this.campaigns, turn.context), {
      messages: [{ role: 'system', content: auroraSystemPrompt(turn.context) }, ...historyOf(turn), ...turn.messages.map(userMessage)],
      tools: AURORA_TOOLS,
      temperature: TEMPERATURE,
      maxRounds: AURORA_MAX_TOOL_ROUNDS,
      budgetMs: TURN_BUDGET_MS,
    });
    switch (end.kind) {
      case 'answer':
        return { reply: { texts: [end.text] }, outcome: 'answered' };
      case 'handoff':
        // Aurora has no hand-over tool; a loop end of this kind cannot come from her toolbox.
        return { reply: { texts: [auroraTexts.toolLimit()] }, outcome: 'tool_limit', error: 'unexpected handoff' };
      case 'tool_limit':
        return { reply: { texts: [auroraTexts.toolLimit()] }, outcome: 'tool_limit', error: `stopped after ${end.rounds} rounds of tool calls without an answer` };
      case 'model_failed':
        return this.fallback(turn, run, end.error);
    }
  }

  /** "CONFIRMAR <código>": approved here, by the server, whatever the model would have said. */
  private async approve(turn: AgentTurn, codes: string[]): Promise<string[]> {
    const texts: string[] = [];
    for (const code of new Set(codes)) {
      const result = await this.campaigns.approveByCode(turn.context.organization.id, code, turn.context.contact.id);
      if (result.kind === 'approved') texts.push(auroraTexts.campaignApproved(result.code, result.reach));
      else if (result.kind === 'unreachable') texts.push(auroraTexts.campaignUnreachable(result.code, result.reach));
      else if (result.kind === 'not_found') texts.push(auroraTexts.campaignNotFound(code));
      else if (result.kind === 'no_instance') texts.push(auroraTexts.campaignNoInstance(code));
      else texts.push(auroraTexts.campaignNotDraft(code, result.status));
    }
    return texts;
  }

  private async fallback(turn: AgentTurn, run: ModelTurn, error: string): Promise<TurnResult> {
    this.logger.warn({ conversationId: turn.context.conversation.id, error }, 'aurora fell back to the plain summary');
    return { reply: await this.plainAnswer(turn, 'fallback'), outcome: 'fallback', error };
  }

  /**
   * Without the model (`offline`: no key; `fallback`: it failed), from the same
   * queries its tools read: a day's or a week's bookings, the inactive customers or the
   * figures of the periods the owner named, when plain words say so; otherwise today and this week, and,
   * offline, what can be asked. An owner who gets the same summary whatever they
   * ask would think the assistant broken.
   */
  private async plainAnswer(turn: AgentTurn, why: 'offline' | 'fallback'): Promise<AgentReply> {
    const { id: organizationId, timezone } = turn.context.organization;
    const today = localDate(turn.context.now, timezone);
    const request = plainRequestOf(turn.messages.map((message) => message.text ?? '').join('\n'), today);
    const lead = why === 'fallback' ? [auroraTexts.fallbackIntro()] : [];
    /** One message, its parts as paragraphs, after the fallback's apology when there is one. */
    const answer = (...parts: string[]): AgentReply => ({ texts: [[...lead, ...parts].join('\n\n')] });
    if (request?.kind === 'no-such-day') return answer(auroraTexts.noSuchDay());
    if (request?.kind === 'agenda') {
      const entries = await this.analytics.agenda(organizationId, windowOfDates(request.date, addDays(request.date, 1), timezone));
      return answer(auroraTexts.agenda(request.date, today, entries, timezone));
    }
    if (request?.kind === 'week') {
      const entries = await this.analytics.agenda(organizationId, windowOfDates(request.from, request.to, timezone));
      return answer(auroraTexts.weekAgenda(request.from, request.to, today, entries, timezone));
    }
    if (request?.kind === 'inactive') {
      const days = request.days ?? DEFAULT_INACTIVE_DAYS;
      const clients = await this.campaigns.inactiveClients(organizationId, days, INACTIVE_LISTED + 1);
      return answer(auroraTexts.inactiveClients(days, clients.slice(0, INACTIVE_LISTED), clients.length > INACTIVE_LISTED, timezone));
    }
    const reports = [];
    for (const period of request?.periods ?? (['hoje', 'semana'] as const)) reports.push(auroraTexts.report(await this.analytics.report(organizationId, period)));
    // Offline, the figures are introduced; a fallback's apology introduces them already.
    const intro = why === 'fallback' ? [] : [request === null ? auroraTexts.offlineIntro() : auroraTexts.figuresIntro()];
    const hint = why === 'offline' && request === null ? [auroraTexts.offlineHint()] : [];
    return answer(...intro, ...reports, ...hint);
  }
}
