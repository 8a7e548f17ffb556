import { HttpStatus } from '@nestjs/common';

/**
 * Base of every feature's typed exceptions. `code` is stable for clients to
 * branch on; `message` says what to fix; `details` carries structured extras.
 */
export class DomainException extends Error {
  constructor(
    readonly code: string,
    readonly status: HttpStatus,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A resource that does not exist or belongs to another organization: both look the same. */
export class ResourceNotFoundException extends DomainException {
  constructor(resource: string, id: string) {
    super('not_found', HttpStatus.NOT_FOUND, `${resource} ${id} was not found`);
  }
}

/** A start-up dependency that is missing; main prints the message alone and exits 1. */
export class BootError extends Error {
  override name = 'BootError';
}
