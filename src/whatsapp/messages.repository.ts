import { type BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { and, eq, getTableColumns, inArray, sql } from 'drizzle-orm';
import { GroupCommit } from '../common/group-commit.js';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { isDatabaseUnavailable } from '../database/postgres-errors.js';
import { preparedQuery } from '../database/prepared-query.js';
import { conversations, type InstanceStatus, type MessageOrigin, type MessageStatus, type MessageType, messages, whatsappInstances } from '../database/schema.js';
import type { ReceiptStatus } from './transport/whatsapp-transport.js';

export type MessageRow = typeof messages.$inferSelect;

/** A receipt may only move a message forward: a late "delivered" never undoes "read". */
const EARLIER_THAN: Record<ReceiptStatus, MessageStatus[]> = {
  sent: ['queued'],
  delivered: ['queued', 'sent'],
  read: ['queued', 'sent', 'delivered'],
  failed: ['queued', 'sent'],
};

/** An outgoing message as the send endpoint accepted it; the caller picks its id, so each draft finds its row. */
export interface OutboundDraft {
  id: string;
  instanceId: string;
  remotePhone: string;
  origin: MessageOrigin;
  type: MessageType;
  body: string | null;
  mediaRef: string | null;
  mediaMimetype: string | null;
}

export type OutboundStored = { stored: true; waitsForEarlier: boolean } | { stored: false; instanceStatus: InstanceStatus | null };

/**
 * Whether an earlier message of the instance to the same person is still
 * waiting to be sent, for the row named "messages" (written out rather than
 * interpolated, so the inner row is "earlier"): sends to one person leave in
 * the order they were written. Compared in SQL, where created_at keeps its microseconds.
 * The earlier row is locked FOR SHARE: a stamp under way on it (oxy_end_send)
 * is waited for and its outcome read, so a check that answers "still queued" ran
 * before the stamp locked the row, and the stamp's look for the next message
 * sees this one (see markSent). The lock lasts the checking statement's transaction.
 */
const WAITS_FOR_EARLIER = sql<boolean>`EXISTS (
  SELECT 1 FROM messages earlier
   WHERE earlier.organization_id = messages.organization_id AND earlier.remote_phone = messages.remote_phone
     AND earlier.instance_id = messages.instance_id AND earlier.direction = 'outbound' AND earlier.status = 'queued'
     AND (earlier.created_at, earlier.id) < (messages.created_at, messages.id)
   FOR SHARE OF earlier)`;

/**
 * How long a receipt waits for others before it is written. Nothing waits on a
 * receipt's write, and WhatsApp sends one for every message: at a steady 250
 * messages a second a statement per receipt (planned anew each time) cost
 * PostgreSQL about 0.25 ms of CPU per message; batches share that cost.
 */
const RECEIPT_LINGER_MS = 20;

/** How long a receipt that found no message yet is kept for the send that is about to record its id. */
const EARLY_RECEIPT_TTL_MS = 60_000;

const { placeholder } = sql;

/**
 * Whether the message is the assistant's reply to a conversation a person has
 * since taken (staff took it over, or answered the customer waiting for them,
 * after the turn stored the reply): the person speaks for the shop now. Only
 * `human`: `waiting_human` is where the assistant's own handoff leaves the
 * conversation, and the reply announcing it must go. The system's replies (an
 * opt-out confirmation, owed whoever answers) and staff's own are never held back.
 */
const TAKEN_BY_PERSON = sql<boolean>`(${messages.origin} = 'agent' AND EXISTS (
  SELECT 1 FROM ${conversations}
   WHERE ${conversations.id} = ${messages.conversationId} AND ${conversations.organizationId} = ${messages.organizationId}
     AND ${conversations.state} = 'human'))`;

/** Why the assistant's reply was not sent (its `error`, status `failed`): see TAKEN_BY_PERSON. */
export const TAKEN_OVER_BEFORE_SENT = 'not sent: a person took the conversation over';

/** A send's message by id (see findForSend). */
const findForSend = (db: Db) =>
  db
    .select({ ...getTableColumns(messages), waitsForEarlier: WAITS_FOR_EARLIER, takenByPerson: TAKEN_BY_PERSON })
    .from(messages)
    .where(and(eq(messages.id, placeholder('messageId')), eq(messages.organizationId, placeholder('organizationId'))));

/**
 * A queued message ended (sent, stamped with WhatsApp's id, or failed, with
 * the error) and the next message to the same person still waiting to be
 * sent, in one round trip: the function of migration 0014 (why it is a
 * function, and when its commit waits for the WAL flush, is written there and
 * in 0013). No row: the message was not queued.
 */
const END_SEND = 'SELECT next_id FROM oxy_end_send($1, $2, $3, $4, $5, $6)';

interface Receipt {
  instanceId: string;
  waMessageId: string;
  status: ReceiptStatus;
}

/** The statuses a receipt may move a message from, as SQL: a CASE over the receipt's status. */
const EARLIER_THAN_SQL = sql.raw(
  `CASE receipt.status ${Object.entries(EARLIER_THAN)
    .map(([status, earlier]) => `WHEN '${status}' THEN '{${earlier.join(',')}}'::text[]`)
    .join(' ')} END`,
);

/** Whether a receipt of `status` would move a message back from `known` (a late "delivered" after "read"). */
function isBehind(status: ReceiptStatus, known: ReceiptStatus): boolean {
  return EARLIER_THAN[known].includes(status as MessageStatus);
}

/** Of two receipts for one message, the one to keep. */
function furthest(known: ReceiptStatus, next: ReceiptStatus): ReceiptStatus {
  return isBehind(next, known) ? known : next;
}

@Injectable()
export class MessagesRepository implements BeforeApplicationShutdown {
  /**
   * WhatsApp can acknowledge a message before the sender has stored its id (the
   * sandbox does so within milliseconds). Every receipt is remembered here for a
   * minute, by WhatsApp id, and markSent applies it again once the id is stored,
   * whatever order the two database writes ran in. Sends and receipts of an
   * instance happen in the process that holds its socket, so memory is enough.
   */
  private readonly earlyReceipts = new Map<string, { status: ReceiptStatus; expiresAt: number }>();

  /** WhatsApp ids of sends under way in this process (between the transport's send and markSent). */
  private readonly inFlight = new Set<string>();

  /**
   * Receipts come one message at a time (each send's) or in floods (a campaign
   * being read): each waits RECEIPT_LINGER_MS for company, and those that
   * arrive while a write is under way go out together in the next, one
   * statement for many.
   */
  private readonly receiptWrites = new GroupCommit<Receipt>((receipts) => this.writeReceipts(receipts), {
    maxInFlight: 2,
    lingerMs: RECEIPT_LINGER_MS,
    keyOf: (receipt) => `${receipt.instanceId}:${receipt.waMessageId}`,
    batchKeyOf: (receipt) => receipt.instanceId,
    // A database that cannot be reached fails the batch once, not once per receipt.
    splitOnFailure: (error) => !isDatabaseUnavailable(error),
  });

  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /**
   * Receipts still lingering are written now, while the database is open (it
   * closes in onApplicationShutdown, after every beforeApplicationShutdown);
   * a timer firing after that would find the pool gone and the message would
   * stay `sent`. Receipts that come later, while the sockets close, are written
   * at once.
   */
  beforeApplicationShutdown(): Promise<void> {
    return this.receiptWrites.close();
  }

  /**
   * Stores outgoing messages of one organization (the send endpoint's, several
   * callers' at once) in one transaction, each only while its instance is
   * connected: one INSERT ... SELECT, in the drafts' order. Each stored row says
   * whether an earlier message of its instance to the same person is still
   * queued (a row earlier in the same batch counts), so its send can wait for
   * that one's wake-up instead of being picked up only to wait. Instance statuses
   * are read only for drafts that were not stored (null: no such instance here).
   * `alsoWhenStored` runs in the same transaction with the stored drafts (what a
   * stored send changes elsewhere commits with it).
   */
  async insertOutbound(
    organizationId: string,
    drafts: readonly OutboundDraft[],
    alsoWhenStored?: (tx: Db, stored: OutboundDraft[]) => Promise<void>,
  ): Promise<Map<string, OutboundStored>> {
    const column = <K extends keyof OutboundDraft>(key: K) => sql.param(drafts.map((draft) => draft[key]));
    return this.database.withTenant(organizationId, async (tx) => {
      const inserted = await tx.execute(sql`
        INSERT INTO messages (id, organization_id, instance_id, remote_phone, direction, origin, type, body, media_ref, media_mimetype, status, created_at)
        SELECT draft.id, ${organizationId}, draft.instance_id, draft.remote_phone, 'outbound', draft.origin, draft.type, draft.body,
               draft.media_ref, draft.media_mimetype, 'queued',
               -- Apart by a microsecond each, so the order of sends to one person is the batch's, never a tie.
               now() + draft.position * interval '1 microsecond'
          FROM unnest(${column('id')}::uuid[], ${column('instanceId')}::uuid[], ${column('remotePhone')}::text[], ${column('origin')}::text[],
                      ${column('type')}::text[], ${column('body')}::text[], ${column('mediaRef')}::text[], ${column('mediaMimetype')}::text[])
               WITH ORDINALITY AS draft(id, instance_id, remote_phone, origin, type, body, media_ref, media_mimetype, position)
          JOIN whatsapp_instances instance ON instance.id = draft.instance_id AND instance.status = 'connected'
         ORDER BY draft.position
        RETURNING id, ${WAITS_FOR_EARLIER} AS waits_for_earlier`);
      // The statement's snapshot holds only rows from before it: a row earlier in this batch is added here.
      const waits = new Map((inserted as unknown as { rows: { id: string; waits_for_earlier: boolean }[] }).rows.map((row) => [row.id, row.waits_for_earlier]));
      const outcomes = new Map<string, OutboundStored>();
      const queuedPeople = new Set<string>();
      for (const draft of drafts) {
        const waitsForEarlier = waits.get(draft.id);
        if (waitsForEarlier === undefined) continue;
        const person = `${draft.instanceId} ${draft.remotePhone}`;
        outcomes.set(draft.id, { stored: true, waitsForEarlier: waitsForEarlier || queuedPeople.has(person) });
        queuedPeople.add(person);
      }
      const stored = drafts.filter((draft) => outcomes.has(draft.id));
      if (stored.length > 0) await alsoWhenStored?.(tx, stored);
      if (stored.length < drafts.length) {
        const instanceIds = [...new Set(drafts.filter((draft) => !outcomes.has(draft.id)).map((draft) => draft.instanceId))];
        const statuses = new Map(
          (
            await tx.select({ id: whatsappInstances.id, status: whatsappInstances.status }).from(whatsappInstances).where(inArray(whatsappInstances.id, instanceIds))
          ).map((instance) => [instance.id, instance.status]),
        );
        for (const draft of drafts) {
          if (!outcomes.has(draft.id)) outcomes.set(draft.id, { stored: false, instanceStatus: statuses.get(draft.instanceId) ?? null });
        }
      }
      return outcomes;
    });
  }

  /**
   * Of these stored messages, the ones still behind an earlier queued message
   * to the same person, read after their transaction committed: the earlier send
   * may have left in between, before it could see them to wake them. On the
   * owner connection with the organization in the filter, as findForSend: one
   * statement on the send path instead of a tenant transaction's three round trips.
   */
  async stillWaitingForEarlier(organizationId: string, messageIds: readonly string[]): Promise<Set<string>> {
    const rows = await this.database.systemDb
      .select({ id: messages.id })
      .from(messages)
      .where(and(inArray(messages.id, [...messageIds]), eq(messages.organizationId, organizationId), eq(messages.status, 'queued'), WAITS_FOR_EARLIER));
    return new Set(rows.map((row) => row.id));
  }

  /**
   * The message to send, whether an earlier message of the instance to the
   * same person is still waiting to be sent: sends to one person leave in the
   * order they were written (a retried send after a crash must not be overtaken
   * by the next reply), and whether it is the assistant's reply to a
   * conversation a person took since (TAKEN_BY_PERSON), read in the same statement.
   *
   * The outbound worker serves every organization's sends, like the receipts
   * below: it reads and stamps one message by id with a single statement on the
   * owner connection, the organization in the filter, instead of three round
   * trips of a tenant transaction per step (the send path's largest cost).
   */
  async findForSend(organizationId: string, messageId: string): Promise<(MessageRow & { waitsForEarlier: boolean; takenByPerson: boolean }) | null> {
    const [row] = await preparedQuery(this.database.systemDb, 'oxy_message_for_send', findForSend).execute({ messageId, organizationId });
    return row ?? null;
  }

  /**
   * Stamps a sent message with WhatsApp's id. A receipt that came first (kept
   * while the send was under way) is folded into the same statement: the
   * message goes straight to `delivered` or `read`. Answers the next message
   * to the same person waiting to be sent, read in the same round trip (END_SEND).
   */
  async markSent(organizationId: string, messageId: string, waMessageId: string, instanceId: string): Promise<string | null> {
    const folded = this.earlyReceipts.get(waMessageId)?.status;
    const next = await this.endSend(organizationId, messageId, { status: folded ?? 'sent', waMessageId, error: null });
    this.inFlight.delete(waMessageId);
    // A receipt that came while the statement ran was kept, not written: it is applied now.
    const later = this.earlyReceipts.get(waMessageId)?.status;
    if (later !== undefined && later !== folded) await this.moveForward(instanceId, waMessageId, later);
    return next;
  }

  /** Answers the next message to the same person waiting to be sent, as markSent does. */
  async markFailed(organizationId: string, messageId: string, error: string): Promise<string | null> {
    return this.endSend(organizationId, messageId, { status: 'failed', waMessageId: null, error });
  }

  /** Ends a queued send (END_SEND): null when it was not queued, or nothing waits behind it. */
  private async endSend(
    organizationId: string,
    messageId: string,
    end: { status: MessageStatus; waMessageId: string | null; error: string | null },
  ): Promise<string | null> {
    const [ended] = await this.database.withConnection((runner) =>
      runner.query<{ next_id: string | null }>(
        END_SEND,
        [messageId, organizationId, end.status, end.waMessageId, end.error, new Date().toISOString()],
        'oxy_message_ended',
      ),
    );
    return ended?.next_id ?? null;
  }

  /** A send is under way with this WhatsApp id: its receipts are kept for markSent rather than written twice. */
  sending(waMessageId: string): void {
    this.inFlight.add(waMessageId);
  }

  /** The send did not happen (it failed, or will be retried): its receipts go to the database again. */
  notSending(waMessageId: string): void {
    this.inFlight.delete(waMessageId);
  }

  /** The text of a message the instance sent, by WhatsApp's id (for a recipient asking to have it re-sent). */
  async sentText(instanceId: string, waMessageId: string): Promise<string | null> {
    const [row] = await this.database.systemDb
      .select({ body: messages.body })
      .from(messages)
      .where(
        and(
          eq(messages.instanceId, instanceId),
          eq(messages.waMessageId, waMessageId),
          eq(messages.direction, 'outbound'),
          eq(messages.type, 'text'),
        ),
      );
    return row?.body ?? null;
  }

  /** Receipts arrive on the socket, which serves one instance of any organization: cross-tenant by nature. */
  async applyReceipts(instanceId: string, updates: { messageId: string; status: ReceiptStatus }[]): Promise<void> {
    this.forgetExpiredReceipts();
    for (const update of updates) this.remember(update.messageId, update.status);
    // Its send has not stamped the id yet: no row would match; markSent applies the receipt.
    const written = updates.filter((update) => !this.inFlight.has(update.messageId));
    await Promise.all(written.map((update) => this.moveForward(instanceId, update.messageId, update.status)));
  }

  private moveForward(instanceId: string, waMessageId: string, status: ReceiptStatus): Promise<void> {
    return this.receiptWrites.submit({ instanceId, waMessageId, status });
  }

  /** One instance's receipts in one statement; a message's receipts in the batch count as its furthest. */
  private async writeReceipts(receipts: Receipt[]): Promise<void> {
    const byMessage = new Map<string, ReceiptStatus>();
    for (const { waMessageId, status } of receipts) {
      const known = byMessage.get(waMessageId);
      byMessage.set(waMessageId, known === undefined ? status : furthest(known, status));
    }
    // Each receipt finds its row through the unique (instance, WhatsApp id) index, one probe per receipt (the
    // LATERAL ... LIMIT 1 is planned per receipt, not against the instance's message count). Matching the instance and the id list as a join
    // let a generic plan, made with statistics from when the instance had few messages (a new number, a
    // server without autovacuum), read every message of the instance and filter the list: 3-4 ms a batch,
    // half of PostgreSQL's time under bench:inbound. The row is updated by primary key, so a concurrent
    // update of it is rechecked against the status condition, not lost.
    await this.database.systemDb.execute(sql`
      UPDATE messages SET status = receipt.status, updated_at = ${new Date().toISOString()}::timestamptz
        FROM unnest(${sql.param([...byMessage.keys()])}::text[], ${sql.param([...byMessage.values()])}::text[]) AS receipt(wa_message_id, status)
        CROSS JOIN LATERAL (
          SELECT id FROM messages
           WHERE instance_id = ${receipts[0].instanceId}::uuid AND wa_message_id = receipt.wa_message_id
           LIMIT 1
        ) AS found
       WHERE messages.id = found.id
         AND messages.status = ANY(${EARLIER_THAN_SQL})`);
  }

  private remember(waMessageId: string, status: ReceiptStatus): void {
    const known = this.earlyReceipts.get(waMessageId)?.status;
    // Keep the furthest status.
    if (known !== undefined && isBehind(status, known)) return;
    // Moved to the end rather than updated in place: the map stays in expiry order (one TTL for all).
    this.earlyReceipts.delete(waMessageId);
    this.earlyReceipts.set(waMessageId, { status, expiresAt: Date.now() + EARLY_RECEIPT_TTL_MS });
  }

  /** Drops the expired receipts at the front, and stops at the first live one: not a scan of a minute of receipts per batch. */
  private forgetExpiredReceipts(): void {
    const now = Date.now();
    for (const [id, receipt] of this.earlyReceipts) {
      if (receipt.expiresAt > now) break;
      this.earlyReceipts.delete(id);
    }
  }
}
