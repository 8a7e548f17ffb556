import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** What the WhatsApp layer tells the rest of the system (the Socket.IO gateway broadcasts these). */
export interface WhatsappEventMap {
  'whatsapp:connected': { organizationId: string; instanceId: string; phoneNumber: string | null; at: string };
  'whatsapp:disconnected': { organizationId: string; instanceId: string; statusCode: number | null; reason: string; status: string; at: string };
  'whatsapp:qr': { organizationId: string; instanceId: string; qr: string; expiresAt: string; at: string };
  'whatsapp:pairing_code': { organizationId: string; instanceId: string; code: string; expiresAt: string; at: string };
  'whatsapp:alert': { organizationId: string; instanceId: string; alert: string; message: string; at: string };
  'message:sent': { organizationId: string; instanceId: string; messageId: string; status: string; at: string };
}

export type WhatsappEventName = keyof WhatsappEventMap;

/** In-process, typed event bus; cross-process delivery is the gateway's job (Redis adapter). */
@Injectable()
export class WhatsappEvents {
  private readonly emitter = new EventEmitter();

  emit<E extends WhatsappEventName>(event: E, payload: WhatsappEventMap[E]): void {
    this.emitter.emit(event, payload);
  }

  on<E extends WhatsappEventName>(event: E, listener: (payload: WhatsappEventMap[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}
