import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Clock } from '../common/clock.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { ContactsRepository } from '../contacts/contacts.repository.js';
import { DATABASE, type Database } from '../database/database.js';
import { RealtimeGateway } from '../gateway/realtime.gateway.js';
import { QueueService } from '../queue/queue.service.js';
import { REDIS } from '../redis/redis.module.js';
import { outboundJobOptions } from '../whatsapp/outbound/outbound.service.js';
import { inboundJobOptions } from './inbound-jobs.js';
import { AgentContextRepository, type PendingMessage, type ShopSnapshot, TURN_BATCH_LIMIT } from './agent-context.repository.js';
import { ContactTurnLock, type HeldTurn } from './contact-turn-lock.js';
import { ConversationEvents } from './conversation-events.js';
import { type AgentContext, type AgentReply, CLIENT_AGENT, type ConversationAgent, OWNER_AGENT } from './conversation-agent.js';
import { HUMAN_STATES } from './conversations.repository.js';
import { InboundRepository, LEFT_TO_PERSON, type TurnEnding, type TurnReply } from './inbound.repository.js';
import { asksForHuman, pipelineTexts } from './pipeline.pt-br.js';
import { asksToOptOut, campaignTexts } from '../campaigns/campaigns.pt-br.js';

/** How long a process reuses a shop's settings and services between turns (a change shows within this). */
const SHOP_CACHE_MS = 5_000;
/** A turn that has not renewed its lock for this long is presumed dead and its contact freed. */
const TURN_LOCK_TTL_MS = 10_000;
/** A deferred turn runs this long after the rate-limit window frees, so the window has surely moved. */
const DEFERRED_TURN_SLACK_MS = 250;

export type TurnOutcome = 'answered' | 'nothing-pending' | 'contact-busy' | 'deferred';

/** Everything the turn's opening read. */
interface PreparedTurn {
  turnId: string;
  pending: PendingMessage[];
  organization: AgentContext['organization'];
  owner: boolean;
  contact: { id: string; phone: string; name: string | null };
  conversation: { id: string; state: string; agentState: Record<string, unknown> | null };
  instanceId: string;
  context: Omit<AgentContext, 'now' | 'organization' | 'contact' | 'conversation'>;
}

/** What a turn decided: the part of its ending the agent (or the pipeline) chose, written by its last statement. */
type TurnDecision = Pick<TurnEnding, 'answered' | 'unanswered' | 'replies' | 'agentState' | 'handoffReason' | 'audit'> & {
  /** Over the rate limit: the messages stay waiting for a turn at this instant. */
  deferUntil?: Date;
};

/**
 * One turn of a contact's conversation: takes every message of the contact
 * that waits for an answer, decides who answers (the client agent, the owner's
 * agent, a person, or nobody because of the rate limit), runs the agent, and
 * stores the replies and the answered messages in one transaction. One turn
 * per contact at a time, across processes.
 */
@Injectable()
export class ConversationTurnService {
  private readonly logger = new Logger('ConversationTurn');
  private readonly locks: ContactTurnLock;
  private readonly shops = new Map<string, { shop: ShopSnapshot; expiresAt: number }>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE) private readonly database: Database,
    @Inject(REDIS) redis: Redis,
    @Inject(CLIENT_AGENT) private readonly clientAgent: ConversationAgent,
    @Inject(OWNER_AGENT) private readonly ownerAgent: ConversationAgent,
    private readonly inbound: InboundRepository,
    private readonly contacts: ContactsRepository,
    private readonly agentContext: AgentContextRepository,
    private readonly queues: QueueService,
    private readonly realtime: RealtimeGateway,
    private readonly conversationEvents: ConversationEvents,
    private readonly clock: Clock,
  ) {
    this.locks = new ContactTurnLock(redis, { ttlMs: TURN_LOCK_TTL_MS, turnsPerMinute: config.inbound.rateLimitPerMinute });
  }

  /**
   * Answers the contact of a stored message: turns run while the contact has
   * messages waiting. A message stored during a turn is answered by the next one
   * right away when its job found the contact busy (the lock's "more" flag), or
   * else by its own job once the lock is free; a flood longer than one turn's
   * batch takes several. `contact-busy`: another turn of theirs is running (it
   * will take this message).
   */
  async run(organizationId: string, phone: string): Promise<TurnOutcome> {
    const lock = await this.locks.acquire(organizationId, phone, this.clock.now());
    if (lock === null) return 'contact-busy';
    let held = true;
    try {
      let outcome: TurnOutcome = 'nothing-pending';
      for (;;) {
        const result = await this.turn(organizationId, phone, lock);
        if (result === 'deferred') return 'deferred';
        if (result !== 'nothing-pending') outcome = 'answered';
        // A full batch may have left messages behind: look again before letting go.
        if (result === 'answered-full-batch') {
          await lock.nextTurn(this.clock.now());
          continue;
        }
        // Looking again only when told to saves every turn a claim that would find nothing.
        if (await lock.releaseUnlessMore(this.clock.now())) {
          held = false;
          return outcome;
        }
      }
    } finally {
      if (held) await lock.release();
    }
  }

  /**
   * The agent failed on every attempt: rather than leave the customer in
   * silence, apologise and hand the conversation to a person (an owner's is
   * not handed over: the owner is asked to try again).
   */
  async giveUp(organizationId: string, phone: string, error: string): Promise<void> {
    const lock = await this.locks.acquire(organizationId, phone, this.clock.now());
    if (lock === null) return;
    try {
      const prepared = await this.prepare(organizationId, phone);
      if (prepared === null) return;
      this.logger.error(
        { organizationId, err: error },
        prepared.owner ? "owner's turn failed on every attempt" : 'turn failed on every attempt: handed to a person',
      );
      await this.finish(prepared, {
        answered: prepared.pending.map((message) => message.id),
        unanswered: { ids: [], reason: '' },
        replies: [{ text: prepared.owner ? pipelineTexts.ownerTechnicalProblem : pipelineTexts.technicalProblem, origin: 'system' }],
        handoffReason: prepared.owner ? undefined : `falha técnica do assistente: ${error.slice(0, 200)}`,
      });
    } finally {
      await lock.release();
    }
  }

  /** One turn: what it did with the contact's waiting messages. */
  private async turn(organizationId: string, phone: string, lock: HeldTurn): Promise<'answered' | 'answered-full-batch' | 'deferred' | 'nothing-pending'> {
    const prepared = await this.prepare(organizationId, phone);
    if (prepared === null) return 'nothing-pending';
    this.announce(prepared);
    const decision = await this.decide(prepared, lock);
    await this.finish(prepared, decision);
    if (decision.deferUntil !== undefined) return 'deferred';
    return prepared.pending.length >= TURN_BATCH_LIMIT ? 'answered-full-batch' : 'answered';
  }

  /**
   * The shop (cached), then the turn's opening: the contact's waiting
   * messages, their contact and conversation, and the agent's context, in one
   * statement (see AgentContextRepository.openTurn).
   */
  private async prepare(organizationId: string, phone: string): Promise<PreparedTurn | null> {
    const shop = await this.shop(organizationId);
    if (shop === null) return null;
    const { organization } = shop;
    const owner = organization.authorizedOwnerNumbers.includes(phone);
    const opening = this.clock.now();
    const opened = await this.agentContext.openTurn({
      organizationId,
      phone,
      agent: owner ? 'aurora' : 'client',
      now: opening,
      handoffTimeoutMs: this.config.inbound.handoffTimeoutMs,
      historyLimit: this.config.inbound.historyLimit,
    });
    if (opened === null) return null;
    const { pending, contact, conversation, ...customer } = opened;
    const instanceId = pending[pending.length - 1].instanceId;
    if (conversation.backToBot !== null) {
      // The opening committed already (one statement): staff screens showing the conversation closed, or with a person, follow.
      this.conversationEvents.changed(
        [{ organizationId, instanceId, id: conversation.id, contactId: contact.id, customerPhone: contact.phone, state: 'bot', handoffReason: null }],
        conversation.backToBot,
        opening,
      );
    }
    return {
      turnId: randomUUID(),
      pending,
      organization,
      owner,
      contact,
      conversation,
      instanceId,
      context: { services: shop.services, ...customer },
    };
  }

  /**
   * The shop's name, hours, owner numbers and services, read once per
   * SHOP_CACHE_MS per process: every turn needs them and they rarely change.
   */
  private async shop(organizationId: string): Promise<ShopSnapshot | null> {
    const now = Date.now();
    const cached = this.shops.get(organizationId);
    if (cached !== undefined && cached.expiresAt > now) return cached.shop;
    const shop = await this.database.withTenant(organizationId, (tx) => this.agentContext.shop(tx));
    if (shop !== null) this.shops.set(organizationId, { shop, expiresAt: now + SHOP_CACHE_MS });
    return shop;
  }

  private async decide(prepared: PreparedTurn, lock: HeldTurn): Promise<TurnDecision> {
    const ids = prepared.pending.map((message) => message.id);
    // "SAIR": no more campaigns to this customer, confirmed without the agent, even while a person answers. What else
    // they wrote in the same turn ("SAIR", then "mas quero agendar um banho") is still answered after the confirmation.
    const optOuts = prepared.owner ? [] : prepared.pending.filter((message) => asksToOptOut(message.body));
    if (optOuts.length > 0) {
      await this.contacts.update(prepared.organization.id, prepared.contact.id, { optedOut: true }, this.clock.now());
      const confirmed: TurnDecision = {
        answered: optOuts.map((message) => message.id),
        unanswered: { ids: [], reason: '' },
        replies: [{ text: campaignTexts.optedOut, origin: 'system', evenWithPerson: true }],
      };
      const rest = prepared.pending.filter((message) => !optOuts.includes(message));
      if (rest.length === 0) return confirmed;
      const decided = await this.decide({ ...prepared, pending: rest }, lock);
      return { ...decided, answered: [...confirmed.answered, ...decided.answered], replies: [...confirmed.replies, ...decided.replies] };
    }
    // A person is answering: the messages are theirs to read; the bot says nothing. (One who takes
    // over later, while the agent runs, is seen when the turn ends: finishTurn drops its replies.)
    if (HUMAN_STATES.includes(prepared.conversation.state as (typeof HUMAN_STATES)[number])) {
      return { answered: [], unanswered: { ids, reason: LEFT_TO_PERSON }, replies: [] };
    }
    // Only a customer is handed to staff: the owner is the staff, and a handoff would silence Aurora for them
    // and put the owner in their own queue.
    if (!prepared.owner && prepared.pending.some((message) => asksForHuman(message.body))) {
      return {
        answered: ids,
        unanswered: { ids: [], reason: '' },
        replies: [{ text: pipelineTexts.handoffRequested, origin: 'system' }],
        handoffReason: 'o cliente pediu um atendente',
        agentState: null,
      };
    }
    // Over the rate limit: the messages wait for the turn the window allows.
    const { admission } = lock;
    if (!admission.admitted) {
      return {
        deferUntil: admission.retryAt,
        answered: [],
        unanswered: { ids: [], reason: '' },
        replies: (await lock.noticeDue()) ? [{ text: pipelineTexts.slowDown, origin: 'system' }] : [],
      };
    }
    const reply = await this.agentFor(prepared).respond({
      context: {
        now: this.clock.now(),
        organization: {
          id: prepared.organization.id,
          name: prepared.organization.name,
          timezone: prepared.organization.timezone,
          businessHours: prepared.organization.businessHours,
          minimumNoticeMin: prepared.organization.minimumNoticeMin,
        },
        contact: prepared.contact,
        conversation: { id: prepared.conversation.id, agentState: prepared.conversation.agentState },
        ...prepared.context,
      },
      messages: prepared.pending.map((message) => ({ id: message.id, type: message.type, text: message.body, receivedAt: message.createdAt })),
    });
    // Counted once the agent answered: an attempt that failed is retried (and at last apologised for), and a
    // customer must not meet the rate limit's notice because our agent failed.
    lock.useSlot();
    return {
      answered: ids,
      unanswered: { ids: [], reason: '' },
      replies: replyTexts(reply).map((text): TurnReply => ({ text, origin: 'agent' })),
      agentState: reply.agentState,
      handoffReason: reply.handoff?.reason,
      audit: reply.audit,
    };
  }

  private agentFor(prepared: PreparedTurn): ConversationAgent {
    return prepared.owner ? this.ownerAgent : this.clientAgent;
  }

  /** Last statement: replies stored with the messages they answer; then the send jobs and the events. */
  private async finish(prepared: PreparedTurn, decision: TurnDecision): Promise<void> {
    const now = this.clock.now();
    const { organization, contact, conversation } = prepared;
    const { deferUntil, ...decided } = decision;
    const { replyIds, handedOver, leftToPerson } = await this.inbound.finishTurn({
      ...decided,
      organizationId: organization.id,
      turnId: prepared.turnId,
      instanceId: prepared.instanceId,
      remotePhone: contact.phone,
      contactId: contact.id,
      conversationId: conversation.id,
      now,
    });
    if (leftToPerson) {
      const dropped = decision.replies.length - replyIds.length;
      this.logger.log({ organizationId: organization.id, conversationId: conversation.id, dropped }, 'turn left to a person who took over');
    }
    if (deferUntil !== undefined) await this.scheduleDeferred(prepared, deferUntil);
    if (replyIds.length > 0) {
      // Stored already: if Redis does not take the jobs now, the sweeper sends them later.
      await this.queues.tryEnqueueBulk(
        'outbound',
        'send',
        replyIds.map((id) => ({ payload: { messageId: id, organizationId: organization.id }, options: outboundJobOptions(id) })),
      );
    }
    if (handedOver) {
      this.realtime.publish(organization.id, 'handoff:requested', {
        instanceId: prepared.instanceId,
        conversationId: conversation.id,
        contactId: contact.id,
        customerPhone: contact.phone,
        reason: decision.handoffReason ?? '',
        at: now.toISOString(),
      });
      this.conversationEvents.changed(
        [
          {
            organizationId: organization.id,
            instanceId: prepared.instanceId,
            id: conversation.id,
            contactId: contact.id,
            customerPhone: contact.phone,
            state: 'waiting_human',
            handoffReason: decision.handoffReason ?? null,
          },
        ],
        'handoff',
        now,
      );
    }
  }

  /** The turn the rate limit allows: a delayed job for the contact's last waiting message. */
  private async scheduleDeferred(prepared: PreparedTurn, at: Date): Promise<void> {
    const last = prepared.pending[prepared.pending.length - 1];
    const delay = Math.max(0, at.getTime() - Date.now()) + DEFERRED_TURN_SLACK_MS;
    await this.queues.tryEnqueue(
      'inbound',
      'turn',
      { messageId: last.id, organizationId: prepared.organization.id, remotePhone: prepared.contact.phone },
      // One deferred turn per contact and window, however many messages arrive meanwhile.
      { ...inboundJobOptions(last.id), jobId: `deferred-${prepared.contact.id}-${at.getTime()}`, delay },
    );
  }

  /** `message:received` once per message: only those this turn is the first to see. */
  private announce(prepared: PreparedTurn): void {
    for (const message of prepared.pending) {
      if (message.status !== 'received') continue;
      this.realtime.publish(prepared.organization.id, 'message:received', {
        instanceId: message.instanceId,
        messageId: message.id,
        conversationId: prepared.conversation.id,
        contactId: prepared.contact.id,
        from: prepared.contact.phone,
        pushName: message.pushName,
        type: message.type,
        text: message.body,
        at: message.createdAt.toISOString(),
      });
    }
  }
}

function replyTexts(reply: AgentReply): string[] {
  return reply.texts.map((text) => text.trim()).filter((text) => text !== '');
}
