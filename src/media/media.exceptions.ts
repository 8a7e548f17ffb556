import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/domain.exception.js';

/** The message exists but has no bytes to give: it carried none, or they could not be stored (the reason is in `details`). */
export class MediaNotAvailableException extends DomainException {
  constructor(messageId: string, reason: string) {
    super('media_not_available', HttpStatus.NOT_FOUND, `Message ${messageId} has no stored media: ${reason}`, { reason });
  }
}
