import { Inject, Injectable } from '@nestjs/common';
import { type SQL, sql } from 'drizzle-orm';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { messages, type ProactiveKind, proactiveMessages } from '../database/schema.js';
import { DEFAULT_PROACTIVE_SETTINGS } from '../organizations/proactive-settings.js';

/** A message Aurora is about to send, and the key that makes it one per organization and kind. */
export interface ProactiveClaim {
  organizationId: string;
  kind: ProactiveKind;
  dedupeKey: string;
  text: string;
  data: Record<string, unknown>;
  ownerNumbers: string[];
}

/** What the claim wrote: the WhatsApp messages to enqueue (none without owner numbers or an instance connected or coming back). */
export interface ClaimedMessage {
  id: string;
  instanceId: string | null;
  messageIds: string[];
}

export interface BookingDetails {
  startsAt: Date;
  service: string;
  pet: string | null;
  customer: string | null;
  phone: string;
}

/** Status changes that raise an alert, by the kind of proactive message they raise. */
export const ALERT_KIND_OF = { no_show: 'no_show', cancelled: 'cancellation' } as const satisfies Record<string, ProactiveKind>;

@Injectable()
export class ProactiveRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /**
   * The claim and the sends in one transaction: the row keyed (organization,
   * kind, dedupe key) is inserted, or nothing is (someone claimed it already:
   * null); with it, one queued outbound message per owner number through the
   * shop's connected instance (or one reconnecting). The messages are stored before any job exists,
   * so a crash after the commit still sends them (the inbound sweeper re-enqueues
   * queued rows).
   */
  claim(claim: ProactiveClaim): Promise<ClaimedMessage | null> {
    return this.database.withTenant(claim.organizationId, async (tx) => {
      const instanceId = claim.ownerNumbers.length === 0 ? null : await this.sendingInstance(tx, claim.organizationId);
      const recipients = instanceId === null ? [] : claim.ownerNumbers;
      const [row] = await tx
        .insert(proactiveMessages)
        .values({
          organizationId: claim.organizationId,
          kind: claim.kind,
          dedupeKey: claim.dedupeKey,
          text: claim.text,
          data: claim.data,
          instanceId,
          recipients: recipients.length,
        })
        .onConflictDoNothing({ target: [proactiveMessages.organizationId, proactiveMessages.kind, proactiveMessages.dedupeKey] })
        .returning({ id: proactiveMessages.id });
      if (row === undefined) return null;
      if (instanceId === null) return { id: row.id, instanceId, messageIds: [] };
      const sent = await tx
        .insert(messages)
        .values(
          recipients.map((phone) => ({
            organizationId: claim.organizationId,
            instanceId,
            remotePhone: phone,
            direction: 'outbound' as const,
            origin: 'agent' as const,
            type: 'text' as const,
            body: claim.text,
            status: 'queued' as const,
          })),
        )
        .returning({ id: messages.id });
      return { id: row.id, instanceId, messageIds: sent.map((message) => message.id) };
    });
  }

  /**
   * Shops whose clock has reached their summary hour on the date it shows at
   * `now`, that existed at that hour (a shop created in the afternoon starts
   * the next day) and that have no summary for that date yet: the day's job is
   * due. Across organizations by nature (the scheduler serves the deployment).
   */
  async dueForDailyRun(now: Date): Promise<{ organizationId: string; date: string }[]> {
    const local = sql`(${now.toISOString()}::timestamptz AT TIME ZONE o.timezone)`;
    const hour = sql`coalesce((o.settings->'proactive'->>'dailySummaryHour')::int, ${DEFAULT_PROACTIVE_SETTINGS.dailySummaryHour})`;
    const rows = await rowsOf<{ id: string; date: string }>(
      this.database.systemDb,
      sql`SELECT o.id, to_char(${local}, 'YYYY-MM-DD') AS date
          FROM organizations o
          WHERE extract(hour FROM ${local}) >= ${hour}
            AND (o.created_at AT TIME ZONE o.timezone) <= date_trunc('day', ${local}) + make_interval(hours => ${hour})
            AND NOT EXISTS (
              SELECT 1 FROM proactive_messages p
              WHERE p.organization_id = o.id AND p.kind = 'daily_summary' AND p.dedupe_key = to_char(${local}, 'YYYY-MM-DD')
            )`,
    );
    return rows.map((row) => ({ organizationId: row.id, date: row.date }));
  }

  /**
   * No-shows and cancellations recorded since `since` whose alert was not sent
   * (its job lost with Redis down, or a process that died): the tick's safety net.
   * Shops that turned alerts off are left out.
   */
  async alertsNotSent(since: Date, limit: number): Promise<{ organizationId: string; bookingId: string; status: keyof typeof ALERT_KIND_OF }[]> {
    const rows = await rowsOf<{ organization_id: string; booking_id: string; to_status: keyof typeof ALERT_KIND_OF }>(
      this.database.systemDb,
      sql`SELECT DISTINCT e.organization_id, e.booking_id, e.to_status
          FROM booking_events e
          JOIN organizations o ON o.id = e.organization_id
          WHERE e.created_at >= ${since.toISOString()}::timestamptz
            AND e.to_status IN ('no_show', 'cancelled')
            AND coalesce((o.settings->'proactive'->>'alerts')::boolean, true)
            AND NOT EXISTS (
              SELECT 1 FROM proactive_messages p
              WHERE p.organization_id = e.organization_id AND p.dedupe_key = e.booking_id::text
                AND p.kind = CASE e.to_status WHEN 'no_show' THEN 'no_show' ELSE 'cancellation' END
            )
          LIMIT ${limit}`,
    );
    return rows.map((row) => ({ organizationId: row.organization_id, bookingId: row.booking_id, status: row.to_status }));
  }

  /** A booking as the owner's alert names it. */
  async bookingDetails(organizationId: string, bookingId: string): Promise<BookingDetails | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      rowsOf<{ starts_at: string | Date; service: string; pet: string | null; customer: string | null; phone: string }>(
        tx,
        sql`SELECT lower(b.during) AS starts_at, s.name AS service, p.name AS pet, c.name AS customer, c.phone
            FROM bookings b
            JOIN services s ON s.id = b.service_id
            JOIN contacts c ON c.id = b.contact_id
            LEFT JOIN pets p ON p.id = b.pet_id
            WHERE b.organization_id = ${organizationId} AND b.id = ${bookingId}`,
      ),
    );
    if (row === undefined) return null;
    return { startsAt: new Date(row.starts_at), service: row.service, pet: row.pet, customer: row.customer, phone: row.phone };
  }

  /**
   * The instance Aurora writes through: a connected one first, the most recently
   * connected first; else one whose socket is coming back (connecting,
   * reconnecting). A worker restarting at the summary hour finds its instances
   * still connecting: the messages are queued on it and the outbound worker waits
   * for the socket (OUTBOUND_RECONNECT_WAIT_MS), where recording the message with
   * no instance would have kept it off WhatsApp for good.
   */
  private async sendingInstance(tx: Db, organizationId: string): Promise<string | null> {
    const [row] = await rowsOf<{ id: string }>(
      tx,
      sql`SELECT id FROM whatsapp_instances
          WHERE organization_id = ${organizationId} AND status IN ('connected', 'connecting', 'reconnecting')
          ORDER BY status = 'connected' DESC, last_connected_at DESC NULLS LAST, created_at
          LIMIT 1`,
    );
    return row?.id ?? null;
  }
}

async function rowsOf<Row>(db: Db, statement: SQL): Promise<Row[]> {
  const result = await db.execute(statement);
  return (result as unknown as { rows: Row[] }).rows;
}
