import type { WhatsAppTransport } from './whatsapp-transport.js';

/** The adapters by provider name, as an instance row names them. */
export class TransportRegistry {
  constructor(private readonly transports: Record<'baileys' | 'sandbox', WhatsAppTransport>) {}

  for(provider: 'baileys' | 'sandbox'): WhatsAppTransport {
    return this.transports[provider];
  }
}
