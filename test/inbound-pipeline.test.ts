import { eq } from 'drizzle-orm';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversations, messages } from '../src/database/schema.js';
import { campaignTexts } from '../src/campaigns/campaigns.pt-br.js';
import { CLIENT_AGENT, type ConversationAgent } from '../src/messaging/conversation-agent.js';
import { InboundRepository, LEFT_TO_PERSON } from '../src/messaging/inbound.repository.js';
import { pipelineTexts } from '../src/messaging/pipeline.pt-br.js';
import { inboundJobOptions } from '../src/messaging/inbound-jobs.js';
import { SWEEP_BATCH } from '../src/messaging/inbound-sweeper.js';
import { outboundJobOptions } from '../src/whatsapp/outbound/outbound.service.js';
import { addDays, localDate, zonedInstant } from '../src/booking/zoned-time.js';
import { MEDIA_STORE, type MediaStore } from '../src/media/media-store.js';
import { request } from './support/app.js';
import { type ChattingApp, customerChat, customerPhones, startChattingApp } from './support/chatting-app.js';
import { sleep, waitFor } from './support/processes.js';
import { createChattingShop, type TestShop } from './support/shop.js';

const ADMIN_KEY = 'admin-key-for-inbound-tests-0123456789';
const SAO_PAULO = 'America/Sao_Paulo';
/** Long enough for a second reply or a duplicate row to show up, were there one. */
const SETTLE_MS = 1200;

describe('inbound pipeline on the sandbox transport', () => {
  let server: ChattingApp;
  let shop: TestShop;

  const newCustomer = customerPhones('55119700000');
  const { api, write, writeInGroup, sentTo, inboundRows, conversationOf } = customerChat(() => ({ server, shop }));

  beforeAll(async () => {
    server = await startChattingApp('inbound', {
      ADMIN_API_KEY: ADMIN_KEY,
      INBOUND_SWEEP_INTERVAL_MS: '1000',
      INBOUND_SWEEP_AFTER_MS: '2000',
      // Group chats stored (never answered), so a test can check they stay out of a customer's own conversation.
      INBOUND_IGNORE_GROUPS: 'false',
    });
    // The second owner registered with the ninth digit; their WhatsApp account predates it.
    shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { ownerNumbers: ['+5511900000099', '+5511987650099'] });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('stores and answers a message with NUL characters in its text and push name, without them (PostgreSQL cannot store them)', async () => {
    const phone = newCustomer();
    // Straight to the socket, as WhatsApp delivers it: the REST routes refuse a NUL before it gets this far.
    await server.sandbox.inboundAcknowledged(shop.instanceId, { from: phone, text: 'o\u0000i', pushName: 'Jo\u0000ana' });
    await waitFor(() => sentTo(phone).length > 0, 10_000);
    expect(await inboundRows(phone)).toEqual([expect.objectContaining({ body: 'oi', pushName: 'Joana', status: 'processed' })]);
  });

  it('stores and answers a message WhatsApp delivers three times once', async () => {
    const phone = newCustomer();
    for (let delivery = 0; delivery < 3; delivery += 1) expect((await write(phone, 'oi', { messageId: 'DUPLICATE0001' })).status).toBe(200);
    await waitFor(() => sentTo(phone).length > 0, 10_000);
    await sleep(SETTLE_MS);

    const rows = await inboundRows(phone);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ waMessageId: 'DUPLICATE0001', status: 'processed', pushName: 'Cliente', type: 'text', body: 'oi' });
    expect(sentTo(phone)).toHaveLength(1);
    expect(sentTo(phone)[0].text).toContain('Pet Shop Teste');
    // Without a key, the first answer says once that only the menu is answering.
    expect(sentTo(phone)[0].text).toContain('Desculpe: no momento estou atendendo só pelo menu automático');

    const contact = await api('GET', `/api/contacts?q=${phone}`);
    expect(contact.body.data).toEqual([expect.objectContaining({ phone: `+${phone}`, name: 'Cliente', instanceId: shop.instanceId })]);

    // Without an OpenAI key the menu answered, and the turn is on record as such.
    const conversation = await conversationOf(phone);
    const audit = await api('GET', `/api/ai-interactions?conversationId=${conversation!.id}`);
    expect(audit.body.data).toEqual([expect.objectContaining({ agent: 'client', outcome: 'offline', model: null, rounds: 0, toolCalls: [] })]);
  });

  it('stores and answers 40 customers writing at once, each once, with a repeat delivered during the burst stored once', async () => {
    const phones = Array.from({ length: 40 }, () => newCustomer());
    const deliver = (phone: string, index: number) =>
      server.sandbox.inboundAcknowledged(shop.instanceId, { from: phone, text: 'oi', pushName: 'Cliente', messageId: `BURST${String(index).padStart(8, '0')}` });
    // Delivered in one go, as a socket's frames would: they are stored and queued a batch at a time.
    await Promise.all([...phones.map(deliver), deliver(phones[0], 0)]);
    await waitFor(() => phones.every((phone) => sentTo(phone).length > 0), 20_000);
    await sleep(SETTLE_MS);

    for (const phone of phones) {
      expect(await inboundRows(phone)).toEqual([expect.objectContaining({ status: 'processed', body: 'oi', pushName: 'Cliente' })]);
      expect(sentTo(phone)).toHaveLength(1);
      expect(sentTo(phone)[0].text).toContain('Pet Shop Teste');
    }
  });

  it('stores a photo the customer sends, with its caption and its bytes in the media store', async () => {
    const phone = newCustomer();
    const photo = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
    const sent = await api('POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, {
      from: phone,
      text: 'o Rex depois do banho',
      media: { kind: 'image', base64: photo.toString('base64'), mimetype: 'image/png' },
    });
    expect(sent.status).toBe(200);
    await waitFor(async () => (await inboundRows(phone))[0]?.mediaRef != null, 10_000);
    const [row] = await inboundRows(phone);
    expect(row).toMatchObject({ type: 'image', body: 'o Rex depois do banho', mediaMimetype: 'image/png', error: null });
    expect(await server.app.get<MediaStore>(MEDIA_STORE).get(row.mediaRef!)).toEqual(photo);

    const invalid = await api('POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, { from: phone, media: { kind: 'video', base64: 'x', mimetype: 'nope' } });
    expect(invalid.status).toBe(400);
    expect(invalid.body.message).toContain('media.kind must be one of image, audio, document');

    // null media is none: a text message (it once was a 500).
    const textOnly = newCustomer();
    const withNullMedia = await api('POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, { from: textOnly, text: 'oi', media: null });
    expect(withNullMedia.status).toBe(200);
    await waitFor(async () => (await inboundRows(textOnly)).length === 1, 10_000);
    expect((await inboundRows(textOnly))[0]).toMatchObject({ type: 'text', body: 'oi', mediaRef: null });
  });

  it("gives staff a message's stored media through the API, and says why when there is none", async () => {
    const phone = newCustomer();
    const audio = Buffer.from('OggS fake voice note bytes');
    await api('POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, { from: phone, media: { kind: 'audio', base64: audio.toString('base64'), mimetype: 'audio/ogg; codecs=opus' } });
    await waitFor(async () => (await inboundRows(phone))[0]?.mediaRef != null, 10_000);
    const [row] = await inboundRows(phone);

    const fetchMedia = (id: string, token = shop.key) => fetch(`${server.baseUrl}/api/messages/${id}/media`, { headers: { authorization: `Bearer ${token}` } });
    const served = await fetchMedia(row.id);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('audio/ogg; codecs=opus');
    expect(served.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await served.arrayBuffer())).toEqual(audio);

    // Another organization's message is not there at all; a text has no media, and the answer says so.
    // An organization of its own is enough here (no instance to wait for).
    const other = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Outra loja' } });
    const foreign = await fetchMedia(row.id, other.body.apiKey.key as string);
    expect(foreign.status).toBe(404);
    expect(await foreign.json()).toMatchObject({ code: 'not_found' });
    await write(phone, 'oi');
    await waitFor(async () => (await inboundRows(phone)).length === 2, 10_000);
    const text = (await inboundRows(phone)).find((message) => message.type === 'text')!;
    const none = await fetchMedia(text.id);
    expect(none.status).toBe(404);
    expect(await none.json()).toMatchObject({ code: 'media_not_available', details: { reason: 'it is a text message' } });
  });

  it('keeps the note a turn left on a message whose media came after it, and adds a failed download to that note', async () => {
    const phone = newCustomer();
    await write(phone, 'foto do Rex');
    await write(phone, 'e do Thor');
    await waitFor(async () => (await inboundRows(phone)).length === 2, 10_000);
    const [first, second] = await inboundRows(phone);
    // As a turn that took them before their media was stored leaves them when a person has the conversation.
    await server.db.systemDb.update(messages).set({ error: LEFT_TO_PERSON }).where(eq(messages.remotePhone, `+${phone}`));
    const repository = server.app.get(InboundRepository);
    await repository.setMedia(shop.organizationId, first.id, `local:${shop.organizationId}/${first.id}`, null);
    await repository.setMedia(shop.organizationId, second.id, null, 'media download failed: the CDN copy expired');
    expect((await inboundRows(phone)).map((row) => [row.mediaRef, row.error])).toEqual([
      [`local:${shop.organizationId}/${first.id}`, LEFT_TO_PERSON],
      [null, `${LEFT_TO_PERSON}; media download failed: the CDN copy expired`],
    ]);
  });

  it('stores and answers a document over MEDIA_MAX_BYTES without fetching it, saying why its media is missing', async () => {
    const phone = newCustomer();
    // 16 MiB + 1: one byte over the default limit. Straight to the socket: the REST route bounds its body lower.
    const huge = Buffer.alloc(16 * 1024 * 1024 + 1);
    await server.sandbox.inboundAcknowledged(shop.instanceId, { from: phone, text: 'raio-x do Rex', media: { kind: 'document', data: huge, mimetype: 'application/pdf', fileName: 'raiox.pdf' } });
    await waitFor(() => sentTo(phone).length > 0, 10_000);
    const [row] = await inboundRows(phone);
    expect(row).toMatchObject({ type: 'document', body: 'raio-x do Rex', mediaRef: null, status: 'processed' });
    expect(row.error).toBe('media over MEDIA_MAX_BYTES (16777216 bytes): 16777217 bytes: not downloaded');
  });

  it('takes at most 5 turns a minute per contact, sends one notice, and answers the rest together once the minute allows', async () => {
    const phone = newCustomer();
    // Five messages, each answered by its own turn.
    for (let index = 1; index <= 5; index += 1) {
      await write(phone, `mensagem ${index}`);
      await waitFor(() => sentTo(phone).length === index, 10_000);
    }
    // Three more within the minute: stored, not answered now, one "aguarde".
    for (let index = 6; index <= 8; index += 1) await write(phone, `mensagem ${index}`);
    await waitFor(() => sentTo(phone).some((reply) => reply.text?.includes('Aguarde um instante')), 10_000);
    await sleep(SETTLE_MS);
    const rows = await inboundRows(phone);
    expect(rows).toHaveLength(8);
    expect(new Set(rows.filter((row) => row.status === 'processed').map((row) => row.turnId)).size).toBe(5);
    expect(rows.slice(5).map((row) => [row.body, row.status])).toEqual([
      ['mensagem 6', 'processing'],
      ['mensagem 7', 'processing'],
      ['mensagem 8', 'processing'],
    ]);
    expect(sentTo(phone)).toHaveLength(6);
    expect(sentTo(phone)[5].text).toContain('Aguarde um instante');

    // A minute later (the window's key removed, the deferred turn brought forward): one turn answers the three together.
    const redis = new Redis(server.config.redisUrl);
    try {
      await redis.del(`${server.config.redisPrefix}:turns:${shop.organizationId}:+${phone}`);
    } finally {
      redis.disconnect();
    }
    const deferred = (await server.app.get<Queue>(getQueueToken('inbound')).getDelayed()).filter((job) => job.data.remotePhone === `+${phone}`);
    expect(deferred).toHaveLength(1);
    await deferred[0].promote();
    await waitFor(() => sentTo(phone).length === 7, 10_000);
    const answeredLater = (await inboundRows(phone)).slice(5);
    expect(answeredLater.every((row) => row.status === 'processed')).toBe(true);
    expect(new Set(answeredLater.map((row) => row.turnId)).size).toBe(1);
    expect(sentTo(phone).filter((reply) => reply.text?.includes('Aguarde um instante'))).toHaveLength(1);
  });

  it("does not count a failed turn's attempts against the rate limit: a customer whose agent keeps failing gets the apology, not the notice", async () => {
    const phone = newCustomer();
    await write(phone, 'oi');
    await waitFor(() => sentTo(phone).length === 1, 10_000);
    const agent = server.app.get<ConversationAgent>(CLIENT_AGENT);
    const respond = agent.respond.bind(agent);
    agent.respond = () => Promise.reject(new Error('agent down'));
    try {
      // Five attempts, with BullMQ's backoff between them (1 + 2 + 4 + 8 s), then the apology and a person.
      await write(phone, 'quero agendar banho');
      await waitFor(() => sentTo(phone).length === 2, 40_000);
    } finally {
      agent.respond = respond;
    }
    await sleep(SETTLE_MS);
    expect(sentTo(phone).slice(1).map((reply) => reply.text)).toEqual([pipelineTexts.technicalProblem]);
    expect(await conversationOf(phone)).toMatchObject({ state: 'waiting_human' });
  }, 60_000);

  it('answers what else a customer wrote in the turn they opted out in, after confirming the opt-out', async () => {
    const phone = newCustomer();
    const agent = server.app.get<ConversationAgent>(CLIENT_AGENT);
    const respond = agent.respond.bind(agent);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let answering = false;
    agent.respond = async (input) => {
      if (!answering) {
        answering = true;
        await held;
      }
      return respond(input);
    };
    try {
      await write(phone, 'oi');
      await waitFor(() => answering, 10_000);
      // Written while the first turn runs: the next turn takes both.
      await write(phone, 'SAIR');
      await write(phone, 'quais serviços vocês têm?');
      release();
      await waitFor(() => sentTo(phone).length === 3, 10_000);
    } finally {
      agent.respond = respond;
    }
    await sleep(SETTLE_MS);
    const [, confirmation, answer] = sentTo(phone).map((reply) => reply.text);
    expect(confirmation).toBe(campaignTexts.optedOut);
    expect(answer).toContain('Banho');
    expect(sentTo(phone)).toHaveLength(3);
    expect((await inboundRows(phone)).map((row) => row.status)).toEqual(['processed', 'processed', 'processed']);
  });

  it('hands over on "atendente": waiting_human, one event, a quiet bot, human after a staff reply, the bot again after release', async () => {
    const phone = newCustomer();
    const socket: Socket = io(server.baseUrl, { auth: { token: shop.key }, transports: ['websocket'] });
    const handoffs: { customerPhone: string; reason: string }[] = [];
    const received: { from: string; text: string | null }[] = [];
    socket.on('handoff:requested', (payload: { customerPhone: string; reason: string }) => handoffs.push(payload));
    socket.on('message:received', (payload: { from: string; text: string | null }) => received.push(payload));
    await waitFor(() => socket.connected, 5000);
    try {
      await write(phone, 'oi');
      await waitFor(() => sentTo(phone).length === 1, 10_000);
      await write(phone, 'quero falar com um atendente');
      await waitFor(() => sentTo(phone).length === 2, 10_000);
      expect(sentTo(phone)[1].text).toContain('equipe');
      const conversation = await conversationOf(phone);
      expect(conversation?.state).toBe('waiting_human');
      await waitFor(() => handoffs.length === 1, 5000);
      expect(handoffs[0]).toMatchObject({ customerPhone: `+${phone}`, reason: 'o cliente pediu um atendente' });
      expect(received.filter((event) => event.from === `+${phone}`).map((event) => event.text)).toEqual(['oi', 'quero falar com um atendente']);

      const queue = await api('GET', '/api/conversations?state=waiting_human');
      expect(queue.body.data.map((item: { id: string }) => item.id)).toContain(conversation!.id);

      // Asking again while waiting: stored, no reply, no second event.
      await write(phone, 'atendente');
      await write(phone, 'alô?');
      await waitFor(async () => (await inboundRows(phone)).every((row) => row.status === 'processed'), 10_000);
      await sleep(SETTLE_MS);
      expect(sentTo(phone)).toHaveLength(2);
      expect(handoffs).toHaveLength(1);

      const staff = await api('POST', '/api/whatsapp/send/text', { instanceId: shop.instanceId, to: phone, text: 'Oi, aqui é a Carla!' });
      expect(staff.status).toBe(202);
      await waitFor(async () => (await conversationOf(phone))?.state === 'human', 5000);
      await waitFor(() => sentTo(phone).length === 3, 10_000);

      const released = await api('POST', `/api/conversations/${conversation!.id}/release`);
      expect(released.status).toBe(200);
      expect(released.body.state).toBe('bot');
      expect((await api('POST', `/api/conversations/${conversation!.id}/release`)).body.state).toBe('bot');
      await write(phone, 'menu');
      await waitFor(() => sentTo(phone).length === 4, 10_000);
      expect(sentTo(phone)[3].text).toContain('Pet Shop Teste');

      const history = await api('GET', `/api/conversations/${conversation!.id}/messages`);
      expect(history.body.data[0]).toMatchObject({ direction: 'outbound', origin: 'agent', status: expect.any(String) });
      expect(history.body.data.some((item: { origin: string; text: string }) => item.origin === 'api' && item.text === 'Oi, aqui é a Carla!')).toBe(true);
    } finally {
      socket.disconnect();
    }
  });

  it('books a bath through the menu in Portuguese and confirms exactly what it stored', async () => {
    const phone = newCustomer();
    const conversation: string[] = [];
    const say = async (text: string) => {
      const before = sentTo(phone).length;
      await write(phone, text);
      await waitFor(() => sentTo(phone).length > before, 10_000);
      const reply = sentTo(phone).at(-1)!.text ?? '';
      conversation.push(`> ${text}`, reply);
      return reply;
    };
    expect(await say('agendar banho amanhã 10h')).toContain('Qual é o nome do seu pet?');
    expect(await say('Rex')).toContain('*Rex* é:');
    expect(await say('1')).toContain('Qual é o porte de *Rex*?');
    expect(await say('grande')).toContain('Confirma *Banho* (R$ 60,00) para *Rex*');
    const confirmation = await say('sim');

    const contact = (await api('GET', `/api/contacts?q=${phone}`)).body.data[0];
    const bookings = await api('GET', `/api/bookings?contactId=${contact.id}`);
    expect(bookings.body.data, conversation.join('\n')).toHaveLength(1);
    const booking = bookings.body.data[0];
    const tomorrow = addDays(localDate(new Date(), SAO_PAULO), 1);
    expect(new Date(booking.startsAt).getTime()).toBe(zonedInstant(tomorrow, 10 * 60, SAO_PAULO).getTime());
    expect(booking).toMatchObject({ serviceId: shop.services.banho, status: 'scheduled', priceCents: 6000 });
    const pets = await api('GET', `/api/pets?contactId=${contact.id}`);
    expect(pets.body.data).toEqual([expect.objectContaining({ id: booking.petId, name: 'Rex', species: 'cachorro', size: 'grande' })]);
    const [, month, day] = tomorrow.split('-');
    expect(confirmation).toContain('*Banho* para *Rex*');
    expect(confirmation).toContain(`${day}/${month}, às 10:00`);
    expect(confirmation).toContain('R$ 60,00');
  });

  it('sends owners to the owner agent, not the customer menu', async () => {
    const owner = '5511900000099';
    await write(owner, 'quanto faturamos hoje?');
    await waitFor(() => sentTo(owner).length === 1, 10_000);
    // Aurora without a key: the plain summary of the shop's figures, not the customer menu.
    expect(sentTo(owner)[0].text).toContain('📊 *Hoje*');
    const page = await api('GET', '/api/conversations?limit=200');
    expect(page.body.data.find((item: { contactPhone: string }) => item.contactPhone === `+${owner}`)).toMatchObject({ agent: 'aurora' });
  });

  it('sends an owner writing from an account older than the ninth digit to the owner agent, answering the spelling they wrote from', async () => {
    const ownerAccount = '551187650099';
    await write(ownerAccount, 'quanto faturamos hoje?');
    await waitFor(() => sentTo(ownerAccount).length === 1, 10_000);
    expect(sentTo(ownerAccount)[0].text).toContain('📊 *Hoje*');
    expect(await conversationOf('5511987650099')).toMatchObject({ agent: 'aurora' });
    expect(await conversationOf(ownerAccount)).toBeUndefined();
  });

  it('keeps a customer writing from an eight-digit account one contact and one conversation with staff who know the nine-digit number', async () => {
    const account = '551187650011';
    const known = '5511987650011';
    const registered = await api('POST', '/api/contacts', { phone: '(11) 98765-0011', name: 'Bia' });
    expect(registered.status, JSON.stringify(registered.body)).toBe(201);
    await write(account, 'atendente');
    await waitFor(async () => (await conversationOf(known))?.state === 'waiting_human', 10_000);
    const conversation = await conversationOf(known);
    expect(conversation?.contactId).toBe(registered.body.id);

    // Staff answer the number they know: the person has answered, and the reply reaches the account.
    const staff = await api('POST', '/api/whatsapp/send/text', { instanceId: shop.instanceId, to: known, text: 'Oi, aqui é a Carla!' });
    expect(staff.status).toBe(202);
    await waitFor(async () => (await conversationOf(known))?.state === 'human', 5000);
    // The other spelling is the same person too.
    expect((await api('POST', '/api/whatsapp/send/text', { instanceId: shop.instanceId, to: `+${account}`, text: 'Já vejo!' })).status).toBe(202);
    await waitFor(() => sentTo(account).length === 3, 10_000);
    expect(sentTo(known)).toEqual([]);

    const history = await api('GET', `/api/conversations/${conversation!.id}/messages`);
    expect(history.body.data.map((item: { text: string }) => item.text)).toEqual(['Já vejo!', 'Oi, aqui é a Carla!', sentTo(account)[0].text, 'atendente']);
    const contacts = await api('GET', '/api/contacts?q=87650011');
    expect(contacts.body.data).toEqual([expect.objectContaining({ id: registered.body.id, phone: `+${known}`, name: 'Bia' })]);
  });

  it("stores a customer's group message under the group, unanswered, and never in their own conversation", async () => {
    const phone = newCustomer();
    const group = '120363000000000001@g.us';
    await writeInGroup(phone, group, 'segredo dito no grupo da família', `GROUP${phone}`);
    await write(phone, 'oi');
    await waitFor(() => sentTo(phone).length === 1, 10_000);
    await sleep(SETTLE_MS);
    expect(sentTo(phone)).toHaveLength(1);
    const conversation = await conversationOf(phone);
    const history = await api('GET', `/api/conversations/${conversation!.id}/messages`);
    expect(history.body.data.map((item: { text: string }) => item.text)).toEqual([sentTo(phone)[0].text, 'oi']);
    const [stored] = await server.db.systemDb.select().from(messages).where(eq(messages.waMessageId, `GROUP${phone}`));
    expect(stored).toMatchObject({
      remotePhone: group,
      status: 'processed',
      error: `group chat: stored, not answered (sent by +${phone})`,
      body: 'segredo dito no grupo da família',
      contactId: null,
    });
  });

  it('returns a conversation left with a person past the handoff timeout to the bot', async () => {
    const phone = newCustomer();
    await write(phone, 'atendente');
    await waitFor(async () => (await conversationOf(phone))?.state === 'waiting_human', 10_000);
    const conversation = await conversationOf(phone);
    await server.db.systemDb
      .update(conversations)
      .set({ stateChangedAt: new Date(Date.now() - 13 * 3600_000) })
      .where(eq(conversations.id, conversation!.id));
    await write(phone, 'oi');
    await waitFor(() => sentTo(phone).length === 2, 10_000);
    expect(sentTo(phone)[1].text).toContain('Pet Shop Teste');
    expect((await conversationOf(phone))?.state).toBe('bot');
  });

  it("counts the handoff timeout from staff's last message: a person who took over 13 h ago and wrote a minute ago keeps the conversation", async () => {
    const phone = newCustomer();
    await write(phone, 'oi');
    await waitFor(() => sentTo(phone).length === 1, 10_000);
    const conversation = await conversationOf(phone);
    expect((await api('POST', `/api/conversations/${conversation!.id}/take-over`)).body.state).toBe('human');
    const staff = await api('POST', '/api/whatsapp/send/text', { instanceId: shop.instanceId, to: phone, text: 'Já vejo isso pra você!' });
    expect(staff.status).toBe(202);
    await waitFor(() => sentTo(phone).length === 2, 10_000);
    // Taken over 13 h ago (a long day of chatting), the person's last message a moment ago.
    const takenOver = new Date(Date.now() - 13 * 3600_000);
    await server.db.systemDb.update(conversations).set({ stateChangedAt: takenOver }).where(eq(conversations.id, conversation!.id));

    await write(phone, 'obrigado, fico aguardando');
    await waitFor(async () => (await inboundRows(phone)).every((row) => row.status === 'processed'), 10_000);
    await sleep(SETTLE_MS);
    expect(sentTo(phone)).toHaveLength(2);
    expect(await conversationOf(phone)).toMatchObject({ state: 'human', stateChangedAt: takenOver.toISOString() });

    // Once staff's last message is past the timeout too, the bot answers again.
    await server.db.systemDb.update(conversations).set({ staffActiveAt: takenOver }).where(eq(conversations.id, conversation!.id));
    await write(phone, 'oi');
    await waitFor(() => sentTo(phone).length === 3, 10_000);
    expect(sentTo(phone)[2].text).toContain('Pet Shop Teste');
    expect((await conversationOf(phone))?.state).toBe('bot');
  });

  it('answers a message whose job was lost, and sends a reply whose job was lost (the sweeper)', async () => {
    const phone = newCustomer();
    // What a crash between storing and enqueueing leaves: a stored message no job refers to.
    await server.app.get(InboundRepository).insertMany([
      {
        organizationId: shop.organizationId,
        instanceId: shop.instanceId,
        waMessageId: 'LOSTJOB00000001',
        remotePhone: `+${phone}`,
        type: 'text',
        body: 'oi',
        mediaMimetype: null,
        pushName: null,
      },
    ]);
    await waitFor(() => sentTo(phone).length === 1, 15_000);
    expect((await inboundRows(phone))[0]).toMatchObject({ status: 'processed' });
    expect(sentTo(phone)[0].text).toContain('Pet Shop Teste');
    // Without a key, the first answer says once that only the menu is answering.
    expect(sentTo(phone)[0].text).toContain('Desculpe: no momento estou atendendo só pelo menu automático');

    // A reply stored by a turn whose process died before it could queue the send.
    await server.db.systemDb.insert(messages).values({
      organizationId: shop.organizationId,
      instanceId: shop.instanceId,
      remotePhone: `+${phone}`,
      direction: 'outbound',
      origin: 'agent',
      type: 'text',
      body: 'Resposta que ficou sem envio',
      status: 'queued',
    });
    await waitFor(() => sentTo(phone).some((reply) => reply.text === 'Resposta que ficou sem envio'), 15_000);
  });

  it("answers and sends another shop's lost jobs while more than a sweep's batch of live ones of each direction is older (the sweeper)", async () => {
    // A busy shop: more customer messages and more sends than one sweep reads, all older, all with live jobs (delayed: a
    // bulk send draining through the pacer, a flood waiting its turns). None of them is stranded.
    const busy = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Loja com fila' });
    const backlog = SWEEP_BATCH + 1;
    const hourAgo = new Date(Date.now() - 3_600_000);
    const waiting = await server.db.systemDb
      .insert(messages)
      .values(
        Array.from({ length: backlog }, (_, index) => ({
          organizationId: busy.organizationId,
          instanceId: busy.instanceId,
          waMessageId: `BACKLOG${index}`,
          remotePhone: `+55119600${String(index).padStart(5, '0')}`,
          direction: 'inbound' as const,
          origin: 'customer' as const,
          type: 'text' as const,
          body: 'oi',
          status: 'received' as const,
          createdAt: hourAgo,
        })),
      )
      .returning({ id: messages.id, remotePhone: messages.remotePhone });
    const queued = await server.db.systemDb
      .insert(messages)
      .values(
        Array.from({ length: backlog }, (_, index) => ({
          organizationId: busy.organizationId,
          instanceId: busy.instanceId,
          remotePhone: `+55119500${String(index).padStart(5, '0')}`,
          direction: 'outbound' as const,
          origin: 'campaign' as const,
          type: 'text' as const,
          body: 'promoção',
          status: 'queued' as const,
          createdAt: hourAgo,
        })),
      )
      .returning({ id: messages.id });
    const later = { delay: 3_600_000 };
    await server.app.get<Queue>(getQueueToken('inbound')).addBulk(
      waiting.map(({ id, remotePhone }) => ({
        name: 'turn',
        data: { messageId: id, organizationId: busy.organizationId, remotePhone },
        opts: { ...inboundJobOptions(id), ...later },
      })),
    );
    await server.app.get<Queue>(getQueueToken('outbound')).addBulk(
      queued.map(({ id }) => ({ name: 'send', data: { messageId: id, organizationId: busy.organizationId }, opts: { ...outboundJobOptions(id), ...later } })),
    );

    try {
      // This shop: a customer's message and a reply whose jobs were lost.
      const phone = newCustomer();
      await server.app.get(InboundRepository).insertMany([
        { organizationId: shop.organizationId, instanceId: shop.instanceId, waMessageId: 'LOSTJOB00000002', remotePhone: `+${phone}`, type: 'text', body: 'oi', mediaMimetype: null, pushName: null },
      ]);
      await server.db.systemDb.insert(messages).values({
        organizationId: shop.organizationId,
        instanceId: shop.instanceId,
        remotePhone: `+${phone}`,
        direction: 'outbound',
        origin: 'agent',
        type: 'text',
        body: 'Outra resposta que ficou sem envio',
        status: 'queued',
      });

      // A sweep a second, each reading one batch per direction: a few sweeps reach them.
      await waitFor(() => sentTo(phone).length === 2, 20_000);
      expect(sentTo(phone).map((reply) => reply.text)).toEqual(
        expect.arrayContaining(['Outra resposta que ficou sem envio', expect.stringContaining('Pet Shop Teste')]),
      );
      expect((await inboundRows(phone))[0]).toMatchObject({ status: 'processed' });
    } finally {
      // Finished, so the later sweeps of this file do not read them again.
      await server.db.systemDb.update(messages).set({ status: 'failed' }).where(eq(messages.organizationId, busy.organizationId));
    }
  }, 40_000);

  it("keeps one shop's conversations from another", async () => {
    const phone = newCustomer();
    await write(phone, 'oi');
    await waitFor(() => sentTo(phone).length === 1, 10_000);
    const conversation = await conversationOf(phone);
    const other = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Outra Loja' } });
    const asOther = (method: string, path: string) => request(server.baseUrl, method, path, { token: other.body.apiKey.key });
    // Filtered by the owner's contact: the owner finds the conversation, the other shop nothing.
    const byContact = `/api/conversations?contactId=${conversation!.contactId}`;
    expect((await api('GET', byContact)).body.data.map((item: { id: string }) => item.id)).toEqual([conversation!.id]);
    expect((await asOther('GET', '/api/conversations')).body.data).toEqual([]);
    expect((await asOther('GET', byContact)).body.data).toEqual([]);
    for (const [method, path] of [
      ['GET', ''],
      ['GET', '/messages'],
      ['POST', '/take-over'],
      ['POST', '/release'],
      ['POST', '/close'],
    ]) {
      const response = await asOther(method, `/api/conversations/${conversation!.id}${path}`);
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    expect((await conversationOf(phone))?.state).toBe('bot');
  });

  it('answers close, take-over and bad requests with clear errors', async () => {
    const phone = newCustomer();
    await write(phone, 'oi');
    await waitFor(() => sentTo(phone).length === 1, 10_000);
    const conversation = await conversationOf(phone);
    const closed = await api('POST', `/api/conversations/${conversation!.id}/close`);
    expect(closed.body.state).toBe('closed');
    const release = await api('POST', `/api/conversations/${conversation!.id}/release`);
    expect(release.status).toBe(409);
    expect(release.body.message).toBe('The conversation is closed; release works from waiting_human, human');
    const taken = await api('POST', `/api/conversations/${conversation!.id}/take-over`);
    expect(taken.body.state).toBe('human');
    expect((await api('GET', '/api/conversations?state=sleeping')).status).toBe(400);
    expect((await api('POST', '/api/conversations/00000000-0000-4000-8000-000000000000/close')).status).toBe(404);

    // A closed conversation reopens with the bot on the next message; one with a person stays with them.
    await api('POST', `/api/conversations/${conversation!.id}/close`);
    await write(phone, 'oi de novo');
    await waitFor(() => sentTo(phone).length === 2, 10_000);
    const [row] = await server.db.systemDb.select().from(conversations).where(eq(conversations.id, conversation!.id));
    expect(row.state).toBe('bot');
  });
});
