import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/domain.exception.js';

export class UnauthenticatedException extends DomainException {
  constructor(message: string) {
    super('unauthenticated', HttpStatus.UNAUTHORIZED, message);
  }
}

export class AdminApiDisabledException extends DomainException {
  constructor() {
    super('admin_api_disabled', HttpStatus.FORBIDDEN, 'The admin API is disabled: set ADMIN_API_KEY to enable it');
  }
}
