import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { forEachLimited } from '../common/concurrency.js';
import type { AlertKind, HealthRunResult } from '../database/schema.js';
import { SessionCleanupService } from '../session/session-cleanup.service.js';
import { ConnectionManager } from '../whatsapp/connection/connection-manager.js';
import { MAX_RECONNECT_ATTEMPTS } from '../whatsapp/connection/backoff.js';
import { WhatsappEvents } from '../whatsapp/whatsapp-events.js';
import { type InstanceHealthRow, type NewAlert, WhatsappHealthRepository } from './whatsapp-health.repository.js';

/** Connecting or pairing longer than this, with no process holding the socket, is stuck. */
export const STUCK_AFTER_MS = 10 * 60_000;

type Verdict = 'healthy' | 'reconnected' | 'failed' | 'idle';

/** What one run gathers before writing it back in batches. */
interface RunState {
  result: HealthRunResult;
  healthy: string[];
  alerts: NewAlert[];
}

/** Zombie reconnects run this many at a time: enough to be quick, few enough not to open a burst of sockets. */
const RECONNECT_PARALLELISM = 8;

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
    const state: RunState = {
      result: {
        totalInstances: instances.length,
        healthyInstances: 0,
        reconnectedInstances: 0,
        failedInstances: 0,
        cleanedSessions: 0,
        alerts: [],
      },
      healthy: [],
      alerts: [],
    };
    await forEachLimited(instances, RECONNECT_PARALLELISM, async (instance) => {
      const verdict = await this.check(instance, state).catch((error: Error) => {
        this.logger.warn({ instanceId: instance.id, err: error.message }, 'instance health check failed');
        return 'idle' as const;
      });
      if (verdict === 'healthy') state.result.healthyInstances++;
      if (verdict === 'reconnected') state.result.reconnectedInstances++;
      if (verdict === 'failed') state.result.failedInstances++;
    });
    await this.health.resolveAlerts(state.healthy);
    for (const alert of await this.health.openAlerts(state.alerts)) this.publish(alert, state.result);
    // Sessions are per instance; those of instances that no longer exist only take disk (or rows).
    if (organizationId === undefined) {
      state.result.cleanedSessions = await this.cleanup.removeOrphans(new Set(instances.map((row) => row.id)));
    }
    const durationMs = Math.round(performance.now() - started);
    await this.health.recordRun(organizationId ?? null, state.result, durationMs);
    this.logger.log({ ...state.result, alerts: state.result.alerts.length, durationMs }, 'whatsapp health check done');
    return state.result;
  }

  private async check(instance: InstanceHealthRow, state: RunState): Promise<Verdict> {
    switch (instance.status) {
      case 'connected': {
        if (this.connections.isLive(instance.id)) {
          state.healthy.push(instance.id);
          return 'healthy';
        }
        // Held and live in another process of the cluster: that process answers for it.
        if (instance.leaseLive && instance.leaseOwner !== this.connections.owner) return 'healthy';
        this.logger.warn({ instanceId: instance.id }, 'zombie instance: connected in the database, no live socket');
        await this.connections.reconnect(instance.id);
        return 'reconnected';
      }
      case 'reconnecting':
        if (instance.reconnectAttempts >= MAX_RECONNECT_ATTEMPTS) return this.fail(instance, 'reconnect attempts exhausted', state);
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
        this.alert(instance, 'instance_failed', `Instance ${instance.name} failed: ${instance.lastDisconnectReason ?? 'unknown reason'}`, state);
        return 'failed';
      case 'logged_out':
        this.alert(instance, 'instance_logged_out', `Instance ${instance.name} was logged out: pair the phone again`, state);
        return 'failed';
      default:
        return 'idle';
    }
  }

  private async fail(instance: InstanceHealthRow, reason: string, state: RunState): Promise<Verdict> {
    await this.connections.stop(instance.id, { logout: false, keepStatus: true });
    await this.health.markStatus(instance.id, 'failed', reason);
    this.alert(instance, 'instance_failed', `Instance ${instance.name} failed: ${reason}`, state);
    return 'failed';
  }

  private alert(instance: InstanceHealthRow, kind: AlertKind, message: string, state: RunState): void {
    state.alerts.push({ organizationId: instance.organizationId, instanceId: instance.id, kind, message });
  }

  /** Pushed once, when the alert is opened; later runs see it open and stay quiet. */
  private publish(alert: NewAlert, result: HealthRunResult): void {
    result.alerts.push({ instanceId: alert.instanceId, kind: alert.kind, message: alert.message });
    this.events.emit('whatsapp:alert', {
      organizationId: alert.organizationId,
      instanceId: alert.instanceId,
      alert: alert.kind,
      message: alert.message,
      at: this.clock.now().toISOString(),
    });
  }
}
