import { Inject, Injectable } from '@nestjs/common';
import { count, eq, sql } from 'drizzle-orm';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { organizations } from '../database/schema.js';
import type { ProactiveSettings } from './proactive-settings.js';

export type OrganizationRow = typeof organizations.$inferSelect;
export type OrganizationChanges = Partial<
  Pick<
    typeof organizations.$inferInsert,
    'name' | 'timezone' | 'businessHours' | 'slotGranularityMin' | 'minimumNoticeMin' | 'authorizedOwnerNumbers'
  >
> & {
  /** Keys merged into `settings`; keys not named keep their values. */
  settings?: OrganizationSettings;
};

/** The organization's `settings` keys the server reads. */
export interface OrganizationSettings {
  /** Campaigns also go to customers who have not written in the last 24 hours (off by default: WhatsApp's rules). */
  campaignsOutsideWindow?: boolean;
}
export type NewOrganization = Pick<typeof organizations.$inferInsert, 'name' | 'timezone' | 'authorizedOwnerNumbers'>;

@Injectable()
export class OrganizationsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async insert(tx: Db, organization: NewOrganization): Promise<OrganizationRow> {
    const [row] = await tx.insert(organizations).values(organization).returning();
    return row;
  }

  async findById(organizationId: string): Promise<OrganizationRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx.select().from(organizations).where(eq(organizations.id, organizationId)),
    );
    return row ?? null;
  }

  /**
   * `settings` is merged into the stored settings, and `proactive` into
   * settings.proactive, in the same statement: fields left out keep their value.
   */
  async update(organizationId: string, changes: OrganizationChanges, proactive?: Partial<ProactiveSettings>): Promise<OrganizationRow | null> {
    const { settings, ...columns } = changes;
    let merged = sql`${organizations.settings}`;
    if (settings !== undefined) merged = sql`(${merged} || ${JSON.stringify(settings)}::jsonb)`;
    if (proactive !== undefined) {
      merged = sql`jsonb_set(${merged}, '{proactive}', coalesce(${merged}->'proactive', '{}'::jsonb) || ${JSON.stringify(proactive)}::jsonb)`;
    }
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx
        .update(organizations)
        .set({
          ...columns,
          ...(settings === undefined && proactive === undefined ? {} : { settings: merged }),
          updatedAt: new Date(),
        })
        .where(eq(organizations.id, organizationId))
        .returning(),
    );
    return row ?? null;
  }

  /** Used once at boot to decide whether the demo shop should be created. */
  async countAll(): Promise<number> {
    const [row] = await this.database.systemDb.select({ total: count() }).from(organizations);
    return row.total;
  }
}
