import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, isNull } from 'drizzle-orm';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { apiKeys } from '../database/schema.js';

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type NewApiKey = Pick<typeof apiKeys.$inferInsert, 'organizationId' | 'name' | 'prefix' | 'keyHash' | 'scopes'>;

@Injectable()
export class ApiKeysRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /** Authentication happens before an organization is known, so it reads through systemDb. */
  async findActiveByHash(keyHash: string): Promise<Pick<ApiKeyRow, 'id' | 'organizationId'> | null> {
    const [row] = await this.database.systemDb
      .select({ id: apiKeys.id, organizationId: apiKeys.organizationId })
      .from(apiKeys)
      .where(and(eq(apiKeys.keyHash, keyHash), isNull(apiKeys.revokedAt)))
      .limit(1);
    return row ?? null;
  }

  async insert(tx: Db, key: NewApiKey): Promise<ApiKeyRow> {
    const [row] = await tx.insert(apiKeys).values(key).returning();
    return row;
  }

  list(organizationId: string, limit: number, offset: number): Promise<ApiKeyRow[]> {
    return this.database.withTenant(organizationId, (tx) =>
      tx.select().from(apiKeys).orderBy(desc(apiKeys.createdAt), desc(apiKeys.id)).limit(limit).offset(offset),
    );
  }

  /** Row-level security scopes the update: another organization's key is simply not found. */
  async revoke(organizationId: string, id: string): Promise<ApiKeyRow | null> {
    return this.database.withTenant(organizationId, async (tx) => {
      const [row] = await tx
        .update(apiKeys)
        .set({ revokedAt: new Date() })
        .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
        .returning();
      if (row !== undefined) return row;
      const [existing] = await tx.select().from(apiKeys).where(eq(apiKeys.id, id));
      return existing ?? null;
    });
  }

  async markUsed(id: string, usedAt: Date): Promise<void> {
    await this.database.systemDb.update(apiKeys).set({ lastUsedAt: usedAt }).where(eq(apiKeys.id, id));
  }
}
