import { Inject, Injectable } from '@nestjs/common';
import QRCode from 'qrcode';
import { APP_CONFIG, type AppConfig, holdsSockets } from '../config/app-config.js';
import { ResourceNotFoundException } from '../common/domain.exception.js';
import { isPostgresError, PostgresErrorCode } from '../database/postgres-errors.js';
import { SessionCleanupService } from '../session/session-cleanup.service.js';
import { SessionMetadataCache } from '../session/session-metadata.cache.js';
import { ConnectionManager, InstanceNotLiveError, type PairingView } from './connection/connection-manager.js';
import { type InstanceRow, InstancesRepository } from './instances.repository.js';
import { InstanceAlreadyConnectedException, InstanceNameTakenException, InstanceNotConnectedException } from './whatsapp.exceptions.js';

export interface InstanceStatusView {
  instance: InstanceRow;
  pairing: PairingView;
  live: boolean;
}

@Injectable()
export class InstancesService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly instances: InstancesRepository,
    private readonly connections: ConnectionManager,
    private readonly cleanup: SessionCleanupService,
    private readonly sessionMetadata: SessionMetadataCache,
  ) {}

  /** Creates the instance and starts connecting: a QR, or a pairing code when a phone number is given. */
  async create(organizationId: string, input: { name: string; provider?: 'baileys' | 'sandbox'; phoneNumber?: string }) {
    let row: InstanceRow;
    try {
      row = await this.instances.create({
        organizationId,
        name: input.name,
        provider: input.provider ?? 'baileys',
        phoneNumber: input.phoneNumber ?? null,
      });
    } catch (error) {
      if (isPostgresError(error, PostgresErrorCode.uniqueViolation)) throw new InstanceNameTakenException(input.name);
      throw error;
    }
    await this.instances.update(row.id, { status: 'connecting' });
    // A process without sockets (APP_ROLE=api) leaves it to a worker, which adopts it on its next heartbeat.
    if (holdsSockets(this.config)) await this.connections.start({ ...row, status: 'connecting' });
    return this.get(organizationId, row.id);
  }

  list(organizationId: string, limit: number, offset: number) {
    return this.instances.list(organizationId, limit, offset);
  }

  async get(organizationId: string, instanceId: string): Promise<InstanceRow> {
    const row = await this.instances.find(organizationId, instanceId);
    if (row === null) throw new ResourceNotFoundException('WhatsApp instance', instanceId);
    return row;
  }

  async status(organizationId: string, instanceId: string): Promise<InstanceStatusView> {
    const instance = await this.get(organizationId, instanceId);
    return { instance, pairing: await this.connections.pairingView(instanceId), live: this.connections.isLive(instanceId) };
  }

  async qrPng(organizationId: string, instanceId: string): Promise<Buffer | null> {
    const { pairing } = await this.status(organizationId, instanceId);
    return pairing.qr === null ? null : QRCode.toBuffer(pairing.qr, { type: 'png', margin: 2, width: 320 });
  }

  qrDataUrl(qr: string): Promise<string> {
    return QRCode.toDataURL(qr, { margin: 2, width: 320 });
  }

  /** Issues a pairing code for `phoneNumber`; the number is stored only once the code is, so a refusal changes nothing. */
  async requestPairingCode(organizationId: string, instanceId: string, phoneNumber: string): Promise<string> {
    const instance = await this.get(organizationId, instanceId);
    if (instance.status === 'connected') throw new InstanceAlreadyConnectedException(instanceId, instance.phoneNumber);
    let code: string;
    try {
      code = await this.connections.requestPairingCode(instanceId, phoneNumber);
    } catch (error) {
      if (error instanceof InstanceNotLiveError) throw new InstanceNotConnectedException(instanceId, instance.status);
      throw error;
    }
    await this.instances.update(instanceId, { phoneNumber });
    return code;
  }

  async reconnect(organizationId: string, instanceId: string): Promise<InstanceRow> {
    await this.get(organizationId, instanceId);
    await this.connections.reconnect(instanceId);
    return this.get(organizationId, instanceId);
  }

  async health(organizationId: string, instanceId: string) {
    const instance = await this.get(organizationId, instanceId);
    const session = await this.sessionMetadata.get({ organizationId, instanceId });
    return { instance, live: this.connections.isLive(instanceId), session };
  }

  /** Logs the device out when connected, then deletes the instance and its stored session. */
  async delete(organizationId: string, instanceId: string): Promise<void> {
    await this.get(organizationId, instanceId);
    await this.connections.stop(instanceId, { logout: true, keepStatus: true });
    await this.cleanup.deleteSession({ organizationId, instanceId });
    await this.instances.delete(organizationId, instanceId);
  }
}
