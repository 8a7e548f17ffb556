import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, type SQL } from 'drizzle-orm';
import { DATABASE, type Database } from '../database/database.js';
import { type ResourceKind, resources } from '../database/schema.js';

export type ResourceRow = typeof resources.$inferSelect;
export type NewResource = Pick<typeof resources.$inferInsert, 'name' | 'kind'>;
export type ResourceChanges = Partial<Pick<typeof resources.$inferInsert, 'name' | 'kind' | 'active'>>;

export interface ResourceFilter {
  kind?: ResourceKind;
  active?: boolean;
}

@Injectable()
export class ResourcesRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  list(organizationId: string, filter: ResourceFilter, limit: number, offset: number): Promise<ResourceRow[]> {
    const conditions: SQL[] = [];
    if (filter.kind !== undefined) conditions.push(eq(resources.kind, filter.kind));
    if (filter.active !== undefined) conditions.push(eq(resources.active, filter.active));
    return this.database.withTenant(organizationId, (tx) =>
      tx
        .select()
        .from(resources)
        .where(and(...conditions))
        .orderBy(asc(resources.name), asc(resources.id))
        .limit(limit)
        .offset(offset),
    );
  }

  async findById(organizationId: string, id: string): Promise<ResourceRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) => tx.select().from(resources).where(eq(resources.id, id)));
    return row ?? null;
  }

  async insert(organizationId: string, resource: NewResource): Promise<ResourceRow> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx
        .insert(resources)
        .values({ ...resource, organizationId })
        .returning(),
    );
    return row;
  }

  /** Row-level security scopes the update: another organization's resource is simply not found. */
  async update(organizationId: string, id: string, changes: ResourceChanges): Promise<ResourceRow | null> {
    // Resources have no updated_at, so an empty change set is a plain read.
    if (Object.values(changes).every((value) => value === undefined)) return this.findById(organizationId, id);
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx.update(resources).set(changes).where(eq(resources.id, id)).returning(),
    );
    return row ?? null;
  }

  /** Active resources of one kind in the order they are offered: by name, then id so ties are stable. */
  activeOfKind(organizationId: string, kind: ResourceKind): Promise<ResourceRow[]> {
    return this.database.withTenant(organizationId, (tx) =>
      tx
        .select()
        .from(resources)
        .where(and(eq(resources.kind, kind), eq(resources.active, true)))
        .orderBy(asc(resources.name), asc(resources.id)),
    );
  }
}
