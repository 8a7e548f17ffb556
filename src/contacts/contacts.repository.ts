import { Inject, Injectable } from '@nestjs/common';
import { and, desc, eq, ilike, isNotNull, isNull, or, type SQL, sql } from 'drizzle-orm';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { isPostgresError, PostgresErrorCode } from '../database/postgres-errors.js';
import { contacts } from '../database/schema.js';

export type ContactRow = typeof contacts.$inferSelect;
export type NewContact = Pick<typeof contacts.$inferInsert, 'phone' | 'name' | 'notes'>;

export interface ContactChanges {
  name?: string | null;
  notes?: string | null;
  /** True stamps opted_out_at (keeping the first stamp); false clears it. */
  optedOut?: boolean;
}

export interface ContactFilter {
  /** Part of the name or phone, case-insensitive. */
  search?: string;
  optedOut?: boolean;
}

export function isDuplicatePhone(error: unknown): boolean {
  return isPostgresError(error, PostgresErrorCode.uniqueViolation, 'contacts_organization_phone_key');
}

function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
}

@Injectable()
export class ContactsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  list(organizationId: string, filter: ContactFilter, limit: number, offset: number): Promise<ContactRow[]> {
    const conditions: (SQL | undefined)[] = [];
    if (filter.search !== undefined) {
      const pattern = likePattern(filter.search);
      conditions.push(or(ilike(contacts.name, pattern), ilike(contacts.phone, pattern)));
    }
    if (filter.optedOut !== undefined) conditions.push(filter.optedOut ? isNotNull(contacts.optedOutAt) : isNull(contacts.optedOutAt));
    return this.database.withTenant(organizationId, (tx) =>
      tx
        .select()
        .from(contacts)
        .where(and(...conditions))
        .orderBy(desc(contacts.createdAt), desc(contacts.id))
        .limit(limit)
        .offset(offset),
    );
  }

  async findById(organizationId: string, id: string): Promise<ContactRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) => tx.select().from(contacts).where(eq(contacts.id, id)));
    return row ?? null;
  }

  async findByPhone(organizationId: string, phone: string): Promise<ContactRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) => tx.select().from(contacts).where(eq(contacts.phone, phone)));
    return row ?? null;
  }

  /** Within a transaction the caller holds; row-level security hides other organizations' contacts. */
  async existsIn(tx: Db, id: string): Promise<boolean> {
    const [row] = await tx.select({ id: contacts.id }).from(contacts).where(eq(contacts.id, id));
    return row !== undefined;
  }

  /** Null when the organization already has a contact with that phone. */
  async insert(organizationId: string, contact: NewContact): Promise<ContactRow | null> {
    try {
      const [row] = await this.database.withTenant(organizationId, (tx) =>
        tx
          .insert(contacts)
          .values({ ...contact, organizationId })
          .returning(),
      );
      return row;
    } catch (error) {
      if (isDuplicatePhone(error)) return null;
      throw error;
    }
  }

  async update(organizationId: string, id: string, changes: ContactChanges, now: Date): Promise<ContactRow | null> {
    const { optedOut, ...fields } = changes;
    const optedOutAt =
      optedOut === undefined
        ? undefined
        : optedOut
          ? sql`coalesce(${contacts.optedOutAt}, ${now.toISOString()}::timestamptz)`
          : null;
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx
        .update(contacts)
        .set({ ...fields, optedOutAt, updatedAt: now })
        .where(eq(contacts.id, id))
        .returning(),
    );
    return row ?? null;
  }
}
