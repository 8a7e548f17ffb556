import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/domain.exception.js';
import type { InstanceStatus } from '../database/schema.js';

/** Statuses in which no socket is trying to connect: nothing happens until someone starts one. */
const STOPPED: readonly (InstanceStatus | 'not_live')[] = ['disconnected', 'failed', 'logged_out'];

export class InstanceNotConnectedException extends DomainException {
  constructor(instanceId: string, status: InstanceStatus | 'not_live') {
    super(
      'instance_not_connected',
      HttpStatus.CONFLICT,
      STOPPED.includes(status)
        ? `Instance ${instanceId} is ${status}: no connection is open or on its way. Start one with ` +
            `POST /api/whatsapp/instances/${instanceId}/reconnect, then pair it (POST .../pairing-code, or scan GET .../qr)`
        : `Instance ${instanceId} is ${status}, not connected: pair it or wait for it to reconnect`,
      { status },
    );
  }
}

/** A pairing code links a new device: an instance that already has one is not paired again. */
export class InstanceAlreadyConnectedException extends DomainException {
  constructor(instanceId: string, phoneNumber: string | null) {
    super(
      'instance_already_connected',
      HttpStatus.CONFLICT,
      `Instance ${instanceId} is already connected${phoneNumber === null ? '' : ` as ${phoneNumber}`}: ` +
        'to link another number, delete it (which logs the device out) and create a new one',
      { phoneNumber },
    );
  }
}

export class InstanceNameTakenException extends DomainException {
  constructor(name: string) {
    super('instance_name_taken', HttpStatus.CONFLICT, `An instance named "${name}" already exists in this organization`);
  }
}

export class MediaTooLargeException extends DomainException {
  constructor(bytes: number, limit: number) {
    super('media_too_large', HttpStatus.PAYLOAD_TOO_LARGE, `The media has ${bytes} bytes; the limit is ${limit} (MEDIA_MAX_BYTES)`);
  }
}

export class InvalidMediaException extends DomainException {
  constructor(message: string) {
    super('invalid_media', HttpStatus.BAD_REQUEST, message);
  }
}

export class SandboxOnlyException extends DomainException {
  constructor(instanceId: string) {
    super('not_a_sandbox_instance', HttpStatus.CONFLICT, `Instance ${instanceId} is not a sandbox instance`);
  }
}
