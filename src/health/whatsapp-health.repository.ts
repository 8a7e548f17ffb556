import { Inject, Injectable } from '@nestjs/common';
import { and, count, desc, eq, getTableColumns, inArray, isNull, sql } from 'drizzle-orm';
import { DATABASE, type Database } from '../database/database.js';
import { type AlertKind, alerts, type HealthRunResult, healthRuns, whatsappInstances } from '../database/schema.js';

export interface NewAlert {
  organizationId: string;
  instanceId: string;
  kind: AlertKind;
  message: string;
}

export type InstanceHealthRow = typeof whatsappInstances.$inferSelect & { leaseLive: boolean };

/** The health job looks at every organization's instances: cross-tenant by nature, so systemDb. */
@Injectable()
export class WhatsappHealthRepository {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  /** Every instance (or one organization's) with whether some process holds a valid lease on it. */
  instances(organizationId?: string): Promise<InstanceHealthRow[]> {
    return this.database.systemDb
      .select({
        ...getTableColumns(whatsappInstances),
        leaseLive: sql<boolean>`coalesce(${whatsappInstances.leaseUntil} > now(), false)`,
      })
      .from(whatsappInstances)
      .where(organizationId === undefined ? undefined : eq(whatsappInstances.organizationId, organizationId)) as Promise<
      InstanceHealthRow[]
    >;
  }

  async markStatus(instanceId: string, status: 'failed' | 'disconnected', reason: string): Promise<void> {
    await this.database.systemDb
      .update(whatsappInstances)
      .set({ status, lastDisconnectReason: reason, updatedAt: new Date() })
      .where(eq(whatsappInstances.id, instanceId));
  }

  /**
   * Opens the alerts that are not already open, in one statement; returns the new
   * ones (an alert still open from an earlier run is not news).
   */
  async openAlerts(candidates: NewAlert[]): Promise<NewAlert[]> {
    if (candidates.length === 0) return [];
    const opened = await this.database.systemDb
      .insert(alerts)
      .values(candidates)
      .onConflictDoNothing({ target: [alerts.instanceId, alerts.kind], where: sql`${alerts.resolvedAt} IS NULL` })
      .returning({ instanceId: alerts.instanceId, kind: alerts.kind });
    const isNew = new Set(opened.map((row) => `${row.instanceId}/${row.kind}`));
    return candidates.filter((candidate) => isNew.has(`${candidate.instanceId}/${candidate.kind}`));
  }

  /** Healthy instances close their open alerts, so their next failure is news again. One statement for all. */
  async resolveAlerts(instanceIds: string[]): Promise<void> {
    if (instanceIds.length === 0) return;
    await this.database.systemDb
      .update(alerts)
      .set({ resolvedAt: new Date() })
      .where(and(inArray(alerts.instanceId, instanceIds), isNull(alerts.resolvedAt)));
  }

  async openAlertCount(instanceId: string): Promise<number> {
    const [row] = await this.database.systemDb
      .select({ total: count() })
      .from(alerts)
      .where(and(eq(alerts.instanceId, instanceId), isNull(alerts.resolvedAt)));
    return row.total;
  }

  async recordRun(organizationId: string | null, result: HealthRunResult, durationMs: number): Promise<void> {
    await this.database.systemDb.insert(healthRuns).values({ organizationId, result, durationMs });
  }

  async lastClusterRun(): Promise<{ result: HealthRunResult; durationMs: number; createdAt: Date } | null> {
    const [row] = await this.database.systemDb
      .select({ result: healthRuns.result, durationMs: healthRuns.durationMs, createdAt: healthRuns.createdAt })
      .from(healthRuns)
      .where(isNull(healthRuns.organizationId))
      .orderBy(desc(healthRuns.createdAt))
      .limit(1);
    return row ?? null;
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.database.systemDb
      .select({ status: whatsappInstances.status, total: count() })
      .from(whatsappInstances)
      .groupBy(whatsappInstances.status);
    return Object.fromEntries(rows.map((row) => [row.status, row.total]));
  }
}
