import { Injectable } from '@nestjs/common';
import { asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../database/database.js';
import { ACTIVE_BOOKING_STATUSES, organizations, services } from '../database/schema.js';
import type { AgentContext } from './conversation-agent.js';

const UPCOMING_BOOKINGS_SHOWN = 10;

export type CustomerContext = Pick<AgentContext, 'pets' | 'upcomingBookings' | 'history'>;

/** JSON has no dates: the instants come as strings. */
interface CustomerRow {
  pets: AgentContext['pets'];
  bookings: (Omit<AgentContext['upcomingBookings'][number], 'startsAt'> & { startsAt: string })[];
  history: (Omit<AgentContext['history'][number], 'at'> & { at: string })[];
}

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

  /**
   * The customer's pets, upcoming bookings and the conversation's last
   * messages, in one statement (three JSON arrays): every turn reads them.
   */
  async customer(tx: Db, contact: { id: string; phone: string }, now: Date, historyLimit: number): Promise<CustomerContext> {
    const result = await tx.execute(sql`
      SELECT
        (SELECT coalesce(json_agg(p ORDER BY p.name), '[]'::json)
           FROM (SELECT id, name, species, breed, size FROM pets WHERE contact_id = ${contact.id}) p) AS pets,
        (SELECT coalesce(json_agg(b ORDER BY b."startsAt"), '[]'::json)
           FROM (SELECT bookings.id, services.name AS "serviceName", pets.name AS "petName",
                        lower(bookings.during) AS "startsAt", bookings.status
                   FROM bookings
                   JOIN services ON services.id = bookings.service_id
                   LEFT JOIN pets ON pets.id = bookings.pet_id
                  WHERE bookings.contact_id = ${contact.id}
                    AND bookings.status IN ${[...ACTIVE_BOOKING_STATUSES]}
                    AND lower(bookings.during) > ${now.toISOString()}::timestamptz
                  ORDER BY lower(bookings.during)
                  LIMIT ${UPCOMING_BOOKINGS_SHOWN}) b) AS bookings,
        (SELECT coalesce(json_agg(h ORDER BY h.at), '[]'::json)
           FROM (SELECT direction, body AS text, created_at AS at FROM messages
                  WHERE remote_phone = ${contact.phone} AND status NOT IN ('received', 'processing')
                  ORDER BY created_at DESC
                  LIMIT ${historyLimit}) h) AS history`);
    const [row] = (result as unknown as { rows: CustomerRow[] }).rows;
    return {
      pets: row.pets,
      upcomingBookings: row.bookings.map((booking) => ({ ...booking, startsAt: new Date(booking.startsAt) })),
      history: row.history.map((message) => ({ ...message, at: new Date(message.at) })),
    };
  }
}
