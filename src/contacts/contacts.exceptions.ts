import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/domain.exception.js';

/** Phone numbers are unique within an organization: one contact per WhatsApp number. */
export class ContactExistsException extends DomainException {
  constructor(phone: string, existingContactId: string | null) {
    super('contact_exists', HttpStatus.CONFLICT, `A contact with phone ${phone} already exists in this organization`, {
      phone,
      contactId: existingContactId,
    });
  }
}

/** Reported like a validation failure, naming the field, though it needs the shop's "today" to decide. */
export class BirthDateInFutureException extends DomainException {
  constructor(birthDate: string, today: string) {
    const problem = `birthDate must not be in the future (${birthDate} is after ${today})`;
    super('validation_failed', HttpStatus.BAD_REQUEST, problem, [{ field: 'birthDate', problems: [problem] }]);
  }
}
