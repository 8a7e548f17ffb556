import { Inject, Injectable } from '@nestjs/common';
import { and, asc, eq, type SQL } from 'drizzle-orm';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { pets } from '../database/schema.js';

export type PetRow = typeof pets.$inferSelect;
export type NewPet = Pick<typeof pets.$inferInsert, 'contactId' | 'name' | 'species' | 'breed' | 'size' | 'birthDate' | 'notes'>;
export type PetChanges = Partial<Pick<typeof pets.$inferInsert, 'name' | 'species' | 'breed' | 'size' | 'birthDate' | 'notes'>>;

export interface PetFilter {
  contactId?: string;
}

@Injectable()
export class PetsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  list(organizationId: string, filter: PetFilter, limit: number, offset: number): Promise<PetRow[]> {
    const conditions: SQL[] = [];
    if (filter.contactId !== undefined) conditions.push(eq(pets.contactId, filter.contactId));
    return this.database.withTenant(organizationId, (tx) =>
      tx
        .select()
        .from(pets)
        .where(and(...conditions))
        .orderBy(asc(pets.name), asc(pets.id))
        .limit(limit)
        .offset(offset),
    );
  }

  async findById(organizationId: string, id: string): Promise<PetRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) => tx.select().from(pets).where(eq(pets.id, id)));
    return row ?? null;
  }

  /** Within the caller's transaction, which has checked the contact is visible to it. */
  async insert(tx: Db, organizationId: string, pet: NewPet): Promise<PetRow> {
    const [row] = await tx
      .insert(pets)
      .values({ ...pet, organizationId })
      .returning();
    return row;
  }

  async update(organizationId: string, id: string, changes: PetChanges): Promise<PetRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx
        .update(pets)
        .set({ ...changes, updatedAt: new Date() })
        .where(eq(pets.id, id))
        .returning(),
    );
    return row ?? null;
  }

  /** False when there was no such pet in the organization. */
  async delete(organizationId: string, id: string): Promise<boolean> {
    const deleted = await this.database.withTenant(organizationId, (tx) =>
      tx.delete(pets).where(eq(pets.id, id)).returning({ id: pets.id }),
    );
    return deleted.length > 0;
  }
}
