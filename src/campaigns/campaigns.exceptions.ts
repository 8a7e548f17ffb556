import { HttpStatus } from '@nestjs/common';
import { DomainException } from '../common/domain.exception.js';
import type { CampaignStatus } from '../database/schema.js';

/** A campaign the rules refuse before it is stored (the API's DTOs catch most of these first). */
export class InvalidCampaignException extends DomainException {
  constructor(problems: string[]) {
    super('invalid_campaign', HttpStatus.BAD_REQUEST, problems.join('; '), { problems });
  }
}

/**
 * Approve or cancel asked of a campaign whose status does not allow it (a sent
 * cancelled or failed one, to approve; a sent or failed one, to cancel). The message says what
 * the caller can do instead: approving an approved or sending campaign is
 * allowed, so "only a draft" would send them looking for a problem they do not have.
 */
export class CampaignStateException extends DomainException {
  constructor(code: string, action: 'approve' | 'cancel', status: CampaignStatus) {
    const why =
      action === 'approve'
        ? `a ${status} campaign cannot be approved again; to send the same text, draft a new campaign (POST /api/campaigns)`
        : status === 'failed'
          ? 'it ended when its WhatsApp number was deleted, so there is nothing left to cancel'
          : 'its messages have all gone out, so there is nothing left to cancel';
    super('campaign_state_conflict', HttpStatus.CONFLICT, `Campaign ${code} is ${status}: ${why}`, { status });
  }
}

/** Approving needs a number to send from. */
export class NoConnectedInstanceException extends DomainException {
  constructor(instanceId: string | null, status?: string) {
    super(
      'instance_not_connected',
      HttpStatus.CONFLICT,
      instanceId === null
        ? 'No WhatsApp number of this organization is connected: connect one before approving a campaign'
        : `WhatsApp instance ${instanceId} is ${status ?? 'gone'}: reconnect it (or create the campaign with a connected instanceId) before approving`,
      { instanceId, status: status ?? null },
    );
  }
}

/** The campaign was approved but its sending job could not be queued (Redis down): the campaign sweep queues it once Redis is back; approving again retries now. */
export class CampaignQueueUnavailableException extends DomainException {
  constructor(code: string) {
    super(
      'queue_unavailable',
      HttpStatus.SERVICE_UNAVAILABLE,
      `Campaign ${code} is approved but its sending could not be queued; it starts by itself once the queue is back, or approve it again to retry`,
      { dependency: 'redis' },
    );
  }
}
