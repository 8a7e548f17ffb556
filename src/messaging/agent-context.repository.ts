import { Injectable } from '@nestjs/common';
import { and, asc, eq, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../database/database.js';
import { ACTIVE_BOOKING_STATUSES, bookings, organizations, pets, services } from '../database/schema.js';
import type { AgentContext } from './conversation-agent.js';

const UPCOMING_BOOKINGS_SHOWN = 10;

/** What an agent knows about the shop and the customer at the start of a turn, read inside the turn's transaction. */
@Injectable()
export class AgentContextRepository {
  async organization(tx: Db) {
    const [row] = await tx
      .select({
        id: organizations.id,
        name: organizations.name,
        timezone: organizations.timezone,
        businessHours: organizations.businessHours,
        authorizedOwnerNumbers: organizations.authorizedOwnerNumbers,
      })
      .from(organizations);
    return row ?? null;
  }

  async shopAndCustomer(tx: Db, contactId: string, now: Date): Promise<Pick<AgentContext, 'services' | 'pets' | 'upcomingBookings'>> {
    // One after another: a transaction is one connection, which runs one query at a time.
    const serviceRows = await tx
      .select({ id: services.id, name: services.name, durationMin: services.durationMin, priceCents: services.priceCents })
      .from(services)
      .where(eq(services.active, true))
      .orderBy(asc(services.name));
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
      services: serviceRows,
      pets: petRows,
      upcomingBookings: bookingRows.map((row) => ({ ...row, startsAt: new Date(row.startsAt) })),
    };
  }
}
