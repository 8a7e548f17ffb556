import { Injectable } from '@nestjs/common';
import { CampaignsService } from '../campaigns/campaigns.service.js';
import { InactiveContactsQuery } from '../campaigns/inactive-contacts.query.js';
import type { ApprovalResult, AudienceReach, CampaignsPort, DraftAudience, DraftResult, InactiveClient } from './campaigns.port.js';

/** Aurora's view of campaigns, on the campaigns module's service and inactive-customers query. */
@Injectable()
export class CampaignsAdapter implements CampaignsPort {
  constructor(
    private readonly campaigns: CampaignsService,
    private readonly inactive: InactiveContactsQuery,
  ) {}

  async inactiveClients(organizationId: string, days: number, limit: number): Promise<InactiveClient[]> {
    const contacts = await this.inactive.list(organizationId, days, limit);
    return contacts.map((contact) => ({
      name: contact.name,
      phone: contact.phone,
      lastActivityAt: contact.lastActivityAt,
      lastService: contact.lastService?.name ?? null,
      pets: contact.pets.map((pet) => pet.name),
      optedOut: contact.optedOut,
    }));
  }

  audienceReach(organizationId: string, audience: DraftAudience): Promise<AudienceReach> {
    return this.campaigns.audienceReach(organizationId, audience);
  }

  /**
   * A draft the owner can approve, judged first on the number it would be sent
   * from (the connected one, which createDraft picks too): one that would reach
   * nobody (everyone opted out or outside the 24-hour window) is not stored, so
   * the owner hears why instead of approving a campaign that sends nothing.
   */
  async draft(organizationId: string, input: { objective: string; audience: DraftAudience; text: string }): Promise<DraftResult> {
    // What the rules refuse is said first: it is the model's to correct, whoever the audience reaches.
    this.campaigns.checkDraft(input);
    const reach = await this.campaigns.audienceReach(organizationId, input.audience);
    if (reach.reachable === 0) return { kind: 'unreachable', reach };
    const campaign = await this.campaigns.createDraft(organizationId, { ...input, createdBy: { kind: 'aurora', id: null } });
    return { kind: 'drafted', id: campaign.id, code: campaign.code, reach };
  }

  /**
   * Approves the draft unless it would reach nobody now (it stays a draft and
   * the owner hears why). The reach said on approval is the real one, not the audience's size.
   */
  async approveByCode(organizationId: string, code: string, ownerContactId: string): Promise<ApprovalResult> {
    const result = await this.campaigns.approveDraft(organizationId, code, { kind: 'aurora', id: ownerContactId });
    if (result.kind === 'approved' || result.kind === 'unreachable') return { kind: result.kind, code: result.campaign.code, reach: result.reach };
    return result;
  }
}
