import { Injectable } from '@nestjs/common';
import { EventEmitter } from 'node:events';

/** What happens to API keys that other modules act on (the Socket.IO gateway disconnects a revoked key's sockets). */
export interface ApiKeyEventMap {
  'api_key:revoked': { organizationId: string; apiKeyId: string; at: string };
}

export type ApiKeyEventName = keyof ApiKeyEventMap;

/**
 * In-process, typed event bus: AuthModule announces, listeners in other modules
 * subscribe, and AuthModule depends on none of them. Cross-process reach is the
 * listener's job (the gateway's goes through the Socket.IO Redis adapter).
 */
@Injectable()
export class ApiKeyEvents {
  private readonly emitter = new EventEmitter();

  emit<E extends ApiKeyEventName>(event: E, payload: ApiKeyEventMap[E]): void {
    this.emitter.emit(event, payload);
  }

  on<E extends ApiKeyEventName>(event: E, listener: (payload: ApiKeyEventMap[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }
}
