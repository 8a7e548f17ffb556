import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import type { AlertKind, HealthRunResult } from '../database/schema.js';
import { SessionCleanupService } from '../session/session-cleanup.service.js';
import { ConnectionManager } from '../whatsapp/connection/connection-manager.js';
import { MAX_RECONNECT_ATTEMPTS } from '../whatsapp/connection/backoff.js';
import { WhatsappEvents } from '../whatsapp/whatsapp-events.js';
import { type InstanceHealthRow, WhatsappHealthRepository } from './whatsapp-health.repository.js';

/** Connecting or pairing longer than this, with no process holding the socket, is stuck. */
export const STUCK_AFTER_MS = 10 * 60_000;

type Verdict = 'healthy' | 'reconnected' | 'failed' | 'idle';

/**
 * The 5-minute WhatsApp health job (DESIGN section 8): zombies (the database
 * says connected, no process holds a live socket) are reconnected; instances past
 * their retries end `failed`; stuck pairings are stopped; sessions of deleted
 * instances are removed; every `failed` / `logged_out` instance has exactly one
 * open alert.
 */
@Injectable()
export class WhatsappHealthCheckService {
  private readonly logger = new Logger('WhatsappHealth');

  constructor(
    private readonly health: WhatsappHealthRepository,
    private readonly connections: ConnectionManager,
    private readonly cleanup: SessionCleanupService,
    private readonly events: WhatsappEvents,
    private readonly clock: Clock,
  ) {}

  async run(organizationId?: string): Promise<HealthRunResult> {
    const started = performance.now();
    const instances = await this.health.instances(organizationId);
    const result: HealthRunResult = {
      totalInstances: instances.length,
      healthyInstances: 0,
      reconnectedInstances: 0,
      failedInstances: 0,
      cleanedSessions: 0,
      alerts: [],
    };
    for (const instance of instances) {
      const verdict = await this.check(instance, result).catch((error: Error) => {
        this.logger.warn({ instanceId: instance.id, err: error.message }, 'instance health check failed');
        return 'idle' as const;
      });
      if (verdict === 'healthy') result.healthyInstances++;
      if (verdict === 'reconnected') result.reconnectedInstances++;
      if (verdict === 'failed') result.failedInstances++;
    }
    // Sessions are per instance; those of instances that no longer exist only take disk (or rows).
    if (organizationId === undefined) result.cleanedSessions = await this.cleanup.removeOrphans(new Set(instances.map((row) => row.id)));
    const durationMs = Math.round(performance.now() - started);
    await this.health.recordRun(organizationId ?? null, result, durationMs);
    this.logger.log({ ...result, alerts: result.alerts.length, durationMs }, 'whatsapp health check done');
    return result;
  }

  private async check(instance: InstanceHealthRow, result: HealthRunResult): Promise<Verdict> {
    switch (instance.status) {
      case 'connected': {
        if (this.connections.isLive(instance.id)) {
          await this.health.resolveAlerts(instance.id);
          return 'healthy';
        }
        // Held and live in another process of the cluster: that process answers for it.
        if (instance.leaseLive && instance.leaseOwner !== this.connections.owner) return 'healthy';
        this.logger.warn({ instanceId: instance.id }, 'zombie instance: connected in the database, no live socket');
        await this.connections.reconnect(instance.id);
        return 'reconnected';
      }
      case 'reconnecting':
        if (instance.reconnectAttempts >= MAX_RECONNECT_ATTEMPTS) return this.fail(instance, 'reconnect attempts exhausted', result);
        if (!instance.leaseLive) {
          await this.connections.reconnect(instance.id);
          return 'reconnected';
        }
        return 'idle';
      case 'connecting':
      case 'pairing':
        if (!instance.leaseLive && this.clock.now().getTime() - instance.updatedAt.getTime() > STUCK_AFTER_MS) {
          await this.connections.stop(instance.id, { logout: false, keepStatus: true });
          await this.health.markStatus(instance.id, 'disconnected', `${instance.status} for over ${STUCK_AFTER_MS / 60_000} minutes`);
        }
        return 'idle';
      case 'failed':
        await this.alert(instance, 'instance_failed', `Instance ${instance.name} failed: ${instance.lastDisconnectReason ?? 'unknown reason'}`, result);
        return 'failed';
      case 'logged_out':
        await this.alert(instance, 'instance_logged_out', `Instance ${instance.name} was logged out: pair the phone again`, result);
        return 'failed';
      default:
        return 'idle';
    }
  }

  private async fail(instance: InstanceHealthRow, reason: string, result: HealthRunResult): Promise<Verdict> {
    await this.connections.stop(instance.id, { logout: false, keepStatus: true });
    await this.health.markStatus(instance.id, 'failed', reason);
    await this.alert(instance, 'instance_failed', `Instance ${instance.name} failed: ${reason}`, result);
    return 'failed';
  }

  /** Stores and pushes an alert once; later runs see it open and stay quiet. */
  private async alert(instance: InstanceHealthRow, kind: AlertKind, message: string, result: HealthRunResult): Promise<void> {
    if (!(await this.health.openAlert(instance.organizationId, instance.id, kind, message))) return;
    result.alerts.push({ instanceId: instance.id, kind, message });
    this.events.emit('whatsapp:alert', {
      organizationId: instance.organizationId,
      instanceId: instance.id,
      alert: kind,
      message,
      at: this.clock.now().toISOString(),
    });
  }
}
