import type { AudienceReach } from '../campaigns/campaigns.repository.js';

/**
 * What Aurora needs from campaigns: the inactive customers, a draft, and the
 * owner's approval by code. Aurora depends on this port; the campaigns module
 * provides it (CAMPAIGNS_PORT), so the agent never reaches into its tables.
 */
export interface InactiveClient {
  name: string | null;
  phone: string;
  /** The later of the last booking and the last message. */
  lastActivityAt: Date | null;
  lastService: string | null;
  pets: string[];
  /** Wrote SAIR: no campaign reaches them. */
  optedOut: boolean;
}

export type DraftAudience = { kind: 'inactive'; days: number } | { kind: 'all' };

/** Who of an audience a campaign sent now would reach, and why the others would not get it: the campaigns module's own figures. */
export type { AudienceReach };

export type DraftResult =
  /** `reach`: as things stand now; the sender judges each recipient again at their turn. */
  | { kind: 'drafted'; id: string; code: string; reach: AudienceReach }
  /** Nobody would get it: no draft was stored. */
  | { kind: 'unreachable'; reach: AudienceReach };

export type ApprovalResult =
  /** `reach`: who of its audience gets it, as judged at the approval. */
  | { kind: 'approved'; code: string; reach: AudienceReach }
  /** Nobody would get it now (opted out, outside the 24-hour window): it stays a draft. */
  | { kind: 'unreachable'; code: string; reach: AudienceReach }
  | { kind: 'not_found' }
  /** No connected number to send from: the draft stays a draft. */
  | { kind: 'no_instance' }
  /** Already approved, sending, sent or cancelled. */
  | { kind: 'not_draft'; status: string };

export interface CampaignsPort {
  inactiveClients(organizationId: string, days: number, limit: number): Promise<InactiveClient[]>;
  /** Who of the audience a campaign sent now would reach. */
  audienceReach(organizationId: string, audience: DraftAudience): Promise<AudienceReach>;
  /** A draft, unless nobody would get it. */
  draft(organizationId: string, input: { objective: string; audience: DraftAudience; text: string }): Promise<DraftResult>;
  /** The owner (their contact) approved in chat. */
  approveByCode(organizationId: string, code: string, ownerContactId: string): Promise<ApprovalResult>;
}

export const CAMPAIGNS_PORT = Symbol('CAMPAIGNS_PORT');
