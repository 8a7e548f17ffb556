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
   * Approves the draft unless, judged now on the number it would be sent from,
   * it would reach nobody (time passed since drafting: customers' 24-hour
   * windows closed, some opted out); then it stays a draft and the owner hears
   * why. The reach said on approval is the real one, not the audience's size.
   */
  async approveByCode(organizationId: string, code: string, ownerContactId: string): Promise<ApprovalResult> {
    const draft = await this.campaigns.find(organizationId, code);
    const reach = draft?.status === 'draft' ? await this.campaigns.audienceReach(organizationId, draft.audience, draft.instanceId ?? undefined) : null;
    if (draft !== null && reach !== null && reach.reachable === 0) return { kind: 'unreachable', code: draft.code, reach };
    const result = await this.campaigns.approveDraft(organizationId, code, { kind: 'aurora', id: ownerContactId });
    if (result.kind !== 'approved') return result;
    return { kind: 'approved', code: result.campaign.code, reach: reach ?? (await this.campaigns.audienceReach(organizationId, result.campaign.audience, result.campaign.instanceId)) };
  }
}
