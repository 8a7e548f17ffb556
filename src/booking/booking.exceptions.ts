import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/domain.exception.js';

export interface AlternativeSlot {
  start: string;
  end: string;
  resourceIds: string[];
}

/** The slot was taken (possibly a moment ago by a concurrent request); here are the next free ones. */
export class SlotTakenException extends DomainException {
  constructor(alternatives: AlternativeSlot[]) {
    super(
      'slot_taken',
      HttpStatus.CONFLICT,
      alternatives.length > 0
        ? `That time is already booked; the next free times are in details.alternatives`
        : 'That time is already booked and there is no free time in the next days',
      { alternatives },
    );
  }
}

/** The requested time can never be booked as asked (closed, past, too soon, too long). */
export class InvalidSlotException extends DomainException {
  constructor(reason: string, alternatives: AlternativeSlot[]) {
    super('invalid_slot', HttpStatus.UNPROCESSABLE_ENTITY, reason, { alternatives });
  }
}

export class InvalidBookingTransitionException extends DomainException {
  constructor(current: string, wanted: string) {
    super(
      'invalid_transition',
      HttpStatus.CONFLICT,
      `The booking is ${current}; only scheduled or confirmed bookings can become ${wanted}`,
    );
  }
}

/** Done or no-show for a booking that has not started: it would count revenue or alert the owner about a visit still ahead. */
export class BookingNotStartedException extends DomainException {
  constructor(startsAt: string, wanted: string) {
    super(
      'booking_not_started',
      HttpStatus.CONFLICT,
      `The booking starts at ${startsAt}; it can become ${wanted} only once it has started (cancel or reschedule it instead)`,
    );
  }
}

/** `to` before `from` in a list query: PostgreSQL cannot build that range, and the answer would be empty anyway. */
export class InvalidBookingWindowException extends DomainException {
  constructor() {
    const problem = 'to must not be before from';
    super('validation_failed', HttpStatus.BAD_REQUEST, problem, [{ field: 'to', problems: [problem] }]);
  }
}
