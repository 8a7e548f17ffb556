import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresDatabase } from '../src/database/postgres-database.js';
import { messages } from '../src/database/schema.js';
import { MessagesRepository } from '../src/whatsapp/messages.repository.js';
import type { ReceiptStatus } from '../src/whatsapp/transport/whatsapp-transport.js';
import { openShopDatabase, type ShopDatabase } from './support/postgres.js';

const SENDS = 60;
const waIdOf = (index: number) => `3EB0RECEIPT${String(index).padStart(4, '0')}`;

/**
 * Receipts only move a message forward, however they arrive: one by one, in a
 * flood that is written a batch per statement, out of order, or twice.
 */
describe('delivery receipts', () => {
  let opened: ShopDatabase;
  let database: PostgresDatabase;
  let instanceId: string;

  beforeAll(async () => {
    opened = await openShopDatabase('receipts', 4, 'Receipts Pet Shop');
    ({ database, instanceId } = opened);
    await database.systemDb.insert(messages).values(
      Array.from({ length: SENDS }, (_, index) => ({
        organizationId: opened.organizationId,
        instanceId,
        remotePhone: `+55119${String(index).padStart(8, '0')}`,
        direction: 'outbound' as const,
        origin: 'agent' as const,
        type: 'text' as const,
        body: `resposta ${index}`,
        status: 'sent' as const,
        waMessageId: waIdOf(index),
      })),
    );
  });

  afterAll(async () => {
    await opened?.close();
  });

  it('leaves each message of a flood at its furthest status: a late "delivered" never undoes "read"', async () => {
    const repository = new MessagesRepository(database);
    const receipt = (index: number, status: ReceiptStatus) => repository.applyReceipts(instanceId, [{ messageId: waIdOf(index), status }]);
    const flood: Promise<void>[] = [];
    for (let index = 0; index < SENDS; index++) {
      flood.push(receipt(index, 'delivered'));
      if (index % 2 === 0) flood.push(receipt(index, 'read'));
      // Arriving after "read", in the same flood (it may share its statement) or in a batch of its own.
      if (index % 4 === 0) flood.push(receipt(index, 'delivered'));
      if (index % 4 === 2) flood.push(repository.applyReceipts(instanceId, [{ messageId: waIdOf(index), status: 'read' }, { messageId: waIdOf(index), status: 'delivered' }]));
    }
    await Promise.all(flood);
    // Long after the flood: still no way back.
    await receipt(0, 'delivered');

    const rows = await database.systemDb.select({ waMessageId: messages.waMessageId, status: messages.status }).from(messages).where(eq(messages.instanceId, instanceId));
    const statusOf = new Map(rows.map((row) => [row.waMessageId, row.status]));
    for (let index = 0; index < SENDS; index++) {
      expect(statusOf.get(waIdOf(index)), waIdOf(index)).toBe(index % 2 === 0 ? 'read' : 'delivered');
    }
  });
  it('writes a receipt still waiting for company when the app stops, before the database closes', async () => {
    const waMessageId = '3EB0RECEIPTLATE';
    await database.systemDb.insert(messages).values({
      organizationId: opened.organizationId,
      instanceId,
      remotePhone: '+5511988887777',
      direction: 'outbound',
      origin: 'agent',
      type: 'text',
      body: 'até logo',
      status: 'sent',
      waMessageId,
    });
    const repository = new MessagesRepository(database);
    const applied = repository.applyReceipts(instanceId, [{ messageId: waMessageId, status: 'read' }]);
    // Nest runs this hook, then closes the database: nothing may be left for a timer.
    await repository.beforeApplicationShutdown();
    const [row] = await database.systemDb.select({ status: messages.status }).from(messages).where(eq(messages.waMessageId, waMessageId));
    expect(row.status).toBe('read');
    await applied;
  });
});
