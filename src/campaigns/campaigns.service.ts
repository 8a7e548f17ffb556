import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '../common/clock.js';
import { ResourceNotFoundException } from '../common/domain.exception.js';
import { isUuid } from '../database/database.js';
import type { CampaignAudience, CampaignStatus } from '../database/schema.js';
import { RealtimeGateway } from '../gateway/realtime.gateway.js';
import { QueueService } from '../queue/queue.service.js';
import { generateCampaignCode, normalizeCampaignCode } from './campaign-code.js';
import { campaignProblems } from './campaign-rules.js';
import {
  CampaignQueueUnavailableException,
  CampaignStateException,
  InvalidCampaignException,
  NoConnectedInstanceException,
} from './campaigns.exceptions.js';
import { type AudienceReach, type CampaignActor, campaignCounts, type CampaignRow, CampaignsRepository } from './campaigns.repository.js';

export interface CampaignDraftInput {
  objective: string;
  audience: CampaignAudience;
  text: string;
  createdBy: CampaignActor;
  /** The number to send from; the organization's connected one when absent. */
  instanceId?: string;
}

/**
 * What approving a draft found; `approved` carries the campaign as it is now
 * (approved or already sending). `reach`: who of its audience gets it, judged
 * at the approval on the number it is sent from.
 */
export type DraftApproval =
  | { kind: 'approved'; campaign: CampaignRow; reach: AudienceReach }
  /** It would reach nobody now (opted out, outside the 24-hour window): it stays a draft. */
  | { kind: 'unreachable'; campaign: CampaignRow; reach: AudienceReach }
  | { kind: 'not_found' }
  | { kind: 'not_draft'; status: CampaignStatus }
  /** No connected number to send from: the draft stays a draft. */
  | { kind: 'no_instance' };

/** Tries before giving up on drawing a code no campaign of the organization has (31^6 codes: collisions are rare). */
const CODE_ATTEMPTS = 5;

/** Every sending job of a campaign: keyed by the campaign, so approving again never queues a second one. */
export function campaignJobOptions(campaignId: string) {
  return {
    jobId: `campaign-${campaignId}`,
    attempts: 10,
    backoff: { type: 'exponential', delay: 5000 },
    // Gone once finished or failed, so approving again (the way to resume) can queue it anew.
    removeOnComplete: true,
    removeOnFail: true,
  };
}

/**
 * Campaigns: drafts (from the API or the owner's agent), approval (which fixes
 * the audience and queues the sending), cancellation. Nothing is sent before an
 * approval. Exported for the owner's agent: `sugerir_campanha` calls createDraft,
 * "CONFIRMAR <código>" calls approveDraft with the code.
 */
@Injectable()
export class CampaignsService {
  private readonly logger = new Logger('Campaigns');

  constructor(
    private readonly campaigns: CampaignsRepository,
    private readonly queues: QueueService,
    private readonly realtime: RealtimeGateway,
    private readonly clock: Clock,
  ) {}

  /** Throws InvalidCampaignException naming what the campaign rules refuse in a draft; for callers that judge more before drafting. */
  checkDraft(input: Pick<CampaignDraftInput, 'objective' | 'audience' | 'text'>): void {
    const problems = campaignProblems(input);
    if (problems.length > 0) throw new InvalidCampaignException(problems);
  }

  async createDraft(organizationId: string, input: CampaignDraftInput): Promise<CampaignRow> {
    this.checkDraft(input);
    let instanceId: string | null;
    if (input.instanceId !== undefined) {
      if (!isUuid(input.instanceId) || (await this.campaigns.instance(organizationId, input.instanceId)) === null) {
        throw new ResourceNotFoundException('WhatsApp instance', input.instanceId);
      }
      instanceId = input.instanceId;
    } else {
      instanceId = await this.campaigns.connectedInstance(organizationId);
    }
    const audience: CampaignAudience = input.audience.kind === 'all' ? { kind: 'all' } : { kind: 'inactive', days: input.audience.days };
    for (let attempt = 0; attempt < CODE_ATTEMPTS; attempt += 1) {
      const row = await this.campaigns.insertDraft(organizationId, {
        code: generateCampaignCode(),
        objective: input.objective.trim(),
        audience,
        text: input.text.trim(),
        instanceId,
        createdBy: input.createdBy,
      });
      if (row !== null) {
        this.logger.log({ organizationId, campaignId: row.id, code: row.code, audience: audience.kind }, 'campaign drafted');
        return row;
      }
    }
    throw new Error(`no free campaign code after ${CODE_ATTEMPTS} attempts`);
  }

  /**
   * Who of the audience a campaign would reach if sent now from `instanceId`
   * (the organization's connected number when absent), after opt-outs and the
   * 24-hour window: what the owner is told before approving.
   */
  async audienceReach(organizationId: string, audience: CampaignAudience, instanceId?: string | null): Promise<AudienceReach> {
    const sender = instanceId === undefined ? await this.campaigns.connectedInstance(organizationId) : instanceId;
    return this.campaigns.audienceReach(organizationId, audience, sender, this.clock.now());
  }

  /**
   * Approves a draft: its audience is resolved now (who matches at this moment
   * gets it) and sending is queued. Approving a campaign that is approved or
   * sending already changes nothing but queues its sending again if that job
   * was lost (the job is keyed by the campaign, so never twice); a sent or
   * cancelled one is a 409.
   */
  async approve(organizationId: string, idOrCode: string, approvedBy: CampaignActor): Promise<CampaignRow> {
    const campaign = await this.get(organizationId, idOrCode);
    const current = campaign.status === 'draft' ? await this.approveFoundDraft(organizationId, campaign, approvedBy) : campaign;
    return this.queueSending(organizationId, current);
  }

  /**
   * Approves only a draft, for the owner in chat: what it found (no such
   * campaign, no longer a draft, no connected number, nobody it would reach)
   * comes back as a result to answer with, not as an error. Approving a
   * campaign past its draft again would re-queue it quietly, so the owner is
   * told instead. A draft that, judged now, would reach nobody (time passed
   * since drafting: windows closed, some opted out) stays a draft. One read of
   * the campaign, as in approve.
   */
  async approveDraft(organizationId: string, idOrCode: string, approvedBy: CampaignActor): Promise<DraftApproval> {
    const campaign = await this.find(organizationId, idOrCode);
    if (campaign === null) return { kind: 'not_found' };
    if (campaign.status !== 'draft') return { kind: 'not_draft', status: campaign.status };
    const reach = await this.audienceReach(organizationId, campaign.audience, campaign.instanceId ?? undefined);
    if (reach.reachable === 0) return { kind: 'unreachable', campaign, reach };
    try {
      const approved = await this.approveFoundDraft(organizationId, campaign, approvedBy);
      return { kind: 'approved', campaign: await this.queueSending(organizationId, approved), reach };
    } catch (error) {
      if (error instanceof NoConnectedInstanceException) return { kind: 'no_instance' };
      throw error;
    }
  }

  /** Moves a draft just read to approved, on a connected number; the campaign as it is afterwards. */
  private async approveFoundDraft(organizationId: string, draft: CampaignRow, approvedBy: CampaignActor): Promise<CampaignRow> {
    const instanceId = draft.instanceId ?? (await this.campaigns.connectedInstance(organizationId));
    if (instanceId === null) throw new NoConnectedInstanceException(null);
    // Only a number the draft named may have disconnected since; connectedInstance
    // just selected a connected row, and reading it again would be a second transaction for nothing.
    if (draft.instanceId !== null) {
      const instance = await this.campaigns.instance(organizationId, instanceId);
      if (instance?.status !== 'connected') throw new NoConnectedInstanceException(instanceId, instance?.status);
    }
    const approved = await this.campaigns.approve(organizationId, draft.id, approvedBy, instanceId, this.clock.now());
    // Null: someone else approved or cancelled it meanwhile; the caller judges the state it is in now.
    if (approved === null) return this.get(organizationId, draft.id);
    this.logger.log({ organizationId, campaignId: approved.id, audienceSize: approved.audienceSize }, 'campaign approved');
    this.announce(approved);
    return approved;
  }

  /** Queues the sending of an approved or sending campaign; in any other state it cannot be approved (409). */
  private async queueSending(organizationId: string, campaign: CampaignRow): Promise<CampaignRow> {
    if (campaign.status !== 'approved' && campaign.status !== 'sending') throw new CampaignStateException(campaign.code, 'approve', campaign.status);
    const queued = await this.queues.tryEnqueue(
      'campaign',
      'send',
      { campaignId: campaign.id, organizationId },
      campaignJobOptions(campaign.id),
    );
    if (!queued) throw new CampaignQueueUnavailableException(campaign.code);
    return campaign;
  }

  /**
   * Stops a campaign: recipients not reached yet stay unsent. A message already
   * handed to WhatsApp's sender (at most one per sending campaign) still goes.
   * Cancelling a cancelled campaign changes nothing; a sent or failed one is a 409.
   */
  async cancel(organizationId: string, idOrCode: string, cancelledBy: CampaignActor): Promise<CampaignRow> {
    const campaign = await this.get(organizationId, idOrCode);
    if (campaign.status === 'cancelled') return campaign;
    const cancelled = await this.campaigns.moveStatus(organizationId, campaign.id, ['draft', 'approved', 'sending'], 'cancelled', this.clock.now());
    if (cancelled === null) {
      const now = await this.get(organizationId, campaign.id);
      if (now.status === 'cancelled') return now;
      throw new CampaignStateException(now.code, 'cancel', now.status);
    }
    this.logger.log({ organizationId, campaignId: campaign.id, by: cancelledBy.kind }, 'campaign cancelled');
    this.announce(cancelled);
    return cancelled;
  }

  /** By id, or by the code the owner types (any case). */
  async get(organizationId: string, idOrCode: string): Promise<CampaignRow> {
    const campaign = await this.find(organizationId, idOrCode);
    if (campaign === null) throw new ResourceNotFoundException('Campaign', idOrCode.trim());
    return campaign;
  }

  /** As get, null when there is none. */
  async find(organizationId: string, idOrCode: string): Promise<CampaignRow | null> {
    const trimmed = idOrCode.trim();
    if (isUuid(trimmed)) return this.campaigns.findById(organizationId, trimmed);
    const code = normalizeCampaignCode(trimmed);
    return code === null ? null : this.campaigns.findByCode(organizationId, code);
  }

  /** Newest first; `limit` rows from `offset`. */
  list(organizationId: string, filter: { status?: CampaignStatus }, limit: number, offset: number): Promise<CampaignRow[]> {
    return this.campaigns.list(organizationId, filter, limit, offset);
  }

  /** `campaign:updated` to the organization's sockets. */
  announce(campaign: CampaignRow): void {
    this.realtime.publish(campaign.organizationId, 'campaign:updated', {
      instanceId: campaign.instanceId,
      campaignId: campaign.id,
      code: campaign.code,
      status: campaign.status,
      counts: campaignCounts(campaign),
      at: this.clock.now().toISOString(),
    });
  }
}
