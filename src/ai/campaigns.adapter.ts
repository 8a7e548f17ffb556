import { Injectable } from '@nestjs/common';
import { CampaignsService } from '../campaigns/campaigns.service.js';
import { InactiveContactsQuery } from '../campaigns/inactive-contacts.query.js';
import type { ApprovalResult, CampaignsPort, DraftAudience, DraftedCampaign, InactiveClient } from './campaigns.port.js';

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
    }));
  }

  async draft(organizationId: string, input: { objective: string; audience: DraftAudience; text: string }): Promise<DraftedCampaign> {
    const campaign = await this.campaigns.createDraft(organizationId, { ...input, createdBy: { kind: 'aurora', id: null } });
    return { id: campaign.id, code: campaign.code, audienceSize: await this.campaigns.audienceSize(organizationId, input.audience) };
  }

  async approveByCode(organizationId: string, code: string, ownerContactId: string): Promise<ApprovalResult> {
    const result = await this.campaigns.approveDraft(organizationId, code, { kind: 'aurora', id: ownerContactId });
    if (result.kind !== 'approved') return result;
    return { kind: 'approved', code: result.campaign.code, audienceSize: result.campaign.audienceSize ?? 0 };
  }
}
