import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { and, eq, sql } from 'drizzle-orm';
import { io, type Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addDays, localDate, zonedInstant } from '../src/booking/zoned-time.js';
import { CampaignSender } from '../src/campaigns/campaign-sender.service.js';
import { CampaignsRepository } from '../src/campaigns/campaigns.repository.js';
import { InactiveContactsQuery } from '../src/campaigns/inactive-contacts.query.js';
import { bookings, campaignRecipients, contacts, messages, resources } from '../src/database/schema.js';
import { type ChattingApp, customerChat, customerPhones, startChattingApp } from './support/chatting-app.js';
import { sleep, waitFor } from './support/processes.js';
import { createChattingShop, type TestShop } from './support/shop.js';

const ADMIN_KEY = 'admin-key-for-campaign-tests-0123456789';
const SAO_PAULO = 'America/Sao_Paulo';
const OWNER = '+5511900000099';
const OPTED_OUT_REPLY = 'Você não vai mais receber nossas mensagens de promoções e campanhas';
const DAY_MS = 24 * 3600 * 1000;

describe('campaigns on the sandbox transport', () => {
  let server: ChattingApp;

  const newCustomer = customerPhones('55119800000');
  const client = (shop: TestShop) => {
    const { api, write, sentTo } = customerChat(() => ({ server, shop }), { pushNameOf: (phone) => `Cliente ${phone.slice(-2)}` });
    const campaignMessagesTo = (phone: string, text: string) => sentTo(phone).filter((message) => message.text === text);
    /** A customer who wrote "oi" and got the assistant's answer: a contact with a message now. */
    const chattingCustomer = async () => {
      const phone = newCustomer();
      await write(phone, 'oi');
      await waitFor(() => sentTo(phone).length === 1, 10_000);
      return phone;
    };
    const optOut = async (phone: string) => {
      const before = sentTo(phone).length;
      await write(phone, 'Sair');
      await waitFor(() => sentTo(phone).length === before + 1, 10_000);
      expect(sentTo(phone).at(-1)!.text).toContain(OPTED_OUT_REPLY);
    };
    const contactId = async (phone: string) => {
      const [row] = await server.db.systemDb.select({ id: contacts.id }).from(contacts).where(and(eq(contacts.organizationId, shop.organizationId), eq(contacts.phone, `+${phone}`)));
      return row.id;
    };
    /** Moves a contact's last message (and when it was added, and the messages they wrote) `days` into the past. */
    const lastWrote = async (phone: string, days: number) => {
      const at = new Date(Date.now() - days * DAY_MS);
      await server.db.systemDb.update(contacts).set({ lastMessageAt: at, createdAt: at }).where(eq(contacts.id, await contactId(phone)));
      await server.db.systemDb
        .update(messages)
        .set({ createdAt: at })
        .where(and(eq(messages.organizationId, shop.organizationId), eq(messages.remotePhone, `+${phone}`), eq(messages.direction, 'inbound')));
    };
    const draft = async (audience: unknown, text: string) => {
      const created = await api('POST', '/api/campaigns', { objective: 'Trazer clientes de volta', audience, text });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      return created.body as { id: string; code: string; status: string };
    };
    const campaign = async (id: string) => (await api('GET', `/api/campaigns/${id}`)).body;
    return { api, write, sentTo, campaignMessagesTo, chattingCustomer, optOut, contactId, lastWrote, draft, campaign };
  };

  beforeAll(async () => {
    server = await startChattingApp('campaigns', {
      ADMIN_API_KEY: ADMIN_KEY,
      // Slow enough that a campaign can be cancelled midway; the pacer is what spaces campaign messages.
      OUTBOUND_MIN_GAP_MS: '300',
      INBOUND_SWEEP_INTERVAL_MS: '500',
      INBOUND_SWEEP_AFTER_MS: '1500',
    });
  }, 60_000);

  afterAll(async () => {
    await server?.close();
  });

  it('a customer who writes SAIR is opted out and told so without the assistant, and is still answered afterwards', async () => {
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Pet Shop Sair' });
    const { api, write, sentTo, chattingCustomer, optOut } = client(shop);
    const phone = await chattingCustomer();
    await optOut(phone);

    const listed = await api('GET', `/api/contacts?q=${phone}`);
    expect(listed.body.data).toEqual([expect.objectContaining({ phone: `+${phone}`, optedOutAt: expect.any(String) })]);
    const reply = await server.db.systemDb
      .select({ origin: messages.origin })
      .from(messages)
      .where(and(eq(messages.remotePhone, `+${phone}`), eq(messages.direction, 'outbound'), sql`${messages.body} LIKE ${`%${OPTED_OUT_REPLY}%`}`));
    expect(reply).toEqual([{ origin: 'system' }]);

    // Opted out of campaigns, not of the shop: the assistant still answers.
    await write(phone, 'oi');
    await waitFor(() => sentTo(phone).length === 3, 10_000);
    expect(sentTo(phone)[2].text).toContain('Pet Shop Sair');
    expect((await api('GET', `/api/contacts?q=${phone}`)).body.data[0].optedOutAt).toBe(listed.body.data[0].optedOutAt);
  }, 60_000);

  it('goes draft -> approved -> sent to every contact who wrote in 24 hours, skipping the opted-out and the older ones, with its counts and events', async () => {
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Pet Shop Todos' });
    const { api, write, sentTo, campaignMessagesTo, chattingCustomer, optOut, lastWrote, draft, campaign } = client(shop);
    const recent = [await chattingCustomer(), await chattingCustomer()];
    const older = await chattingCustomer();
    await lastWrote(older, 3);
    const optedOut = await chattingCustomer();
    await optOut(optedOut);
    // The owner talks to Aurora from a contact number of their own: never a campaign recipient.
    await write(OWNER.slice(1), 'oi');
    await waitFor(() => sentTo(OWNER.slice(1)).length === 1, 10_000);

    const socket: Socket = io(server.baseUrl, { auth: { token: shop.key }, transports: ['websocket'] });
    const events: { campaignId: string; status: string; counts: { sent: number } }[] = [];
    socket.on('campaign:updated', (payload: (typeof events)[number]) => events.push(payload));
    await waitFor(() => socket.connected, 5000);
    try {
      const text = 'Promoção de banho nesta semana! 🐶';
      const created = await draft({ kind: 'all' }, text);
      expect(created).toMatchObject({ status: 'draft', code: expect.stringMatching(/^[A-HJKMNP-Z2-9]{6}$/), instanceId: shop.instanceId });
      expect((await api('GET', `/api/campaigns?status=draft`)).body.data.map((item: { id: string }) => item.id)).toEqual([created.id]);
      // Nothing goes out before the approval.
      await sleep(500);
      for (const phone of recent) expect(campaignMessagesTo(phone, text)).toHaveLength(0);

      // Approved by its code, as the owner would type it.
      const approved = await api('POST', `/api/campaigns/${created.code.toLowerCase()}/approve`);
      expect(approved.status, JSON.stringify(approved.body)).toBe(200);
      expect(approved.body).toMatchObject({ id: created.id, approvedBy: { kind: 'api_key' }, counts: { audienceSize: 4 } });
      expect(['approved', 'sending', 'sent']).toContain(approved.body.status);

      await waitFor(async () => (await campaign(created.id)).status === 'sent', 15_000);
      const sent = await campaign(created.id);
      expect(sent.counts).toEqual({ audienceSize: 4, sent: 2, failed: 0, skippedOptedOut: 1, skippedOutsideWindow: 1, pending: 0 });
      expect(sent.finishedAt).not.toBeNull();
      for (const phone of recent) expect(campaignMessagesTo(phone, text)).toHaveLength(1);
      for (const phone of [older, optedOut, OWNER.slice(1)]) expect(campaignMessagesTo(phone, text)).toHaveLength(0);
      const stored = await server.db.systemDb
        .select({ phone: messages.remotePhone, status: messages.status })
        .from(messages)
        .where(and(eq(messages.organizationId, shop.organizationId), eq(messages.origin, 'campaign')));
      expect(stored.map((row) => row.phone).sort()).toEqual(recent.map((phone) => `+${phone}`).sort());

      await waitFor(() => events.some((event) => event.status === 'sent'), 5000);
      expect(events.map((event) => event.status)).toEqual(expect.arrayContaining(['approved', 'sending', 'sent']));
      expect(events.at(-1)).toMatchObject({ campaignId: created.id, status: 'sent', counts: { sent: 2 } });

      // A sent campaign can be neither approved nor cancelled again.
      const again = await api('POST', `/api/campaigns/${created.id}/approve`);
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({
        code: 'campaign_state_conflict',
        message: `Campaign ${created.code} is sent: a sent campaign cannot be approved again; to send the same text, draft a new campaign (POST /api/campaigns)`,
      });
      const cancelSent = await api('POST', `/api/campaigns/${created.id}/cancel`);
      expect(cancelSent.status).toBe(409);
      expect(cancelSent.body.message).toBe(`Campaign ${created.code} is sent: its messages have all gone out, so there is nothing left to cancel`);
    } finally {
      socket.disconnect();
    }
  }, 90_000);

  it('sends an inactive-customers campaign, outside the 24-hour window only once the shop turned that on (with a warning)', async () => {
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Pet Shop Inativos' });
    const { api, chattingCustomer, optOut, contactId, lastWrote, draft, campaign, campaignMessagesTo } = client(shop);
    const lapsed = await chattingCustomer();
    await lastWrote(lapsed, 90);
    const lapsedButBooked = await chattingCustomer();
    await lastWrote(lapsedButBooked, 90);
    const active = await chattingCustomer();
    await lastWrote(active, 10);
    const lapsedOptedOut = await chattingCustomer();
    await optOut(lapsedOptedOut);
    await lastWrote(lapsedOptedOut, 90);
    // Added by staff two months ago, never wrote nor booked.
    const silentPhone = newCustomer();
    const silent = await api('POST', '/api/contacts', { phone: `+${silentPhone}`, name: 'Dona Silenciosa' });
    expect(silent.status).toBe(201);
    await lastWrote(silentPhone, 60);
    await server.db.systemDb.update(contacts).set({ lastMessageAt: null }).where(eq(contacts.id, silent.body.id));

    const pet = await api('POST', '/api/pets', { contactId: await contactId(lapsed), name: 'Rex', species: 'cachorro' });
    expect(pet.status).toBe(201);
    const tomorrow = addDays(localDate(new Date(), SAO_PAULO), 1);
    const booking = await api('POST', '/api/bookings', {
      contactId: await contactId(lapsedButBooked),
      serviceId: shop.services.banho,
      startsAt: zonedInstant(tomorrow, 10 * 60, SAO_PAULO).toISOString(),
    });
    expect(booking.status, JSON.stringify(booking.body)).toBe(201);

    // A bath 100 days ago: older than their last message, so still inactive, and their last service.
    const [resource] = await server.db.systemDb.select({ id: resources.id }).from(resources).where(eq(resources.organizationId, shop.organizationId));
    const bathAt = new Date(Date.now() - 100 * DAY_MS);
    await server.db.systemDb.insert(bookings).values({
      organizationId: shop.organizationId,
      contactId: await contactId(lapsed),
      serviceId: shop.services.banho,
      resourceId: resource.id,
      during: { start: bathAt, end: new Date(bathAt.getTime() + 3600 * 1000) },
      status: 'done',
      priceCents: 6000,
    });

    // The one query the owner's agent lists inactive customers with.
    const inactive = await server.app.get(InactiveContactsQuery).list(shop.organizationId, 30, 50);
    expect(inactive.map((contact) => contact.phone).sort()).toEqual([`+${lapsed}`, `+${lapsedOptedOut}`, `+${silentPhone}`].sort());
    expect(inactive.find((contact) => contact.phone === `+${lapsed}`)).toMatchObject({
      optedOut: false,
      lastService: { name: 'Banho', at: bathAt },
      pets: [expect.objectContaining({ name: 'Rex', species: 'cachorro' })],
    });
    expect(inactive.find((contact) => contact.phone === `+${lapsedOptedOut}`)?.optedOut).toBe(true);
    expect(await server.app.get(InactiveContactsQuery).list(shop.organizationId, 100, 50)).toEqual([]);

    // Off by default: every inactive customer is outside WhatsApp's 24-hour window.
    const closedText = 'Sentimos sua falta! (janela fechada)';
    const closed = await draft({ kind: 'inactive', days: 30 }, closedText);
    expect((await api('POST', `/api/campaigns/${closed.id}/approve`)).status).toBe(200);
    await waitFor(async () => (await campaign(closed.id)).status === 'sent', 15_000);
    expect((await campaign(closed.id)).counts).toEqual({ audienceSize: 3, sent: 0, failed: 0, skippedOptedOut: 1, skippedOutsideWindow: 2, pending: 0 });
    for (const phone of [lapsed, silentPhone]) expect(campaignMessagesTo(phone, closedText)).toHaveLength(0);

    const turnedOn = await api('PATCH', '/api/organizations/me', { campaignsOutsideWindow: true });
    expect(turnedOn.status).toBe(200);
    expect(turnedOn.body.campaignsOutsideWindow).toBe(true);
    expect(turnedOn.body.warning).toContain("WhatsApp's rules");
    expect((await api('GET', '/api/organizations/me')).body).toMatchObject({ campaignsOutsideWindow: true, warning: expect.any(String) });

    const openText = 'Sentimos sua falta! Banho com 10% de desconto.';
    const open = await draft({ kind: 'inactive', days: 30 }, openText);
    expect((await api('POST', `/api/campaigns/${open.id}/approve`)).status).toBe(200);
    await waitFor(async () => (await campaign(open.id)).status === 'sent', 15_000);
    expect((await campaign(open.id)).counts).toEqual({ audienceSize: 3, sent: 2, failed: 0, skippedOptedOut: 1, skippedOutsideWindow: 0, pending: 0 });
    for (const phone of [lapsed, silentPhone]) expect(campaignMessagesTo(phone, openText)).toHaveLength(1);
    for (const phone of [lapsedButBooked, active, lapsedOptedOut]) expect(campaignMessagesTo(phone, openText)).toHaveLength(0);

    const turnedOff = await api('PATCH', '/api/organizations/me', { campaignsOutsideWindow: false });
    expect(turnedOff.body.campaignsOutsideWindow).toBe(false);
    expect(turnedOff.body.warning).toBeUndefined();
  }, 120_000);

  it('stops when cancelled: the recipients not reached stay unsent, and the counts say what went out', async () => {
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Pet Shop Cancela' });
    const { api, chattingCustomer, draft, campaign, campaignMessagesTo } = client(shop);
    const phones: string[] = [];
    for (let index = 0; index < 10; index += 1) phones.push(await chattingCustomer());
    const text = 'Campanha que será cancelada';
    const created = await draft({ kind: 'all' }, text);
    expect((await api('POST', `/api/campaigns/${created.id}/approve`)).status).toBe(200);
    await waitFor(async () => (await campaign(created.id)).counts.sent >= 2, 15_000);
    const cancelled = await api('POST', `/api/campaigns/${created.id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelledAt: expect.any(String) });
    const answered = cancelled.body.counts;
    expect(answered.sent + answered.failed + answered.skippedOptedOut + answered.skippedOutsideWindow + answered.pending).toBe(10);
    expect(answered.pending).toBeGreaterThan(0);

    // The message in flight at the cancel may still go; nothing after it.
    await sleep(1500);
    const reached = phones.filter((phone) => campaignMessagesTo(phone, text).length === 1);
    await sleep(1000);
    expect(phones.filter((phone) => campaignMessagesTo(phone, text).length === 1)).toEqual(reached);
    expect(reached.length).toBeGreaterThanOrEqual(2);
    expect(reached.length).toBeLessThan(10);
    const final = await campaign(created.id);
    expect(final.status).toBe('cancelled');
    expect(final.counts.sent).toBe(reached.length);
    // The shop can tell how many got nothing: the counts add up to the audience.
    expect(final.counts).toEqual({ audienceSize: 10, sent: reached.length, failed: 0, skippedOptedOut: 0, skippedOutsideWindow: 0, pending: 10 - reached.length });
    const recipients = await server.db.systemDb.select({ status: campaignRecipients.status }).from(campaignRecipients).where(eq(campaignRecipients.campaignId, created.id));
    expect(recipients.filter((recipient) => recipient.status === 'pending')).toHaveLength(10 - reached.length);

    // Cancelling again changes nothing; approving a cancelled campaign is refused.
    expect((await api('POST', `/api/campaigns/${created.id}/cancel`)).status).toBe(200);
    const approve = await api('POST', `/api/campaigns/${created.id}/approve`);
    expect(approve.status).toBe(409);
    expect(approve.body.message).toBe(
      `Campaign ${created.code} is cancelled: a cancelled campaign cannot be approved again; to send the same text, draft a new campaign (POST /api/campaigns)`,
    );
  }, 120_000);

  it('ends failed when its number is deleted while sending, with the recipients not reached failed and the reason stored', async () => {
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Pet Shop Sem Número' });
    const { api, chattingCustomer, draft, campaign, campaignMessagesTo } = client(shop);
    const phones: string[] = [];
    for (let index = 0; index < 8; index += 1) phones.push(await chattingCustomer());
    const text = 'Campanha cujo número some';
    const created = await draft({ kind: 'all' }, text);
    expect((await api('POST', `/api/campaigns/${created.id}/approve`)).status).toBe(200);
    await waitFor(async () => (await campaign(created.id)).counts.sent >= 2, 15_000);
    expect((await api('DELETE', `/api/whatsapp/instances/${shop.instanceId}`)).status).toBeLessThan(300);

    await waitFor(async () => (await campaign(created.id)).status === 'failed', 15_000);
    const failed = await campaign(created.id);
    const reached = phones.filter((phone) => campaignMessagesTo(phone, text).length === 1);
    expect(failed.finishedAt).not.toBeNull();
    expect(failed.counts).toEqual({ audienceSize: 8, sent: reached.length, failed: 8 - reached.length, skippedOptedOut: 0, skippedOutsideWindow: 0, pending: 0 });
    const recipients = await server.db.systemDb
      .select({ status: campaignRecipients.status, error: campaignRecipients.error })
      .from(campaignRecipients)
      .where(eq(campaignRecipients.campaignId, created.id));
    expect(recipients.filter((recipient) => recipient.status === 'failed')).toEqual(
      Array.from({ length: 8 - reached.length }, () => ({ status: 'failed', error: 'the WhatsApp instance was deleted' })),
    );
    expect((await api('GET', '/api/campaigns?status=failed')).body.data.map((item: { id: string }) => item.id)).toEqual([created.id]);
    const cancel = await api('POST', `/api/campaigns/${created.id}/cancel`);
    expect(cancel.status).toBe(409);
    expect(cancel.body.message).toBe(`Campaign ${created.code} is failed: it ended when its WhatsApp number was deleted, so there is nothing left to cancel`);
  }, 120_000);

  it('gives every contact exactly one message when senders overlap and one died after storing a message', async () => {
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Pet Shop Dobro' });
    const { api, chattingCustomer, draft, campaign, campaignMessagesTo } = client(shop);
    const phones: string[] = [];
    for (let index = 0; index < 6; index += 1) phones.push(await chattingCustomer());
    const text = 'Uma vez só, por favor';
    const created = await draft({ kind: 'all' }, text);

    // A worker that approved and stored the first message, then died before queueing it.
    const repository = server.app.get(CampaignsRepository);
    const approved = await repository.approve(shop.organizationId, created.id, { kind: 'system', id: null }, shop.instanceId, new Date());
    expect(approved?.audienceSize).toBe(6);
    await repository.moveStatus(shop.organizationId, created.id, ['approved'], 'sending', new Date());
    expect((await repository.claimNext(shop.organizationId, created.id, new Date())).kind).toBe('queued');

    // Now three senders at once: two in this process and the queued job that approving again starts.
    const sender = server.app.get(CampaignSender);
    const runs = Promise.all([sender.run(shop.organizationId, created.id), sender.run(shop.organizationId, created.id)]);
    expect((await api('POST', `/api/campaigns/${created.id}/approve`)).status).toBe(200);
    expect(await runs).toEqual(['sent', 'sent']);
    await waitFor(async () => (await campaign(created.id)).status === 'sent', 15_000);

    await sleep(1000);
    for (const phone of phones) expect(campaignMessagesTo(phone, text), phone).toHaveLength(1);
    const stored = await server.db.systemDb
      .select({ phone: messages.remotePhone })
      .from(messages)
      .where(and(eq(messages.organizationId, shop.organizationId), eq(messages.origin, 'campaign')));
    expect(stored).toHaveLength(6);
    expect((await campaign(created.id)).counts).toEqual({ audienceSize: 6, sent: 6, failed: 0, skippedOptedOut: 0, skippedOutsideWindow: 0, pending: 0 });
  }, 120_000);

  it('resumes a campaign left sending when its job was lost (worker died, Redis restarted empty), giving each contact one message', async () => {
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Pet Shop Retoma' });
    const { chattingCustomer, draft, campaign, campaignMessagesTo } = client(shop);
    const phones: string[] = [];
    for (let index = 0; index < 5; index += 1) phones.push(await chattingCustomer());
    const text = 'Campanha que perdeu o job';
    const created = await draft({ kind: 'all' }, text);

    // A worker approved it, started sending, stored the first message and died; Redis came back empty, so no job
    // of the campaign (nor of that message) exists: nothing but the database says it is unfinished.
    const repository = server.app.get(CampaignsRepository);
    await repository.approve(shop.organizationId, created.id, { kind: 'system', id: null }, shop.instanceId, new Date());
    await repository.moveStatus(shop.organizationId, created.id, ['approved'], 'sending', new Date());
    expect((await repository.claimNext(shop.organizationId, created.id, new Date())).kind).toBe('queued');
    expect(await server.app.get<Queue>(getQueueToken('campaign')).getJobState(`campaign-${created.id}`)).toBe('unknown');

    await waitFor(async () => (await campaign(created.id)).status === 'sent', 20_000);
    await sleep(1000);
    for (const phone of phones) expect(campaignMessagesTo(phone, text), phone).toHaveLength(1);
    expect((await campaign(created.id)).counts).toEqual({ audienceSize: 5, sent: 5, failed: 0, skippedOptedOut: 0, skippedOutsideWindow: 0, pending: 0 });
  }, 120_000);

  it('resumes a campaign whose job Redis lost while it waited for its number to reconnect', async () => {
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Pet Shop Reconecta' });
    const { api, chattingCustomer, draft, campaign, campaignMessagesTo } = client(shop);
    const phones: string[] = [];
    for (let index = 0; index < 4; index += 1) phones.push(await chattingCustomer());
    const text = 'Campanha que espera o número voltar';
    const created = await draft({ kind: 'all' }, text);
    const repository = server.app.get(CampaignsRepository);
    await repository.approve(shop.organizationId, created.id, { kind: 'system', id: null }, shop.instanceId, new Date());

    // Its number drops (replaced elsewhere: no automatic reconnect) before it starts: the sending job puts itself
    // off until the number is back (delayed, re-checked every 30 s).
    expect((await api('POST', `/api/sandbox/instances/${shop.instanceId}/disconnect`, { statusCode: 440 })).status).toBeLessThan(300);
    await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${shop.instanceId}/status`)).body.status !== 'connected', 10_000);
    expect((await api('POST', `/api/campaigns/${created.id}/approve`)).status).toBe(200);
    const jobs = server.app.get<Queue>(getQueueToken('campaign'));
    const jobId = `campaign-${created.id}`;
    await waitFor(async () => (await jobs.getJobState(jobId)) === 'delayed', 10_000);
    expect((await campaign(created.id)).status).toBe('sending');
    // Redis restarts empty (it keeps nothing on disk here): the job is gone.
    await jobs.remove(jobId);
    expect(await jobs.getJobState(jobId)).toBe('unknown');

    expect((await api('POST', `/api/whatsapp/instances/${shop.instanceId}/reconnect`)).status).toBeLessThan(300);
    await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${shop.instanceId}/status`)).body.status === 'connected', 20_000);
    await waitFor(async () => (await campaign(created.id)).status === 'sent', 20_000);
    await sleep(1000);
    for (const phone of phones) expect(campaignMessagesTo(phone, text), phone).toHaveLength(1);
    expect((await campaign(created.id)).counts).toEqual({ audienceSize: 4, sent: 4, failed: 0, skippedOptedOut: 0, skippedOutsideWindow: 0, pending: 0 });
  }, 120_000);

  it('fills {nome} and {pet} for each recipient, and refuses a placeholder it cannot fill', async () => {
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Pet Shop Nomes' });
    const { api, sentTo, chattingCustomer, contactId, draft, campaign } = client(shop);
    const withPet = await chattingCustomer();
    const withoutPet = await chattingCustomer();
    const nameless = await chattingCustomer();
    expect((await api('POST', '/api/pets', { contactId: await contactId(withPet), name: 'Rex', species: 'cachorro' })).status).toBe(201);
    await server.db.systemDb.update(contacts).set({ name: null }).where(eq(contacts.id, await contactId(nameless)));

    const unknown = await api('POST', '/api/campaigns', { objective: 'Cupom', audience: { kind: 'all' }, text: 'Oi {nome}! Use o cupom {cupom}.' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toMatchObject({ code: 'invalid_campaign' });
    expect(unknown.body.message).toContain('{cupom}');
    expect(unknown.body.message).toContain('{nome}');

    const created = await draft({ kind: 'all' }, 'Oi, {nome}! Que tal um banho para {pet} nesta semana?');
    expect((await api('POST', `/api/campaigns/${created.id}/approve`)).status).toBe(200);
    await waitFor(async () => (await campaign(created.id)).status === 'sent', 15_000);
    await waitFor(() => [withPet, withoutPet, nameless].every((phone) => sentTo(phone).length === 2), 10_000);
    expect(sentTo(withPet)[1].text).toBe(`Oi, Cliente! Que tal um banho para Rex nesta semana?`);
    expect(sentTo(withoutPet)[1].text).toBe(`Oi, Cliente! Que tal um banho para seu pet nesta semana?`);
    expect(sentTo(nameless)[1].text).toBe('Oi! Que tal um banho para seu pet nesta semana?');
  }, 60_000);

  it("judges WhatsApp's 24-hour window per number: a customer who wrote only to the shop's other number is outside it", async () => {
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Pet Shop Dois Números' });
    const { api, sentTo, chattingCustomer, draft, campaign, campaignMessagesTo } = client(shop);
    const created = await api('POST', '/api/whatsapp/instances', { name: 'Filial', provider: 'sandbox' });
    const branch = created.body.id as string;
    await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${branch}/status`)).body.qr != null, 10_000);
    await api('POST', `/api/sandbox/instances/${branch}/pair`, { phoneNumber: '5511955550001' });
    await waitFor(async () => (await api('GET', `/api/whatsapp/instances/${branch}/status`)).body.status === 'connected', 15_000);

    const ownCustomer = await chattingCustomer();
    const branchCustomer = newCustomer();
    expect((await api('POST', `/api/sandbox/instances/${branch}/inbound`, { from: branchCustomer, text: 'oi', pushName: 'Cliente Filial' })).status).toBe(200);
    await waitFor(() => server.sandbox.outbound(branch).some((message) => message.to === branchCustomer), 10_000);

    const text = 'Promoção só para quem fala com a recepção';
    const sending = await draft({ kind: 'all' }, text);
    expect((await api('POST', `/api/campaigns/${sending.id}/approve`)).body.instanceId).toBe(shop.instanceId);
    await waitFor(async () => (await campaign(sending.id)).status === 'sent', 15_000);
    expect((await campaign(sending.id)).counts).toEqual({ audienceSize: 2, sent: 1, failed: 0, skippedOptedOut: 0, skippedOutsideWindow: 1, pending: 0 });
    expect(campaignMessagesTo(ownCustomer, text)).toHaveLength(1);
    expect(sentTo(branchCustomer)).toEqual([]);
  }, 60_000);

  it('answers bad requests with 4xx JSON that says what to fix', async () => {
    const shop = await createChattingShop(server.baseUrl, ADMIN_KEY, { name: 'Pet Shop Erros' });
    const { api } = client(shop);
    const base = { objective: 'Reativar', text: 'Oi!' };

    const fewDays = await api('POST', '/api/campaigns', { ...base, audience: { kind: 'inactive', days: 10 } });
    expect(fewDays.status).toBe(400);
    expect(fewDays.body).toMatchObject({ statusCode: 400, code: 'validation_failed', message: 'days must not be less than 30' });
    expect(fewDays.body.details).toEqual([{ field: 'audience.days', problems: ['days must not be less than 30'] }]);

    const noDays = await api('POST', '/api/campaigns', { ...base, audience: { kind: 'inactive' } });
    expect(noDays.status).toBe(400);
    expect(noDays.body.details[0].field).toBe('audience.days');

    const badKind = await api('POST', '/api/campaigns', { ...base, audience: { kind: 'vip' } });
    expect(badKind.status).toBe(400);
    expect(badKind.body.message).toBe('kind must be one of the following values: all, inactive');

    const noText = await api('POST', '/api/campaigns', { objective: 'Reativar', audience: { kind: 'all' } });
    expect(noText.status).toBe(400);
    expect(noText.body.details).toEqual([{ field: 'text', problems: expect.arrayContaining(['text must be a string']) }]);

    const otherInstance = await api('POST', '/api/campaigns', { ...base, audience: { kind: 'all' }, instanceId: '00000000-0000-4000-8000-000000000000' });
    expect(otherInstance.status).toBe(404);
    expect(otherInstance.body.message).toBe('WhatsApp instance 00000000-0000-4000-8000-000000000000 was not found');

    const missing = await api('POST', '/api/campaigns/ZZZZZZ/approve');
    expect(missing.status).toBe(404);
    expect(missing.body.message).toBe('Campaign ZZZZZZ was not found');

    const badFilter = await api('GET', '/api/campaigns?status=done');
    expect(badFilter.status).toBe(400);
    expect(badFilter.body.message).toContain('status must be one of the following values');

    const badSetting = await api('PATCH', '/api/organizations/me', { campaignsOutsideWindow: 'yes' });
    expect(badSetting.status).toBe(400);
    expect(badSetting.body.message).toBe('campaignsOutsideWindow must be a boolean value');

    // Approving needs a connected number: with the only one gone, the draft stays a draft.
    const created = await api('POST', '/api/campaigns', { ...base, audience: { kind: 'all' } });
    expect((await api('DELETE', `/api/whatsapp/instances/${shop.instanceId}`)).status).toBeLessThan(300);
    const unsendable = await api('POST', `/api/campaigns/${created.body.id}/approve`);
    expect(unsendable.status).toBe(409);
    expect(unsendable.body).toMatchObject({ code: 'instance_not_connected' });
    expect((await api('GET', `/api/campaigns/${created.body.id}`)).body.status).toBe('draft');
  }, 60_000);
});
