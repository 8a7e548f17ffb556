import { eq } from 'drizzle-orm';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/database/database.js';
import { migrate } from '../src/database/migrator.js';
import { PostgresDatabase } from '../src/database/postgres-database.js';
import { contacts, conversations, messages, organizations, whatsappInstances } from '../src/database/schema.js';
import { AgentContextRepository, type TurnOpening } from '../src/messaging/agent-context.repository.js';
import { InboundRepository } from '../src/messaging/inbound.repository.js';
import { MessagesRepository } from '../src/whatsapp/messages.repository.js';
import { sleep, ThrowawayPostgres, waitFor } from './support/processes.js';

/**
 * Which writes wait for the WAL flush. What a customer sent and what a turn
 * answered must survive a crash of the database server, so their commits wait;
 * a turn's opening (its claim of the waiting messages) and a send's `sent` stamp are redone by the
 * pipeline when such a crash loses them, so theirs do not (a commit that waits
 * costs the pipeline a flush and its latency on every message).
 *
 * On this throwaway cluster a commit that waits never ends by itself: it waits
 * for a synchronous standby that does not exist (synchronous_commit = on waits
 * for the standby after the local flush; off waits for neither). The test sees
 * the wait in pg_stat_activity and cancels it, which lets the commit, already
 * written locally, return.
 */
describe('commit durability', () => {
  let cluster: ThrowawayPostgres;
  let admin: pg.Client;
  /** One connection: a setting that outlived its statement would show in the next one. */
  let database: PostgresDatabase;
  let inbound: InboundRepository;
  let agentContext: AgentContextRepository;
  let organizationId: string;
  let instanceId: string;

  beforeAll(async () => {
    cluster = await ThrowawayPostgres.start();
    database = PostgresDatabase.connect(cluster.url, 1);
    await migrate(database);
    inbound = new InboundRepository(database);
    agentContext = new AgentContextRepository(database);
    [{ id: organizationId }] = await database.systemDb.insert(organizations).values({ name: 'Pet Shop' }).returning();
    [{ id: instanceId }] = await database.systemDb.insert(whatsappInstances).values({ organizationId, name: 'main' }).returning();
    admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query('CREATE TABLE probe (at timestamptz)');
    await admin.query("ALTER SYSTEM SET synchronous_standby_names = 'a_standby_that_never_comes'");
    await admin.query('SELECT pg_reload_conf()');
    // The checkpointer applies the setting a moment after the reload: until then commits do not wait.
    const probe = new pg.Client({ connectionString: cluster.url });
    await probe.connect();
    try {
      await waitFor(() => waitsForTheFlush(() => probe.query('INSERT INTO probe VALUES (now())')), 10_000);
    } finally {
      await probe.end();
    }
  });

  afterAll(async () => {
    await database?.close();
    await admin?.end();
    await cluster?.destroy();
  });

  /**
   * Runs `write` and answers whether its commit waited for the flush: a commit
   * that waits is seen waiting (and cancelled, so it returns); one that does
   * not ends on its own.
   */
  async function waitsForTheFlush(write: () => Promise<unknown>): Promise<boolean> {
    let settled = false;
    const running = write().finally(() => (settled = true));
    for (;;) {
      if (settled) {
        await running;
        return false;
      }
      const { rows } = await admin.query(
        "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep' AND pid <> pg_backend_pid()",
      );
      if (rows.length > 0) {
        await running;
        return true;
      }
      await sleep(5);
    }
  }

  /** A customer with one message waiting for a turn, and their contact and conversation; written before a test's own writes. */
  async function customerWithAMessage() {
    const remotePhone = `+5511${String(Math.floor(Math.random() * 1e9)).padStart(9, '0')}`;
    const [stored] = await waitingForTheFlush(() =>
      inbound.insertMany([
        { organizationId, instanceId, waMessageId: randomUUID(), remotePhone, type: 'text', body: 'oi', mediaMimetype: null, pushName: 'Ana' },
      ]),
    );
    const [contact] = await waitingForTheFlush(() => database.systemDb.insert(contacts).values({ organizationId, phone: remotePhone, instanceId }).returning());
    const [conversation] = await waitingForTheFlush(() =>
      database.systemDb.insert(conversations).values({ organizationId, contactId: contact.id, instanceId }).returning(),
    );
    return { remotePhone, messageId: stored!, contactId: contact.id, conversationId: conversation.id };
  }

  /** The opening of a turn of the customer's, as the pipeline asks for it. */
  function opening(phone: string): TurnOpening {
    return { organizationId, phone, agent: 'client', now: new Date(), handoffTimeoutMs: 12 * 3_600_000, historyLimit: 10 };
  }

  /** Runs a write whether or not its commit waits (a wait is let go), and answers its result. */
  async function written<T>(write: () => Promise<T>): Promise<{ result: T; waited: boolean }> {
    let result: T | undefined;
    const waited = await waitsForTheFlush(async () => (result = await write()));
    return { result: result as T, waited };
  }

  /** A fixture's write, which waits like any plain write: run it, let its wait go, answer its result. */
  async function waitingForTheFlush<T>(write: () => Promise<T>): Promise<T> {
    const { result, waited } = await written(write);
    expect(waited).toBe(true);
    return result;
  }

  it("waits for the flush when it stores a customer's message and when it stores a turn's answer", async () => {
    const customer = await customerWithAMessage();
    await written(() => agentContext.openTurn(opening(customer.remotePhone)));

    const finishing = () =>
      inbound.finishTurn({
        organizationId,
        turnId: randomUUID(),
        instanceId,
        remotePhone: customer.remotePhone,
        contactId: customer.contactId,
        conversationId: customer.conversationId,
        answered: [customer.messageId],
        unanswered: { ids: [], reason: '' },
        replies: [{ text: 'Olá, Ana! Como posso ajudar?', origin: 'agent' }],
        now: new Date(),
      });

    expect(await waitsForTheFlush(finishing)).toBe(true);
    const [answered] = await database.systemDb.select().from(messages).where(eq(messages.id, customer.messageId));
    expect(answered.status).toBe('processed');
  });

  it("commits a turn's opening without waiting, and the connection's next write waits again", async () => {
    const customer = await customerWithAMessage();

    const { result: opened, waited } = await written(() => agentContext.openTurn(opening(customer.remotePhone)));

    expect(waited).toBe(false);
    expect(opened?.pending.map((message) => message.id)).toEqual([customer.messageId]);
    expect(opened?.contact.id).toBe(customer.contactId);
    // The same (only) connection: the opening's setting ended with its transaction.
    await customerWithAMessage();
  });

  it('waits for the flush when a tenant transaction commits', async () => {
    const customer = await customerWithAMessage();
    const rename = (tx: Db) => tx.update(contacts).set({ name: 'Ana Souza' }).where(eq(contacts.id, customer.contactId));

    expect(await waitsForTheFlush(() => database.withTenant(organizationId, rename))).toBe(true);

    const [contact] = await database.systemDb.select().from(contacts).where(eq(contacts.id, customer.contactId));
    expect(contact.name).toBe('Ana Souza');
  });

  /** A reply waiting to be sent to the customer. */
  async function queuedReply() {
    const customer = await customerWithAMessage();
    const [queued] = await waitingForTheFlush(() =>
      database.systemDb
        .insert(messages)
        .values({ organizationId, instanceId, remotePhone: customer.remotePhone, direction: 'outbound', origin: 'agent', type: 'text', body: 'Olá!', status: 'queued' })
        .returning(),
    );
    return queued;
  }

  it('stamps a send as sent without waiting', async () => {
    const queued = await queuedReply();
    const sends = new MessagesRepository(database);

    expect(await waitsForTheFlush(() => sends.markSent(organizationId, queued.id, `3EB0${randomUUID()}`, instanceId))).toBe(false);

    const [sent] = await database.systemDb.select().from(messages).where(eq(messages.id, queued.id));
    expect(sent.status).toBe('sent');
  });

  it("waits for the flush when the stamp carries WhatsApp's receipt, which came before it, as receipts do", async () => {
    const queued = await queuedReply();
    const sends = new MessagesRepository(database);
    const waMessageId = `3EB0${randomUUID()}`;
    sends.sending(waMessageId);
    // Delivered before the send was stamped: kept for the stamp, which writes it (nothing else will).
    await sends.applyReceipts(instanceId, [{ messageId: waMessageId, status: 'delivered' }]);

    expect(await waitsForTheFlush(() => sends.markSent(organizationId, queued.id, waMessageId, instanceId))).toBe(true);

    const [delivered] = await database.systemDb.select().from(messages).where(eq(messages.id, queued.id));
    expect(delivered.status).toBe('delivered');
  });
});
