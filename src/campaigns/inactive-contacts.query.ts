import { Inject, Injectable } from '@nestjs/common';
import { type SQL, sql } from 'drizzle-orm';
import { Clock } from '../common/clock.js';
import { DATABASE, type Database } from '../database/database.js';

export interface InactiveContact {
  contactId: string;
  name: string | null;
  /** E.164. */
  phone: string;
  optedOut: boolean;
  /** The later of their last booking and their last message (or when the contact was created, if neither). */
  lastActivityAt: Date;
  lastMessageAt: Date | null;
  /** Their most recent booking that was not cancelled: the service and when it was. */
  lastService: { name: string; at: Date } | null;
  pets: { id: string; name: string; species: string; breed: string | null }[];
}

interface InactiveContactRow {
  id: string;
  name: string | null;
  phone: string;
  opted_out_at: string | Date | null;
  last_message_at: string | Date | null;
  last_activity_at: string | Date;
  last_booking_at: string | Date | null;
  last_service_name: string | null;
  pets: InactiveContact['pets'] | string;
}

const MAX_LIST_LIMIT = 500;

const asDate = (value: string | Date) => (value instanceof Date ? value : new Date(value));

/**
 * The one definition of an inactive customer: neither a booking (not cancelled)
 * nor a message since `cutoff`; a contact who never booked nor wrote counts
 * from when they were added. The owner numbers are not customers and never appear.
 * Runs in a tenant transaction: row-level security confines it to the organization.
 */
export function inactiveContactsSql(cutoff: Date): SQL {
  return sql`
    SELECT c.id, c.name, c.phone, c.opted_out_at, c.last_message_at, activity.last_activity_at,
           last_booking.starts_at AS last_booking_at, last_booking.service_name AS last_service_name
      FROM contacts c
      LEFT JOIN LATERAL (
        SELECT lower(b.during) AS starts_at, s.name AS service_name
          FROM bookings b JOIN services s ON s.id = b.service_id
         WHERE b.contact_id = c.id AND b.status <> 'cancelled'
         ORDER BY lower(b.during) DESC
         LIMIT 1
      ) last_booking ON true
      CROSS JOIN LATERAL (
        SELECT greatest(coalesce(last_booking.starts_at, '-infinity'::timestamptz), coalesce(c.last_message_at, c.created_at)) AS last_activity_at
      ) activity
     WHERE activity.last_activity_at < ${cutoff.toISOString()}::timestamptz
       AND NOT c.phone = ANY (SELECT unnest(o.authorized_owner_numbers) FROM organizations o WHERE o.id = c.organization_id)`;
}

/**
 * Inactive customers with what a message to win them back needs: their pets, their
 * last service, when they were last seen. For the owner's agent
 * (`listar_clientes_inativos`) and anyone listing them; campaigns with an
 * `inactive` audience resolve it with the same SQL.
 */
@Injectable()
export class InactiveContactsQuery {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly clock: Clock,
  ) {}

  /** Most recently lapsed first (the easiest to win back), at most `limit` (1 to 500). */
  async list(organizationId: string, days: number, limit: number): Promise<InactiveContact[]> {
    limit = Math.min(Math.max(Math.trunc(limit), 1), MAX_LIST_LIMIT);
    const cutoff = new Date(this.clock.now().getTime() - days * 24 * 3600 * 1000);
    const result = await this.database.withTenant(organizationId, (tx) =>
      tx.execute(sql`
        SELECT inactive.*,
               coalesce((SELECT json_agg(json_build_object('id', p.id, 'name', p.name, 'species', p.species, 'breed', p.breed) ORDER BY p.created_at)
                           FROM pets p WHERE p.contact_id = inactive.id), '[]'::json) AS pets
          FROM (${inactiveContactsSql(cutoff)}) inactive
         ORDER BY inactive.last_activity_at DESC, inactive.id
         LIMIT ${limit}`),
    );
    return (result as unknown as { rows: InactiveContactRow[] }).rows.map((row) => ({
      contactId: row.id,
      name: row.name,
      phone: row.phone,
      optedOut: row.opted_out_at !== null,
      lastActivityAt: asDate(row.last_activity_at),
      lastMessageAt: row.last_message_at === null ? null : asDate(row.last_message_at),
      lastService:
        row.last_booking_at === null || row.last_service_name === null
          ? null
          : { name: row.last_service_name, at: asDate(row.last_booking_at) },
      pets: typeof row.pets === 'string' ? (JSON.parse(row.pets) as InactiveContact['pets']) : row.pets,
    }));
  }
}
