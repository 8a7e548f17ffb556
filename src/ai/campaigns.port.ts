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
}

export type DraftAudience = { kind: 'inactive'; days: number } | { kind: 'all' };

export interface DraftedCampaign {
  id: string;
  /** What the owner types after CONFIRMAR. */
  code: string;
  /** Contacts the audience holds now (before opt-outs and the 24 h rule are applied at sending). */
  audienceSize: number;
}

export type ApprovalResult =
  | { kind: 'approved'; code: string; audienceSize: number }
  | { kind: 'not_found' }
  /** No connected number to send from: the draft stays a draft. */
  | { kind: 'no_instance' }
  /** Already approved, sending, sent or cancelled. */
  | { kind: 'not_draft'; status: string };

export interface CampaignsPort {
  inactiveClients(organizationId: string, days: number, limit: number): Promise<InactiveClient[]>;
  draft(organizationId: string, input: { objective: string; audience: DraftAudience; text: string }): Promise<DraftedCampaign>;
  /** The owner (their contact) approved in chat. */
  approveByCode(organizationId: string, code: string, ownerContactId: string): Promise<ApprovalResult>;
}

export const CAMPAIGNS_PORT = Symbol('CAMPAIGNS_PORT');
