import { Inject, Injectable } from '@nestjs/common';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { DATABASE, type Database } from '../database/database.js';
import { type InstanceStatus, type MessageStatus, messages, whatsappInstances } from '../database/schema.js';
import type { ReceiptStatus } from './transport/whatsapp-transport.js';

export type MessageRow = typeof messages.$inferSelect;
export type NewMessage = typeof messages.$inferInsert;

/** A receipt may only move a message forward: a late "delivered" never undoes "read". */
const EARLIER_THAN: Record<ReceiptStatus, MessageStatus[]> = {
  sent: ['queued'],
  delivered: ['queued', 'sent'],
  read: ['queued', 'sent', 'delivered'],
  failed: ['queued', 'sent'],
};

/** How long a receipt that found no message yet is kept for the send that is about to record its id. */
const EARLY_RECEIPT_TTL_MS = 60_000;

@Injectable()
export class MessagesRepository {
  /**
   * WhatsApp can acknowledge a message before the sender has stored its id (the
   * sandbox does so within milliseconds). Every receipt is remembered here for a
   * minute, by WhatsApp id, and markSent applies it again once the id is stored,
   * whatever order the two database writes ran in. Sends and receipts of an
   * instance happen in the process that holds its socket, so memory is enough.
   */
  private readonly earlyReceipts = new Map<string, { status: ReceiptStatus; expiresAt: number }>();

  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async insert(message: NewMessage): Promise<MessageRow> {
    const [row] = await this.database.withTenant(message.organizationId, (tx) => tx.insert(messages).values(message).returning());
    return row;
  }

  /**
   * Stores an outgoing message only while its instance is connected: one INSERT
   * ... SELECT on the hot path (the send endpoint); the status is read only when
   * nothing was inserted. `status` null: no such instance in this organization.
   */
  async insertIfConnected(
    message: NewMessage,
  ): Promise<{ status: InstanceStatus | null; message: { id: string; status: MessageStatus } | null }> {
    return this.database.withTenant(message.organizationId, async (tx) => {
      const inserted = await tx.execute(sql`
        INSERT INTO messages (organization_id, instance_id, remote_phone, direction, origin, type, body, media_ref, media_mimetype, status)
        SELECT ${message.organizationId}, ${message.instanceId}, ${message.remotePhone}, ${message.direction}, ${message.origin ?? null}, ${message.type},
               ${message.body ?? null}, ${message.mediaRef ?? null}, ${message.mediaMimetype ?? null}, ${message.status}
          FROM whatsapp_instances
         WHERE id = ${message.instanceId} AND status = 'connected'
        RETURNING id, status`);
      const [row] = (inserted as unknown as { rows: { id: string; status: MessageStatus }[] }).rows;
      if (row !== undefined) return { status: 'connected', message: row };
      const [instance] = await tx
        .select({ status: whatsappInstances.status })
        .from(whatsappInstances)
        .where(eq(whatsappInstances.id, message.instanceId));
      return { status: instance?.status ?? null, message: null };
    });
  }

  /**
   * The outbound worker serves every organization's sends, like the receipts
   * below: it reads and stamps one message by id with a single statement on the
   * owner connection, the organization in the filter, instead of three round
   * trips of a tenant transaction per step (the send path's largest cost).
   */
  async findForSend(organizationId: string, messageId: string): Promise<MessageRow | null> {
    const [row] = await this.database.systemDb
      .select()
      .from(messages)
      .where(and(eq(messages.id, messageId), eq(messages.organizationId, organizationId)));
    return row ?? null;
  }

  /**
   * Whether an earlier message of the instance to the same person is still
   * waiting to be sent: sends to one person leave in the order they were
   * written (a retried send after a crash must not be overtaken by the next
   * reply). Compared in SQL, where created_at keeps its microseconds.
   */
  async hasEarlierUnsent(organizationId: string, messageId: string): Promise<boolean> {
    const result = await this.database.systemDb.execute(sql`
      SELECT EXISTS (
        SELECT 1 FROM messages current, messages earlier
         WHERE current.id = ${messageId} AND current.organization_id = ${organizationId}
           AND earlier.organization_id = current.organization_id AND earlier.remote_phone = current.remote_phone
           AND earlier.instance_id = current.instance_id AND earlier.direction = 'outbound' AND earlier.status = 'queued'
           AND (earlier.created_at, earlier.id) < (current.created_at, current.id)
      ) AS waiting`);
    return (result as unknown as { rows: { waiting: boolean }[] }).rows[0]?.waiting === true;
  }

  async markSent(organizationId: string, messageId: string, waMessageId: string, instanceId: string): Promise<void> {
    await this.database.systemDb
      .update(messages)
      .set({ status: 'sent', waMessageId, error: null, updatedAt: new Date() })
      .where(and(eq(messages.id, messageId), eq(messages.organizationId, organizationId), eq(messages.status, 'queued')));
    const early = this.earlyReceipts.get(waMessageId);
    if (early !== undefined) await this.moveForward(instanceId, waMessageId, early.status);
  }

  async markFailed(organizationId: string, messageId: string, error: string): Promise<void> {
    await this.database.withTenant(organizationId, (tx) =>
      tx.update(messages).set({ status: 'failed', error, updatedAt: new Date() }).where(eq(messages.id, messageId)),
    );
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
    for (const update of updates) await this.moveForward(instanceId, update.messageId, update.status);
  }

  private async moveForward(instanceId: string, waMessageId: string, status: ReceiptStatus): Promise<void> {
    await this.database.systemDb
      .update(messages)
      .set({ status, updatedAt: new Date() })
      .where(
        and(eq(messages.instanceId, instanceId), eq(messages.waMessageId, waMessageId), inArray(messages.status, EARLIER_THAN[status])),
      );
  }

  private remember(waMessageId: string, status: ReceiptStatus): void {
    const known = this.earlyReceipts.get(waMessageId)?.status;
    // Keep the furthest status: a late "delivered" must not undo an earlier "read".
    if (known !== undefined && EARLIER_THAN[known].includes(status as MessageStatus)) return;
    this.earlyReceipts.set(waMessageId, { status, expiresAt: Date.now() + EARLY_RECEIPT_TTL_MS });
  }

  private forgetExpiredReceipts(): void {
    const now = Date.now();
    for (const [id, receipt] of this.earlyReceipts) if (receipt.expiresAt <= now) this.earlyReceipts.delete(id);
  }
}
