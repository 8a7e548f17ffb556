import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, type SQL } from 'drizzle-orm';
import { DATABASE, type Database } from '../database/database.js';
import { services } from '../database/schema.js';

export type ServiceRow = typeof services.$inferSelect;
export type NewService = Pick<typeof services.$inferInsert, 'name' | 'durationMin' | 'priceCents' | 'resourceKind'>;
export type ServiceChanges = Partial<Pick<typeof services.$inferInsert, 'name' | 'durationMin' | 'priceCents' | 'resourceKind' | 'active'>>;

export interface ServiceFilter {
  active?: boolean;
}

@Injectable()
export class ServicesRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  list(organizationId: string, filter: ServiceFilter, limit: number, offset: number): Promise<ServiceRow[]> {
    const conditions: SQL[] = [];
    if (filter.active !== undefined) conditions.push(eq(services.active, filter.active));
    return this.database.withTenant(organizationId, (tx) =>
      tx
        .select()
        .from(services)
        .where(and(...conditions))
        .orderBy(asc(services.name), asc(services.id))
        .limit(limit)
        .offset(offset),
    );
  }

  async findById(organizationId: string, id: string): Promise<ServiceRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) => tx.select().from(services).where(eq(services.id, id)));
    return row ?? null;
  }

  async insert(organizationId: string, service: NewService): Promise<ServiceRow> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx
        .insert(services)
        .values({ ...service, organizationId })
        .returning(),
    );
    return row;
  }

  /** Row-level security scopes the update: another organization's service is simply not found. */
  async update(organizationId: string, id: string, changes: ServiceChanges): Promise<ServiceRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx
        .update(services)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(services.id, id))
        .returning(),
    );
    return row ?? null;
  }
}
