import { Injectable } from '@nestjs/common';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../database/database.js';
import { ACTIVE_BOOKING_STATUSES, bookings, organizations, pets, services } from '../database/schema.js';
import type { AgentContext } from './conversation-agent.js';

const UPCOMING_BOOKINGS_SHOWN = 10;

export interface ShopSnapshot {
  organization: AgentContext['organization'] & { authorizedOwnerNumbers: string[] };
  services: AgentContext['services'];
}

/** What an agent knows about the shop and the customer at the start of a turn, read inside the turn's transaction. */
@Injectable()
export class AgentContextRepository {
  /** The shop as every turn sees it; null when the organization is gone. */
  async shop(tx: Db): Promise<ShopSnapshot | null> {
    const [organization] = await tx
      .select({
        id: organizations.id,
        name: organizations.name,
        timezone: organizations.timezone,
        businessHours: organizations.businessHours,
        authorizedOwnerNumbers: organizations.authorizedOwnerNumbers,
      })
      .from(organizations);
    if (organization === undefined) return null;
    const serviceRows = await tx
      .select({ id: services.id, name: services.name, durationMin: services.durationMin, priceCents: services.priceCents })
      .from(services)
      .where(eq(services.active, true))
      .orderBy(asc(services.name));
    return { organization, services: serviceRows };
  }

  /** The customer's pets and upcoming bookings; one query after the other (a transaction runs one at a time). */
  async customer(tx: Db, contactId: string, now: Date): Promise<Pick<AgentContext, 'pets' | 'upcomingBookings'>> {
    const petRows = await tx
      .select({ id: pets.id, name: pets.name, species: pets.species, breed: pets.breed, size: pets.size })
      .from(pets)
      .where(eq(pets.contactId, contactId))
      .orderBy(asc(pets.name));
    const bookingRows = await tx
      .select({
        id: bookings.id,
        serviceName: services.name,
        petName: pets.name,
        startsAt: sql<string>`lower(${bookings.during})`,
        status: bookings.status,
      })
      .from(bookings)
      .innerJoin(services, eq(services.id, bookings.serviceId))
      .leftJoin(pets, eq(pets.id, bookings.petId))
      .where(
        and(
          eq(bookings.contactId, contactId),
          inArray(bookings.status, [...ACTIVE_BOOKING_STATUSES]),
          gt(sql`lower(${bookings.during})`, sql`${now.toISOString()}::timestamptz`),
        ),
      )
      .orderBy(asc(sql`lower(${bookings.during})`))
      .limit(UPCOMING_BOOKINGS_SHOWN);
    return {
      pets: petRows,
      upcomingBookings: bookingRows.map((row) => ({ ...row, startsAt: new Date(row.startsAt) })),
    };
  }
}
