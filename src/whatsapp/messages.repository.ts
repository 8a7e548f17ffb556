import { Inject, Injectable } from '@nestjs/common';
import { and, eq, inArray } from 'drizzle-orm';
import { DATABASE, type Database } from '../database/database.js';
import { type MessageStatus, messages } from '../database/schema.js';
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

@Injectable()
export class MessagesRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async insert(message: NewMessage): Promise<MessageRow> {
    const [row] = await this.database.withTenant(message.organizationId, (tx) => tx.insert(messages).values(message).returning());
    return row;
  }

  async find(organizationId: string, messageId: string): Promise<MessageRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) => tx.select().from(messages).where(eq(messages.id, messageId)));
    return row ?? null;
  }

  async markSent(organizationId: string, messageId: string, waMessageId: string): Promise<void> {
    await this.database.withTenant(organizationId, (tx) =>
      tx
        .update(messages)
        .set({ status: 'sent', waMessageId, error: null, updatedAt: new Date() })
        .where(and(eq(messages.id, messageId), eq(messages.status, 'queued'))),
    );
  }

  async markFailed(organizationId: string, messageId: string, error: string): Promise<void> {
    await this.database.withTenant(organizationId, (tx) =>
      tx.update(messages).set({ status: 'failed', error, updatedAt: new Date() }).where(eq(messages.id, messageId)),
    );
  }

  /** Receipts arrive on the socket, which serves one instance of any organization: cross-tenant by nature. */
  async applyReceipts(instanceId: string, updates: { messageId: string; status: ReceiptStatus }[]): Promise<void> {
    for (const update of updates) {
      await this.database.systemDb
        .update(messages)
        .set({ status: update.status, updatedAt: new Date() })
        .where(
          and(
            eq(messages.instanceId, instanceId),
            eq(messages.waMessageId, update.messageId),
            inArray(messages.status, EARLIER_THAN[update.status]),
          ),
        );
    }
  }
}
