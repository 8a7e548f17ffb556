import { Inject, Injectable } from '@nestjs/common';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { isPostgresError, PostgresErrorCode } from '../database/postgres-errors.js';
import {
  type ActorKind,
  type CampaignAudience,
  type CampaignSkipReason,
  type CampaignStatus,
  campaigns,
  whatsappInstances,
} from '../database/schema.js';
import { CUSTOMER_SERVICE_WINDOW_MS, personalizeCampaignText, recipientSkipReason } from './campaign-rules.js';
import { inactiveContactsSql } from './inactive-contacts.query.js';

export type CampaignRow = typeof campaigns.$inferSelect;

/**
 * When the contact `c` last wrote to the shop's number `instanceId` (null: to
 * any of the shop's numbers): what opens WhatsApp's 24-hour window, which each
 * business number has with each customer (contacts.last_message_at counts any
 * of the shop's numbers). Read by the sender at each recipient's turn and by
 * the reach counted before it, so both judge the window alike.
 */
function lastWroteTo(organizationId: string, instanceId: string | null) {
  return sql`(SELECT max(m.created_at) FROM messages m
     WHERE m.organization_id = ${organizationId} AND m.remote_phone = c.phone AND m.direction = 'inbound'
       AND (${instanceId}::uuid IS NULL OR m.instance_id = ${instanceId}::uuid))`;
}

/**
 * A campaign's counts as the API and the events show them. They add up to the
 * audience: `pending` is every recipient not sent, failed nor skipped (not
 * reached yet, or in flight), so after a cancel it says how many got nothing.
 */
export function campaignCounts(campaign: CampaignRow) {
  const settled = campaign.sentCount + campaign.failedCount + campaign.skippedOptedOut + campaign.skippedOutsideWindow;
  return {
    audienceSize: campaign.audienceSize,
    sent: campaign.sentCount,
    failed: campaign.failedCount,
    skippedOptedOut: campaign.skippedOptedOut,
    skippedOutsideWindow: campaign.skippedOutsideWindow,
    pending: Math.max(0, campaign.audienceSize - settled),
  };
}

/** Who of an audience a campaign would reach now, and why the others would be skipped. */
export interface AudienceReach {
  /** Contacts in the audience. */
  total: number;
  /** Would get the message. */
  reachable: number;
  /** Opted out (wrote SAIR). */
  optedOut: number;
  /** Not opted out, but outside WhatsApp's 24-hour window with the sending number (0 while the shop allows sending outside it). */
  outsideWindow: number;
}

/** Who created, approved or cancelled a campaign (the same shape bookings record). */
export interface CampaignActor {
  kind: ActorKind;
  id: string | null;
}

export interface NewCampaign {
  code: string;
  objective: string;
  audience: CampaignAudience;
  text: string;
  instanceId: string | null;
  createdBy: CampaignActor;
}

/** One step of sending: what happened to the next pending recipient. */
export type RecipientClaim =
  | { kind: 'queued'; messageId: string; contactId: string }
  | { kind: 'skipped'; contactId: string; reason: CampaignSkipReason }
  /** No pending recipient is free (none left, or another sender holds the last ones). */
  | { kind: 'none' }
  /** The campaign is no longer sending (cancelled): nothing was claimed. */
  | { kind: 'stopped' };

/** The campaign's state after its counts were brought up to date. */
export interface CampaignProgress {
  status: CampaignStatus;
  instanceId: string | null;
  /** Recipients whose message is stored and not yet sent or failed. */
  inFlight: number;
  pending: number;
  /** True when the counts moved since last time. */
  changed: boolean;
}

function isDuplicateCode(error: unknown): boolean {
  return isPostgresError(error, PostgresErrorCode.uniqueViolation, 'campaigns_organization_code_key');
}

const asRows = <Row>(result: unknown) => (result as { rows: Row[] }).rows;

@Injectable()
export class CampaignsRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /** Null when the organization already has a campaign with this code (the caller draws another). */
  async insertDraft(organizationId: string, draft: NewCampaign): Promise<CampaignRow | null> {
    try {
      const [row] = await this.database.withTenant(organizationId, (tx) =>
        tx
          .insert(campaigns)
          .values({
            organizationId,
            code: draft.code,
            objective: draft.objective,
            audience: draft.audience,
            text: draft.text,
            instanceId: draft.instanceId,
            createdByKind: draft.createdBy.kind,
            createdById: draft.createdBy.id,
          })
          .returning(),
      );
      return row;
    } catch (error) {
      if (isDuplicateCode(error)) return null;
      throw error;
    }
  }

  async findById(organizationId: string, id: string): Promise<CampaignRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) => tx.select().from(campaigns).where(eq(campaigns.id, id)));
    return row ?? null;
  }

  async findByCode(organizationId: string, code: string): Promise<CampaignRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) => tx.select().from(campaigns).where(eq(campaigns.code, code)));
    return row ?? null;
  }

  list(organizationId: string, filter: { status?: CampaignStatus }, limit: number, offset: number): Promise<CampaignRow[]> {
    return this.database.withTenant(organizationId, (tx) =>
      tx
        .select()
        .from(campaigns)
        .where(filter.status === undefined ? undefined : eq(campaigns.status, filter.status))
        .orderBy(desc(campaigns.createdAt), desc(campaigns.id))
        .limit(limit)
        .offset(offset),
    );
  }

  /**
   * Campaigns of every organization that should have a sending job: approved or
   * sending. Across organizations, for the sweeper that serves the whole
   * deployment; a partial index holds only these few, so the scan does not grow
   * with every campaign ever sent.
   */
  unfinished(): Promise<{ id: string; organizationId: string }[]> {
    return this.database.systemDb
      .select({ id: campaigns.id, organizationId: campaigns.organizationId })
      .from(campaigns)
      .where(inArray(campaigns.status, ['approved', 'sending']));
  }

  /** The instance, when it is this organization's; with its status. */
  async instance(organizationId: string, instanceId: string): Promise<{ id: string; status: string } | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx.select({ id: whatsappInstances.id, status: whatsappInstances.status }).from(whatsappInstances).where(eq(whatsappInstances.id, instanceId)),
    );
    return row ?? null;
  }

  /** The organization's first connected instance: the one campaigns send from unless told otherwise. */
  async connectedInstance(organizationId: string): Promise<string | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx
        .select({ id: whatsappInstances.id })
        .from(whatsappInstances)
        .where(eq(whatsappInstances.status, 'connected'))
        .orderBy(asc(whatsappInstances.createdAt))
        .limit(1),
    );
    return row?.id ?? null;
  }

  /**
   * Approves a draft and snapshots its audience into recipients, in one
   * transaction: the audience is who matched at approval. Null when the
   * campaign was not a draft any more (approved concurrently, or cancelled).
   */
  async approve(organizationId: string, id: string, approvedBy: CampaignActor, instanceId: string, now: Date): Promise<CampaignRow | null> {
    return this.database.withTenant(organizationId, async (tx) => {
      const [approved] = await tx
        .update(campaigns)
        .set({ status: 'approved', approvedAt: now, approvedByKind: approvedBy.kind, approvedById: approvedBy.id, instanceId, updatedAt: now })
        .where(and(eq(campaigns.id, id), eq(campaigns.status, 'draft')))
        .returning();
      if (approved === undefined) return null;
      const audience = this.audienceSql(approved.audience, now);
      await tx.execute(sql`
        INSERT INTO campaign_recipients (campaign_id, contact_id, organization_id)
        SELECT ${id}, audience.id, ${organizationId} FROM (${audience}) audience`);
      const [sized] = await tx
        .update(campaigns)
        .set({ audienceSize: sql`(SELECT count(*)::int FROM campaign_recipients WHERE campaign_id = ${id})` })
        .where(eq(campaigns.id, id))
        .returning();
      return sized;
    });
  }

  /**
   * Who of the audience a campaign sent now from `instanceId` would reach: the
   * rules the sender applies to each recipient at their turn
   * (recipientSkipReason: opted out first, then the 24-hour window with the
   * sending number unless the shop allows it), counted in one query. Without a
   * number (none connected yet) a message to any of the shop's numbers opens the window.
   */
  async audienceReach(organizationId: string, audience: CampaignAudience, instanceId: string | null, now: Date): Promise<AudienceReach> {
    const windowStart = new Date(now.getTime() - CUSTOMER_SERVICE_WINDOW_MS);
    const result = await this.database.withTenant(organizationId, (tx) =>
      tx.execute(sql`
        SELECT count(c.id)::int AS total,
               count(c.id) FILTER (WHERE c.opted_out_at IS NOT NULL)::int AS opted_out,
               count(c.id) FILTER (WHERE c.opted_out_at IS NULL AND NOT o.allowed
                                     AND coalesce(${lastWroteTo(organizationId, instanceId)} < ${windowStart}, true))::int AS outside_window
          FROM (SELECT coalesce((settings ->> 'campaignsOutsideWindow')::boolean, false) AS allowed FROM organizations WHERE id = ${organizationId}) o
          LEFT JOIN ((${this.audienceSql(audience, now)}) audience JOIN contacts c ON c.id = audience.id) ON true
         GROUP BY o.allowed`),
    );
    const [row] = asRows<{ total: number; opted_out: number; outside_window: number }>(result);
    const total = Number(row.total);
    const optedOut = Number(row.opted_out);
    const outsideWindow = Number(row.outside_window);
    return { total, reachable: total - optedOut - outsideWindow, optedOut, outsideWindow };
  }

  /** Null when the campaign was not in one of `from`. */
  async moveStatus(organizationId: string, id: string, from: CampaignStatus[], to: 'sending' | 'cancelled', now: Date): Promise<CampaignRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx
        .update(campaigns)
        .set({ status: to, updatedAt: now, ...(to === 'cancelled' ? { cancelledAt: now } : {}) })
        .where(and(eq(campaigns.id, id), inArray(campaigns.status, from)))
        .returning(),
    );
    return row ?? null;
  }

  /**
   * Takes the next pending recipient and, in the same transaction, either
   * skips them (with the reason) or stores their message (queued) and marks them
   * queued with its id. Another sender skips rows this one holds (SKIP LOCKED),
   * and a recipient leaves `pending` only with its message: a contact is given
   * one message however many senders run or restart. The campaign row is read
   * FOR SHARE, so a cancel waits for a claim in progress and no claim follows it.
   */
  async claimNext(organizationId: string, campaignId: string, now: Date): Promise<RecipientClaim> {
    return this.database.withTenant(organizationId, async (tx) => {
      const [campaign] = asRows<{ status: CampaignStatus; text: string; instance_id: string | null; outside_window_allowed: boolean }>(
        await tx.execute(sql`
          SELECT cp.status, cp.text, cp.instance_id,
                 coalesce((o.settings ->> 'campaignsOutsideWindow')::boolean, false) AS outside_window_allowed
            FROM campaigns cp JOIN organizations o ON o.id = cp.organization_id
           WHERE cp.id = ${campaignId}
             FOR SHARE OF cp`),
      );
      if (campaign === undefined || campaign.status !== 'sending' || campaign.instance_id === null) return { kind: 'stopped' };
      const [recipient] = asRows<{
        contact_id: string;
        phone: string;
        name: string | null;
        pet_names: string[] | string;
        opted_out_at: string | Date | null;
        last_message_at: string | Date | null;
      }>(
        await tx.execute(sql`
          SELECT r.contact_id, c.phone, c.name, c.opted_out_at,
                 ${lastWroteTo(organizationId, campaign.instance_id)} AS last_message_at,
                 coalesce((SELECT json_agg(p.name ORDER BY p.created_at) FROM pets p WHERE p.contact_id = c.id), '[]'::json) AS pet_names
            FROM campaign_recipients r JOIN contacts c ON c.id = r.contact_id
           WHERE r.campaign_id = ${campaignId} AND r.status = 'pending'
           ORDER BY c.phone
           LIMIT 1
             FOR UPDATE OF r SKIP LOCKED`),
      );
      if (recipient === undefined) return { kind: 'none' };
      const reason = recipientSkipReason(
        {
          optedOutAt: recipient.opted_out_at === null ? null : new Date(recipient.opted_out_at),
          lastMessageAt: recipient.last_message_at === null ? null : new Date(recipient.last_message_at),
        },
        now,
        campaign.outside_window_allowed,
      );
      if (reason !== null) {
        await this.setRecipient(tx, campaignId, recipient.contact_id, sql`status = 'skipped', skip_reason = ${reason}`);
        return { kind: 'skipped', contactId: recipient.contact_id, reason };
      }
      // Filled now, from the contact as they are at their turn (a name or a pet added since approval counts).
      const text = personalizeCampaignText(campaign.text, {
        name: recipient.name,
        petNames: typeof recipient.pet_names === 'string' ? (JSON.parse(recipient.pet_names) as string[]) : recipient.pet_names,
      });
      const [message] = asRows<{ id: string }>(
        await tx.execute(sql`
          INSERT INTO messages (organization_id, instance_id, contact_id, conversation_id, remote_phone, direction, origin, type, body, status)
          VALUES (${organizationId}, ${campaign.instance_id}, ${recipient.contact_id},
                  (SELECT id FROM conversations WHERE contact_id = ${recipient.contact_id}),
                  ${recipient.phone}, 'outbound', 'campaign', 'text', ${text}, 'queued')
          RETURNING id`),
      );
      await this.setRecipient(tx, campaignId, recipient.contact_id, sql`status = 'queued', message_id = ${message.id}`);
      return { kind: 'queued', messageId: message.id, contactId: recipient.contact_id };
    });
  }

  /**
   * Moves queued recipients whose message was sent or failed to `sent`/`failed`,
   * and stores the counts the recipients add up to; returns where the campaign stands.
   */
  async settle(organizationId: string, campaignId: string): Promise<CampaignProgress | null> {
    return this.database.withTenant(organizationId, async (tx) => {
      await tx.execute(sql`
        UPDATE campaign_recipients r
           SET status = CASE WHEN m.status = 'failed' THEN 'failed' ELSE 'sent' END, error = m.error, updated_at = now()
          FROM messages m
         WHERE m.id = r.message_id AND r.campaign_id = ${campaignId} AND r.status = 'queued'
           AND m.status IN ('sent', 'delivered', 'read', 'failed')`);
      // A message deleted before it was sent (its instance deleted) cannot be followed any more.
      await tx.execute(sql`
        UPDATE campaign_recipients SET status = 'failed', error = 'message deleted before it was sent', updated_at = now()
         WHERE campaign_id = ${campaignId} AND status = 'queued' AND message_id IS NULL`);
      const [progress] = asRows<{ status: CampaignStatus; instance_id: string | null; in_flight: number; pending: number; changed: number }>(
        await tx.execute(sql`
          WITH tally AS (
            SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent,
                   count(*) FILTER (WHERE status = 'failed')::int AS failed,
                   count(*) FILTER (WHERE status = 'skipped' AND skip_reason = 'opted_out')::int AS opted_out,
                   count(*) FILTER (WHERE status = 'skipped' AND skip_reason = 'outside_window')::int AS outside_window,
                   count(*) FILTER (WHERE status = 'queued')::int AS in_flight,
                   count(*) FILTER (WHERE status = 'pending')::int AS pending
              FROM campaign_recipients WHERE campaign_id = ${campaignId}
          ), updated AS (
            UPDATE campaigns cp
               SET sent_count = tally.sent, failed_count = tally.failed, skipped_opted_out = tally.opted_out,
                   skipped_outside_window = tally.outside_window, updated_at = now()
              FROM tally
             WHERE cp.id = ${campaignId}
               AND (cp.sent_count, cp.failed_count, cp.skipped_opted_out, cp.skipped_outside_window)
                   IS DISTINCT FROM (tally.sent, tally.failed, tally.opted_out, tally.outside_window)
            RETURNING cp.id
          )
          SELECT cp.status, cp.instance_id, tally.in_flight, tally.pending, (SELECT count(*)::int FROM updated) AS changed
            FROM campaigns cp, tally
           WHERE cp.id = ${campaignId}`),
      );
      if (progress === undefined) return null;
      return {
        status: progress.status,
        instanceId: progress.instance_id,
        inFlight: Number(progress.in_flight),
        pending: Number(progress.pending),
        changed: Number(progress.changed) > 0,
      };
    });
  }

  /** Sending ends once no recipient is pending or in flight; null when it had not. */
  async finish(organizationId: string, campaignId: string, now: Date): Promise<CampaignRow | null> {
    const [row] = await this.database.withTenant(organizationId, (tx) =>
      tx
        .update(campaigns)
        .set({ status: 'sent', finishedAt: now, updatedAt: now })
        .where(
          and(
            eq(campaigns.id, campaignId),
            eq(campaigns.status, 'sending'),
            sql`NOT EXISTS (SELECT 1 FROM campaign_recipients WHERE campaign_id = ${campaignId} AND status IN ('pending', 'queued'))`,
          ),
        )
        .returning(),
    );
    return row ?? null;
  }

  /**
   * Ends an approved or sending campaign that can never send (its number was
   * deleted): status `failed`, and every recipient not reached yet `failed` with
   * `reason`, in one transaction, so the counts say who got nothing and why.
   * Null when it was in neither status (cancelled or ended meanwhile).
   */
  async fail(organizationId: string, campaignId: string, reason: string, now: Date): Promise<CampaignRow | null> {
    return this.database.withTenant(organizationId, async (tx) => {
      const [failed] = await tx
        .update(campaigns)
        .set({ status: 'failed', finishedAt: now, updatedAt: now })
        .where(and(eq(campaigns.id, campaignId), inArray(campaigns.status, ['approved', 'sending'])))
        .returning();
      if (failed === undefined) return null;
      await tx.execute(sql`
        UPDATE campaign_recipients SET status = 'failed', error = ${reason}, updated_at = now()
         WHERE campaign_id = ${campaignId} AND status = 'pending'`);
      return failed;
    });
  }

  private audienceSql(audience: CampaignAudience, now: Date) {
    if (audience.kind === 'inactive') return inactiveContactsSql(new Date(now.getTime() - audience.days * 24 * 3600 * 1000));
    return sql`
      SELECT c.id FROM contacts c
       WHERE NOT c.phone = ANY (SELECT unnest(o.authorized_owner_numbers) FROM organizations o WHERE o.id = c.organization_id)`;
  }

  private async setRecipient(tx: Db, campaignId: string, contactId: string, changes: ReturnType<typeof sql>): Promise<void> {
    await tx.execute(sql`UPDATE campaign_recipients SET ${changes}, updated_at = now() WHERE campaign_id = ${campaignId} AND contact_id = ${contactId}`);
  }
}
