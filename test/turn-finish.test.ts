import { and, eq, sql } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AiInteractionsRepository } from '../src/ai/ai-interactions.repository.js';
import { AiTurnRecorder } from '../src/ai/ai-turn-recorder.js';
import { ModelTurn } from '../src/ai/tool-loop.js';
import { campaignTexts } from '../src/campaigns/campaigns.pt-br.js';
import type { PostgresDatabase } from '../src/database/postgres-database.js';
import { aiInteractions, type ConversationState, contacts, conversations, messages } from '../src/database/schema.js';
import { MetricsService } from '../src/metrics/metrics.service.js';
import { InboundRepository, LEFT_TO_PERSON, type TurnEnding } from '../src/messaging/inbound.repository.js';
import { pipelineTexts } from '../src/messaging/pipeline.pt-br.js';
import { openShopDatabase, type ShopDatabase } from './support/postgres.js';
import { waitFor } from './support/processes.js';

/**
 * A turn ends in one statement: the messages it answered, the agent's memory,
 * the handoff and the replies. The handoff is the turn's only while the bot
 * still holds the conversation: a person who took it over first keeps it, and
 * the pipeline then announces no handoff. Nor does the bot answer such a
 * conversation: its replies are dropped (but the opt-out confirmation) and its
 * messages left to the person.
 */
describe("a turn's finish", () => {
  let opened: ShopDatabase;
  let database: PostgresDatabase;
  let repository: InboundRepository;
  let customer = 0;

  beforeAll(async () => {
    // Three connections: a person's transaction, the turn's finish waiting on it, and the test's look at the locks.
    opened = await openShopDatabase('turn_finish', 3, 'Pet Shop');
    database = opened.database;
    repository = new InboundRepository(database);
  });

  afterAll(async () => {
    await opened?.close();
  });

  /** A customer whose conversation is in `state`, with one message waiting for the turn. */
  async function customerIn(state: ConversationState) {
    const { systemDb } = database;
    const { organizationId, instanceId } = opened;
    customer += 1;
    const phone = `+551190000${String(customer).padStart(4, '0')}`;
    const [contact] = await systemDb.insert(contacts).values({ organizationId, phone, instanceId }).returning();
    const [conversation] = await systemDb
      .insert(conversations)
      .values({ organizationId, contactId: contact.id, instanceId, state, agentState: { step: 'menu' } })
      .returning();
    const [waiting] = await systemDb
      .insert(messages)
      .values({ organizationId, instanceId, waMessageId: `W${customer}`, remotePhone: phone, direction: 'inbound', origin: 'customer', type: 'text', body: 'atendente', status: 'processing' })
      .returning();
    return { phone, contact, conversation, waiting };
  }

  function ending(of: Awaited<ReturnType<typeof customerIn>>, changes: Partial<TurnEnding>): TurnEnding {
    return {
      organizationId: opened.organizationId,
      turnId: randomUUID(),
      instanceId: opened.instanceId,
      remotePhone: of.phone,
      contactId: of.contact.id,
      conversationId: of.conversation.id,
      answered: [of.waiting.id],
      unanswered: { ids: [], reason: '' },
      replies: [],
      now: new Date(),
      ...changes,
    };
  }

  async function conversationOf(id: string) {
    const [row] = await database.systemDb.select().from(conversations).where(eq(conversations.id, id));
    return row;
  }

  async function messageOf(id: string) {
    const [row] = await database.systemDb.select().from(messages).where(eq(messages.id, id));
    return row;
  }

  /** The replies stored for the customer (none is stored but through a turn here). */
  async function repliesTo(phone: string) {
    return database.systemDb.select().from(messages).where(and(eq(messages.remotePhone, phone), eq(messages.direction, 'outbound')));
  }

  it('hands a conversation the bot holds to a person, with the replies in order and the memory cleared', async () => {
    const of = await customerIn('bot');
    const turn = ending(of, {
      replies: [
        { text: 'Certo! Vou chamar alguém da nossa equipe.', origin: 'system' },
        { text: 'Enquanto isso, posso ajudar em algo mais?', origin: 'agent' },
      ],
      agentState: null,
      handoffReason: 'o cliente pediu um atendente',
    });

    const { replyIds, handedOver } = await repository.finishTurn(turn);

    expect(handedOver).toBe(true);
    expect(await conversationOf(of.conversation.id)).toMatchObject({ state: 'waiting_human', handoffReason: 'o cliente pediu um atendente', agentState: null });
    const replies = await Promise.all(replyIds.map(async (id) => (await database.systemDb.select().from(messages).where(eq(messages.id, id)))[0]));
    expect(replies.map((reply) => [reply.body, reply.origin, reply.status, reply.turnId])).toEqual([
      ['Certo! Vou chamar alguém da nossa equipe.', 'system', 'queued', turn.turnId],
      ['Enquanto isso, posso ajudar em algo mais?', 'agent', 'queued', turn.turnId],
    ]);
    const [answered] = await database.systemDb.select().from(messages).where(eq(messages.id, of.waiting.id));
    expect(answered).toMatchObject({ status: 'processed', turnId: turn.turnId, conversationId: of.conversation.id });
  });

  it('leaves a conversation a person took over meanwhile with that person, and says it did not hand it over', async () => {
    const of = await customerIn('human');

    const { handedOver } = await repository.finishTurn(ending(of, { handoffReason: 'falha técnica do assistente' }));

    expect(handedOver).toBe(false);
    expect(await conversationOf(of.conversation.id)).toMatchObject({ state: 'human', handoffReason: null });
  });

  it('waits for a person taking the conversation over at the same moment, and leaves it with them', async () => {
    const of = await customerIn('bot');
    let finished: ReturnType<InboundRepository['finishTurn']> | undefined;

    await database.withTenant(opened.organizationId, async (tx) => {
      await tx.update(conversations).set({ state: 'human', stateChangedAt: new Date() }).where(eq(conversations.id, of.conversation.id));
      // The turn ends while the take-over is not yet committed: its statement must wait for it, then see it.
      finished = repository.finishTurn(ending(of, { handoffReason: 'o cliente pediu um atendente' }));
      await waitFor(async () => {
        const result = await database.systemDb.execute(
          sql`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return (result as unknown as { rows: { waiting: number }[] }).rows[0].waiting > 0;
      }, 5_000);
    });

    const { handedOver } = await finished!;
    expect(handedOver).toBe(false);
    expect(await conversationOf(of.conversation.id)).toMatchObject({ state: 'human', handoffReason: null });
  });

  it('stores none of the replies of a turn whose conversation a person holds by its end, and leaves its messages to them', async () => {
    for (const state of ['human', 'waiting_human'] as const) {
      const of = await customerIn(state);
      const turn = ending(of, {
        replies: [
          { text: 'O banho custa R$ 60,00.', origin: 'agent' },
          { text: pipelineTexts.handoffRequested, origin: 'system' },
        ],
        agentState: { step: 'choose-day' },
        handoffReason: 'o cliente pediu um atendente',
      });

      const finished = await repository.finishTurn(turn);

      expect(finished, state).toEqual({ replyIds: [], handedOver: false, leftToPerson: true });
      expect(await repliesTo(of.phone), state).toEqual([]);
      expect(await messageOf(of.waiting.id), state).toMatchObject({ status: 'processed', error: LEFT_TO_PERSON, turnId: null, conversationId: of.conversation.id });
      expect(await conversationOf(of.conversation.id), state).toMatchObject({ state, handoffReason: null, agentState: { step: 'menu' } });
    }
  });

  it('waits for a person taking the conversation over while the agent answers, then stores none of its replies', async () => {
    const of = await customerIn('bot');
    let finished: ReturnType<InboundRepository['finishTurn']> | undefined;

    await database.withTenant(opened.organizationId, async (tx) => {
      await tx.update(conversations).set({ state: 'human', stateChangedAt: new Date() }).where(eq(conversations.id, of.conversation.id));
      // The agent's answer arrives while the take-over is not yet committed: the finish must wait for it, then see it.
      finished = repository.finishTurn(ending(of, { replies: [{ text: 'O banho custa R$ 60,00.', origin: 'agent' }], agentState: { step: 'choose-day' } }));
      await waitFor(async () => {
        const result = await database.systemDb.execute(
          sql`SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
        );
        return (result as unknown as { rows: { waiting: number }[] }).rows[0].waiting > 0;
      }, 5_000);
    });

    expect(await finished!).toEqual({ replyIds: [], handedOver: false, leftToPerson: true });
    expect(await repliesTo(of.phone)).toEqual([]);
    expect(await messageOf(of.waiting.id)).toMatchObject({ status: 'processed', error: LEFT_TO_PERSON, turnId: null });
    expect(await conversationOf(of.conversation.id)).toMatchObject({ state: 'human', agentState: { step: 'menu' } });
  });

  it('still stores the opt-out confirmation for a conversation a person holds, as the answer to the message', async () => {
    const of = await customerIn('human');
    const turn = ending(of, { replies: [{ text: campaignTexts.optedOut, origin: 'system', evenWithPerson: true }] });

    const { replyIds, leftToPerson } = await repository.finishTurn(turn);

    expect(leftToPerson).toBe(false);
    expect(replyIds).toHaveLength(1);
    expect(await messageOf(replyIds[0])).toMatchObject({ body: campaignTexts.optedOut, origin: 'system', status: 'queued', turnId: turn.turnId });
    expect(await messageOf(of.waiting.id)).toMatchObject({ status: 'processed', error: null, turnId: turn.turnId });
  });

  it("keeps the agent's memory when the turn gives none, and saves it when it does", async () => {
    const kept = await customerIn('bot');
    await repository.finishTurn(ending(kept, { replies: [{ text: 'Olá!', origin: 'agent' }] }));
    expect(await conversationOf(kept.conversation.id)).toMatchObject({ state: 'bot', agentState: { step: 'menu' } });

    const saved = await customerIn('bot');
    await repository.finishTurn(ending(saved, { agentState: { step: 'choose-day', serviceId: 'banho' } }));
    expect(await conversationOf(saved.conversation.id)).toMatchObject({ state: 'bot', agentState: { step: 'choose-day', serviceId: 'banho' } });
  });

  it("stores the agent's audit row with the turn, without the NUL characters PostgreSQL cannot hold", async () => {
    const of = await customerIn('bot');
    const recorder = new AiTurnRecorder(new AiInteractionsRepository(database), new MetricsService());
    const run = new ModelTurn('gpt-test');
    run.rounds = 2;
    run.promptTokens = 812;
    run.completionTokens = 64;
    run.toolCalls.push({ name: 'find_free_slots', arguments: { day: 'amanhã\u0000' }, ok: true, result: { slots: ['10:00'] }, durationMs: 12 });
    const audit = recorder.account({ agent: 'client', turn: run, outcome: 'answered', error: 'nada\u0000', startedAt: performance.now() });

    await repository.finishTurn(ending(of, { replies: [{ text: 'Temos 10:00 amanhã.', origin: 'agent' }], audit }));

    const rows = await database.systemDb.select().from(aiInteractions).where(eq(aiInteractions.conversationId, of.conversation.id));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      organizationId: opened.organizationId,
      contactId: of.contact.id,
      agent: 'client',
      model: 'gpt-test',
      outcome: 'answered',
      rounds: 2,
      promptTokens: 812,
      completionTokens: 64,
      toolCalls: [{ name: 'find_free_slots', arguments: { day: 'amanhã' }, ok: true, result: { slots: ['10:00'] }, durationMs: 12 }],
      error: 'nada',
    });
  });

  it("marks messages left for a person with the reason, not as answered by the turn", async () => {
    const of = await customerIn('human');

    await repository.finishTurn(ending(of, { answered: [], unanswered: { ids: [of.waiting.id], reason: LEFT_TO_PERSON } }));

    const [message] = await database.systemDb.select().from(messages).where(eq(messages.id, of.waiting.id));
    expect(message).toMatchObject({ status: 'processed', error: LEFT_TO_PERSON, turnId: null, conversationId: of.conversation.id });
  });
});
