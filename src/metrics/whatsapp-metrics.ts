import { Injectable } from '@nestjs/common';
import { INSTANCE_STATUSES } from '../database/schema.js';
import { CloseCode } from '../whatsapp/transport/whatsapp-transport.js';
import { WhatsappEvents } from '../whatsapp/whatsapp-events.js';
import { InstanceMetricsRepository } from './instance-metrics.repository.js';
import { MetricsService } from './metrics.service.js';

/** Statuses after a close that mean a reconnect was scheduled (see close-policy.ts). */
const RECONNECTING = new Set(['connecting', 'reconnecting']);

/** Close codes by name (the first name of a shared code: 408 is connection_lost), so the reason label is never free text. */
const CLOSE_REASONS = new Map<number, string>();
for (const [name, code] of Object.entries(CloseCode)) {
  if (!CLOSE_REASONS.has(code)) CLOSE_REASONS.set(code, name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`));
}

export function closeReasonLabel(statusCode: number | null): string {
  if (statusCode === null) return 'no_status_code';
  return CLOSE_REASONS.get(statusCode) ?? 'other';
}

/**
 * WhatsApp metrics from what the WhatsApp layer already announces (no change to it):
 * reconnects by close reason, alerts, messages sent; instance statuses read at scrape.
 */
@Injectable()
export class WhatsappMetrics {
  constructor(metrics: MetricsService, events: WhatsappEvents, repository: InstanceMetricsRepository) {
    events.on('whatsapp:disconnected', ({ statusCode, status }) => {
      if (RECONNECTING.has(status)) metrics.recordReconnect(closeReasonLabel(statusCode));
    });
    events.on('whatsapp:alert', ({ alert }) => metrics.recordAlert(alert));
    events.on('message:sent', (sent) => metrics.recordMessageOut(sent));
    metrics.onScrape('instances', async () => {
      const counts = await repository.countByStatus();
      // Every status, zeros included, so a status that empties drops to 0 rather than keeping its last value.
      for (const status of INSTANCE_STATUSES) metrics.setInstances(status, counts[status] ?? 0);
    });
  }
}
