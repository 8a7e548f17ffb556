import { eq } from 'drizzle-orm';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { campaignTexts } from '../src/campaigns/campaigns.pt-br.js';
import { DATABASE, type Database } from '../src/database/database.js';
import { conversations } from '../src/database/schema.js';
import { CLIENT_AGENT, type ConversationAgent, OWNER_AGENT } from '../src/messaging/conversation-agent.js';
import { InboundSweeper } from '../src/messaging/inbound-sweeper.js';
import { MessagesRepository } from '../src/whatsapp/messages.repository.js';
import { type ChattingApp, customerChat, customerPhones, startChattingApp } from './support/chatting-app.js';
import { sleep, waitFor } from './support/processes.js';
import { createChattingShop, type TestShop } from './support/shop.js';

const ADMIN_KEY = 'admin-key-for-conversation-tests-0123456789';
/** Long enough for a late reply or event to show up, were there one. */
const SETTLE_MS = 1200;
const OWNER = '5511900000099';

/** Conversations and the human handoff as staff and owners meet them, on the sandbox transport. */
describe('conversations and the human handoff', () => {
  let server: ChattingApp;
  let shop: TestShop;
  let socket: Socket;
  const events: { name: string; payload: Record<string, unknown> }[] = [];

  const newCustomer = customerPhones('55119720000');
  const { api, write, say, sentTo, inboundRows, conversationOf } = customerChat(() => ({ server, shop }));

  beforeAll(async () => {
    server = await startChattingApp('conversations', {
      ADMIN_API_KEY: ADMIN_KEY,
      // A failing agent's retries are turns too: the per-contact limit is not what these tests check.
      INBOUND_RATE_LIMIT_PER_MINUTE: '120',
    });
    shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { ownerNumbers: [`+${OWNER}`] });
    socket = io(server.baseUrl, { auth: { token: shop.key }, transports: ['websocket'] });
    socket.onAny((name: string, payload: Record<string, unknown>) => events.push({ name, payload }));
    await waitFor(() => socket.connected, 5000);
  }, 60_000);

  afterAll(async () => {
    socket?.disconnect();
    await server?.close();
  });

  /** Staff close the customer's conversation while the bot answers `text` (a model takes seconds); the answer then goes out. */
  async function closeWhileAnswering(phone: string, text: string): Promise<void> {
    const clientAgent = server.app.get<ConversationAgent>(CLIENT_AGENT);
    const respond = clientAgent.respond.bind(clientAgent);
    const conversation = await conversationOf(phone);
    const replies = sentTo(phone).length;
    let answer!: () => void;
    const held = new Promise<void>((resolve) => (answer = resolve));
    let answering = false;
    clientAgent.respond = async (input) => {
      answering = true;
      await held;
      return respond(input);
    };
    try {
      await write(phone, text);
      await waitFor(() => answering, 10_000);
      expect((await api('POST', `/api/conversations/${conversation!.id}/close`)).body.state).toBe('closed');
      answer();
      await waitFor(() => sentTo(phone).length === replies + 1, 10_000);
    } finally {
      clientAgent.respond = respond;
    }
  }

  /** Holds the next message the outbound worker reads for sending (and only it) until `leave`. */
  function holdNextSend() {
    const repository = server.app.get(MessagesRepository);
    const findForSend = repository.findForSend.bind(repository);
    let leave!: () => void;
    const left = new Promise<void>((resolve) => (leave = resolve));
    const send = {
      held: undefined as string | undefined,
      leave,
      restore: () => {
        leave();
        repository.findForSend = findForSend;
      },
    };
    repository.findForSend = async (organizationId, messageId) => {
      if (send.held === undefined || send.held === messageId) {
        send.held = messageId;
        await left;
      }
      return findForSend(organizationId, messageId);
    };
    return send;
  }

  const handoffsOf = (phone: string) => events.filter(({ name, payload }) => name === 'handoff:requested' && payload.customerPhone === `+${phone}`);

  it('keeps an owner who writes "atendente" or whose turns all fail with Aurora: no handoff, no event, not in the staff queue', async () => {
    const ownerAgent = server.app.get<ConversationAgent>(OWNER_AGENT);
    const respond = ownerAgent.respond.bind(ownerAgent);
    try {
      await write(OWNER, 'atendente');
      await waitFor(() => sentTo(OWNER).length === 1, 10_000);
      // Aurora answers: the owner is the staff a handoff would call.
      expect(sentTo(OWNER)[0].text).not.toContain('equipe');
      expect(await conversationOf(OWNER)).toMatchObject({ agent: 'aurora', state: 'bot' });

      // The owner's agent failing on every attempt: an apology, still with Aurora.
      ownerAgent.respond = () => Promise.reject(new Error('aurora down'));
      await write(OWNER, 'quanto faturamos hoje?');
      await waitFor(() => sentTo(OWNER).length === 2, 40_000);
      expect(sentTo(OWNER)[1].text).toContain('Tente de novo');
      expect(await conversationOf(OWNER)).toMatchObject({ agent: 'aurora', state: 'bot' });
      const queue = await api('GET', '/api/conversations?state=waiting_human&limit=200');
      expect(queue.body.data.map((item: { contactPhone: string }) => item.contactPhone)).not.toContain(`+${OWNER}`);
      await sleep(SETTLE_MS);
      expect(handoffsOf(OWNER)).toEqual([]);
    } finally {
      ownerAgent.respond = respond;
    }
  }, 60_000);
  it('keeps why the customer asked for a person when staff take the conversation over, and forgets it once released', async () => {
    const phone = newCustomer();
    await write(phone, 'atendente');
    await waitFor(async () => (await conversationOf(phone))?.state === 'waiting_human', 10_000);
    const conversation = await conversationOf(phone);
    const waiting = await api('GET', `/api/conversations/${conversation!.id}`);
    expect(waiting.body.handoffReason).toBe('o cliente pediu um atendente');

    const taken = await api('POST', `/api/conversations/${conversation!.id}/take-over`);
    expect(taken.body).toMatchObject({ state: 'human', handoffReason: 'o cliente pediu um atendente' });
    expect((await api('GET', `/api/conversations/${conversation!.id}`)).body.handoffReason).toBe('o cliente pediu um atendente');

    const released = await api('POST', `/api/conversations/${conversation!.id}/release`);
    expect(released.body).toMatchObject({ state: 'bot', handoffReason: null });
  });
  it('restarts the handoff timeout when staff take over a conversation a person already holds', async () => {
    const phone = newCustomer();
    await write(phone, 'atendente');
    await waitFor(async () => (await conversationOf(phone))?.state === 'waiting_human', 10_000);
    const conversation = await conversationOf(phone);
    expect((await api('POST', `/api/conversations/${conversation!.id}/take-over`)).body.state).toBe('human');
    // Held with no word from staff for longer than the timeout...
    const database = server.app.get<Database>(DATABASE);
    const pastTheTimeout = () => new Date(Date.now() - server.config.inbound.handoffTimeoutMs - 60_000);
    await database.systemDb.update(conversations).set({ stateChangedAt: pastTheTimeout(), staffActiveAt: pastTheTimeout() }).where(eq(conversations.id, conversation!.id));
    // ...then someone opens it and takes it over: it is theirs from now, not the bot's at the next sweep.
    const again = await api('POST', `/api/conversations/${conversation!.id}/take-over`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ state: 'human', handoffReason: 'o cliente pediu um atendente' });
    await server.app.get(InboundSweeper).sweep();
    expect((await conversationOf(phone))?.state).toBe('human');
    // Left alone past the timeout after that, it goes back to the bot as before.
    await database.systemDb.update(conversations).set({ stateChangedAt: pastTheTimeout(), staffActiveAt: pastTheTimeout() }).where(eq(conversations.id, conversation!.id));
    await server.app.get(InboundSweeper).sweep();
    expect((await conversationOf(phone))?.state).toBe('bot');
  });

  it("starts a closed conversation over when it reopens, even when staff closed it while the bot was answering", async () => {
    const phone = newCustomer();
    expect((await say(phone, 'oi'))[0]).toContain('Bem-vindo');
    await closeWhileAnswering(phone, '1');
    expect((await conversationOf(phone))?.state).toBe('closed');

    // Days later, "2" is the menu's second option, as for a new customer, not the second service of the booking the
    // closed conversation had begun.
    const newcomer = newCustomer();
    const [asNewcomer] = await say(newcomer, '2');
    expect(await say(phone, '2')).toEqual([asNewcomer]);
    expect(await conversationOf(phone)).toMatchObject({ state: 'bot' });
  });
  it("shows staff who is waiting and what they last wrote: the queue and every conversation answer carry the contact and the last message", async () => {
    const phone = newCustomer();
    await say(phone, 'oi');
    await write(phone, 'atendente');
    await waitFor(async () => (await conversationOf(phone))?.state === 'waiting_human', 10_000);
    await write(phone, 'meu cachorro está com a pata machucada, alguém pode me ligar?');
    await waitFor(async () => (await inboundRows(phone)).every((row) => row.status === 'processed'), 10_000);

    const queue = await api('GET', '/api/conversations?state=waiting_human&limit=200');
    const waiting = queue.body.data.find((item: { contactPhone: string }) => item.contactPhone === `+${phone}`);
    expect(waiting).toMatchObject({
      contactName: 'Cliente',
      state: 'waiting_human',
      handoffReason: 'o cliente pediu um atendente',
      lastMessage: {
        direction: 'inbound',
        origin: 'customer',
        type: 'text',
        text: 'meu cachorro está com a pata machucada, alguém pode me ligar?',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
    });

    // The conversation itself and the answer to a take-over name the customer too (a dashboard shows it as it is).
    const expected = { contactPhone: `+${phone}`, contactName: 'Cliente', lastMessage: waiting.lastMessage };
    expect((await api('GET', `/api/conversations/${waiting.id}`)).body).toMatchObject({ ...expected, state: 'waiting_human' });
    expect((await api('POST', `/api/conversations/${waiting.id}/take-over`)).body).toMatchObject({ ...expected, state: 'human' });
    expect((await api('POST', `/api/conversations/${waiting.id}/take-over`)).body).toMatchObject({ ...expected, state: 'human' });

    const staff = await api('POST', '/api/whatsapp/send/text', { instanceId: shop.instanceId, to: phone, text: 'Oi! Te ligo em 5 minutos.' });
    expect(staff.status).toBe(202);
    const afterReply = await api('GET', `/api/conversations/${waiting.id}`);
    expect(afterReply.body.lastMessage).toMatchObject({ direction: 'outbound', origin: 'api', text: 'Oi! Te ligo em 5 minutos.' });
  });
  it('hands a customer to staff who asked for a person while staff closed the conversation: the promise sent is kept', async () => {
    const phone = newCustomer();
    expect((await say(phone, 'oi'))[0]).toContain('5. Falar com atendente');
    // The menu's "talk to a person", being answered when staff close the conversation.
    await closeWhileAnswering(phone, '5');
    // The customer was told a person would come: they are in the queue, and staff were told once.
    expect(await conversationOf(phone)).toMatchObject({ state: 'waiting_human' });
    await waitFor(() => handoffsOf(phone).length === 1, 5000);
    await sleep(SETTLE_MS);
    expect(handoffsOf(phone)).toHaveLength(1);
  });

  it("does not send the assistant's reply queued before staff took the conversation over: it shows why, and staff's message goes", async () => {
    const phone = newCustomer();
    await say(phone, 'oi');
    const conversation = await conversationOf(phone);
    // The assistant's reply is stored and queued; staff take the conversation over before it leaves.
    const send = holdNextSend();
    const replies = sentTo(phone).length;
    try {
      await write(phone, '1');
      await waitFor(() => send.held !== undefined, 10_000);
      expect((await api('POST', `/api/conversations/${conversation!.id}/take-over`)).body.state).toBe('human');
      // Staff write at once: their message waits for the earlier one, then goes.
      expect((await api('POST', '/api/whatsapp/send/text', { instanceId: shop.instanceId, to: phone, text: 'Oi! Aqui é a Ana, posso ajudar?' })).status).toBe(202);
      send.leave();
      await waitFor(() => sentTo(phone).length > replies, 10_000);
    } finally {
      send.restore();
    }
    await sleep(SETTLE_MS);
    expect(sentTo(phone).slice(replies).map((message) => message.text)).toEqual(['Oi! Aqui é a Ana, posso ajudar?']);
    const history = await api('GET', `/api/conversations/${conversation!.id}/messages`);
    expect(history.body.data.find((message: { id: string }) => message.id === send.held)).toMatchObject({
      direction: 'outbound',
      origin: 'agent',
      status: 'failed',
      error: 'not sent: a person took the conversation over',
    });
    // With the person still answering, what the customer is owed whoever answers still goes: the opt-out's confirmation.
    expect(await say(phone, 'SAIR')).toEqual([campaignTexts.optedOut]);
  });

  it("shows in the queue what the customer last got: not the assistant's reply a take-over held back", async () => {
    const phone = newCustomer();
    await say(phone, 'oi');
    const conversation = await conversationOf(phone);
    const send = holdNextSend();
    try {
      await write(phone, '1');
      await waitFor(() => send.held !== undefined, 10_000);
      await api('POST', `/api/conversations/${conversation!.id}/take-over`);
      send.leave();
      await waitFor(async () => (await api('GET', `/api/conversations/${conversation!.id}/messages`)).body.data[0].status === 'failed', 10_000);
    } finally {
      send.restore();
    }
    // The customer's "1" waits for the person; the reply they never got is no preview of the conversation.
    expect((await api('GET', '/api/conversations?state=human&limit=200')).body.data.find((item: { id: string }) => item.id === conversation!.id).lastMessage).toMatchObject({
      direction: 'inbound',
      origin: 'customer',
      text: '1',
    });
  });

  it("tells staff screens when a customer's message gives the conversation back to the bot: closed, or left with a person past the timeout", async () => {
    const phone = newCustomer();
    const changes = () =>
      events
        .filter(({ name, payload }) => name === 'conversation:updated' && payload.customerPhone === `+${phone}`)
        .map(({ payload }) => [payload.cause, payload.state, payload.handoffReason]);
    await say(phone, 'oi');
    const conversation = await conversationOf(phone);
    await api('POST', `/api/conversations/${conversation!.id}/close`);
    // The customer writes again: the screen showing the conversation closed must see it with the bot.
    await say(phone, 'oi de novo');
    await waitFor(() => changes().length === 2, 10_000);
    expect(events.filter(({ name, payload }) => name === 'conversation:updated' && payload.customerPhone === `+${phone}`)[1].payload).toEqual({
      instanceId: shop.instanceId,
      conversationId: conversation!.id,
      contactId: conversation!.contactId,
      customerPhone: `+${phone}`,
      state: 'bot',
      handoffReason: null,
      cause: 'reopened',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    // Handed to a person, then left past the timeout: the customer's message finds it before the sweeper does.
    await write(phone, 'atendente');
    await waitFor(() => changes().length === 3, 10_000);
    const long = new Date(Date.now() - server.config.inbound.handoffTimeoutMs - 60_000);
    await server.app.get<Database>(DATABASE).systemDb.update(conversations).set({ stateChangedAt: long }).where(eq(conversations.id, conversation!.id));
    await say(phone, 'oi, ainda estou aqui');
    await waitFor(() => changes().length === 4, 10_000);
    // A message to a conversation already with the bot changes nothing: nothing to tell.
    await say(phone, 'obrigado');
    await sleep(SETTLE_MS);
    expect(changes()).toEqual([
      ['close', 'closed', null],
      ['reopened', 'bot', null],
      ['handoff', 'waiting_human', 'o cliente pediu um atendente'],
      ['timeout', 'bot', null],
    ]);
  });

  it('tells staff screens of every change of state: the handoff, a staff reply, release, take-over, close and the timeout', async () => {
    const phone = newCustomer();
    const changes = () =>
      events
        .filter(({ name, payload }) => name === 'conversation:updated' && payload.customerPhone === `+${phone}`)
        .map(({ payload }) => [payload.cause, payload.state, payload.handoffReason]);
    await write(phone, 'atendente');
    await waitFor(() => changes().length === 1, 10_000);
    const conversation = await conversationOf(phone);
    expect(events.find(({ name, payload }) => name === 'conversation:updated' && payload.customerPhone === `+${phone}`)?.payload).toEqual({
      instanceId: shop.instanceId,
      conversationId: conversation!.id,
      contactId: conversation!.contactId,
      customerPhone: `+${phone}`,
      state: 'waiting_human',
      handoffReason: 'o cliente pediu um atendente',
      cause: 'handoff',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });

    expect((await api('POST', '/api/whatsapp/send/text', { instanceId: shop.instanceId, to: phone, text: 'Oi! Aqui é a Ana.' })).status).toBe(202);
    await waitFor(() => changes().length === 2, 10_000);
    // A second staff message changes no state: nothing to tell.
    expect((await api('POST', '/api/whatsapp/send/text', { instanceId: shop.instanceId, to: phone, text: 'Já te ligo.' })).status).toBe(202);
    await api('POST', `/api/conversations/${conversation!.id}/release`);
    await api('POST', `/api/conversations/${conversation!.id}/release`); // already with the bot: no change
    await api('POST', `/api/conversations/${conversation!.id}/take-over`);
    await api('POST', `/api/conversations/${conversation!.id}/close`);
    await api('POST', `/api/conversations/${conversation!.id}/take-over`);
    // Left with a person past the handoff timeout: the sweeper gives it back to the bot.
    const long = new Date(Date.now() - server.config.inbound.handoffTimeoutMs - 60_000);
    await server.app.get<Database>(DATABASE).systemDb.update(conversations).set({ stateChangedAt: long, staffActiveAt: long }).where(eq(conversations.id, conversation!.id));
    await server.app.get(InboundSweeper).sweep();
    await waitFor(() => changes().length === 7, 10_000);
    await sleep(SETTLE_MS);
    expect(changes()).toEqual([
      ['handoff', 'waiting_human', 'o cliente pediu um atendente'],
      ['staff-reply', 'human', 'o cliente pediu um atendente'],
      ['release', 'bot', null],
      ['take-over', 'human', null],
      ['close', 'closed', null],
      ['take-over', 'human', null],
      ['timeout', 'bot', null],
    ]);
  });
});
