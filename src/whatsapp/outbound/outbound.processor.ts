import { Processor } from '@nestjs/bullmq';
import { Inject } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../../config/app-config.js';
import { MEDIA_STORE, type MediaStore } from '../../media/media-store.js';
import { LoggedWorkerHost } from '../../queue/logged-worker-host.js';
import type { JobPayload } from '../../queue/queues.js';
import { ConnectionManager } from '../connection/connection-manager.js';
import { type MessageRow, MessagesRepository } from '../messages.repository.js';
import type { OutboundContent } from '../transport/whatsapp-transport.js';
import { WhatsappEvents } from '../whatsapp-events.js';
import { SendPacer } from './send-pacer.js';

@Processor('outbound', { concurrency: 20 })
export class OutboundProcessor extends LoggedWorkerHost {
  private readonly pacer: SendPacer;

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly messages: MessagesRepository,
    private readonly connections: ConnectionManager,
    private readonly events: WhatsappEvents,
    @Inject(MEDIA_STORE) private readonly media: MediaStore,
  ) {
    super();
    this.pacer = new SendPacer(config.whatsapp.outboundMinGapMs, config.whatsapp.outboundJitterMs);
  }

  async process(job: Job): Promise<void> {
    const { messageId, organizationId } = job.data as JobPayload<'outbound', 'send'>;
    const message = await this.messages.find(organizationId, messageId);
    // Sent already (a retried job after a crash between send and ack) or gone: nothing to do.
    if (message === null || message.status !== 'queued') return;
    try {
      await this.pacer.wait(message.instanceId);
      const sent = await this.connections.send(message.instanceId, message.remotePhone.replace(/^\+/, ''), await this.contentOf(message));
      await this.messages.markSent(organizationId, messageId, sent.messageId, message.instanceId);
      this.events.emit('message:sent', { organizationId, instanceId: message.instanceId, messageId, status: 'sent', at: new Date().toISOString() });
    } catch (error) {
      const lastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      if (lastAttempt) await this.messages.markFailed(organizationId, messageId, (error as Error).message);
      throw error;
    }
  }

  private async contentOf(message: MessageRow): Promise<OutboundContent> {
    if (message.type === 'text') return { kind: 'text', text: message.body ?? '' };
    const data = await this.media.get(message.mediaRef ?? '');
    const mimetype = message.mediaMimetype ?? 'application/octet-stream';
    if (message.type === 'image') return { kind: 'image', data, mimetype, caption: message.body ?? undefined };
    return { kind: 'audio', data, mimetype, ptt: message.body === 'ptt' };
  }
}
