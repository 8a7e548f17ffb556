/**
 * Every queue and job of the system with its payload type. A queue listed here
 * must have a processor in a worker process, or the boot fails (QueueRegistryCheck).
 */
export interface QueueJobs {
  health: {
    /** The WhatsApp health job of one 5-minute slot; the slot is its jobId, so replicas enqueue it once. */
    'health-check': { slot: string };
  };
  outbound: {
    /** Sends one stored message (messages row `queued`) through its instance's connection. */
    send: { messageId: string; organizationId: string };
  };
  inbound: {
    /** Answers a stored customer message (messages row `received`): its contact's turn takes every message waiting. */
    turn: { messageId: string; organizationId: string; remotePhone: string };
    /** Re-enqueues messages whose job was lost and returns stale handoffs to the bot; the slot is its jobId. */
    sweep: { slot: string };
  };
  campaign: {
    /** Sends an approved campaign to its recipients, one at a time through the outbound queue; its jobId is the campaign's. */
    send: { campaignId: string; organizationId: string };
    /** Re-queues the sending of campaigns left approved or sending whose job was lost; the slot is its jobId. */
    sweep: { slot: string };
  };
  maintenance: {
    /** Stamps an API key's last use; one job per key per minute, so requests never write. */
    'api-key-used': { apiKeyId: string; usedAt: string };
  };
  automation: {
    /** Aurora's scheduler tick of one time slot (the slot is its jobId): finds the shops whose summary hour came. */
    tick: { slot: string };
    /** One shop's day (its local date): the daily summary and the celebrations, each sent once. */
    daily: { organizationId: string; date: string };
    /** The owner's alert about a booking marked no-show or cancelled, sent once per booking and status. */
    'booking-alert': { organizationId: string; bookingId: string; status: 'no_show' | 'cancelled' };
  };
}

export type QueueName = keyof QueueJobs;
export type JobName<Q extends QueueName> = keyof QueueJobs[Q] & string;
export type JobPayload<Q extends QueueName, J extends JobName<Q>> = QueueJobs[Q][J];

export const QUEUE_NAMES: readonly QueueName[] = ['maintenance', 'outbound', 'health', 'inbound', 'campaign', 'automation'];
