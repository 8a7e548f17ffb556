import type { OpenSession, SessionRef } from '../../session/auth-state-store.js';

/**
 * The one port every WhatsApp connection goes through. Adapters: Baileys (the
 * real network) and the sandbox (an in-process simulator for tests and demos).
 * Nothing outside src/whatsapp/transport knows which one is behind it.
 */

/** A message as WhatsApp delivered it, in Baileys' WAMessage shape (kept loose: intake normalises it). */
export interface InboundWhatsAppMessage {
  key: {
    remoteJid?: string | null;
    /** Baileys 7: the phone JID of a chat addressed by LID (and the LID of one addressed by phone). */
    remoteJidAlt?: string | null;
    fromMe?: boolean | null;
    id?: string | null;
    /** The sender inside a group. */
    participant?: string | null;
    participantAlt?: string | null;
  };
  message?: Record<string, unknown> | null;
  messageTimestamp?: number | string | null;
  pushName?: string | null;
}

/** A received media is larger than the caller accepts; the download stopped there. */
export class MediaTooLargeError extends Error {
  constructor(readonly maxBytes: number) {
    super(`media is larger than ${maxBytes} bytes: download stopped`);
    this.name = 'MediaTooLargeError';
  }
}

/** How much of a customer's media intake takes, and for how long it waits for it. */
export interface MediaDownloadLimits {
  maxBytes: number;
  timeoutMs: number;
}

/**
 * Who sent a message, as its key names them: in a group the participant, otherwise the chat; `alt` is the other
 * address WhatsApp gives beside it (the phone JID of a LID, or the LID of a phone).
 */
export function senderOf(message: InboundWhatsAppMessage): { group: boolean; jid: string | null; alt: string | null } {
  const { key } = message;
  const group = key.remoteJid?.endsWith('@g.us') === true;
  return { group, jid: (group ? key.participant : key.remoteJid) ?? null, alt: (group ? key.participantAlt : key.remoteJidAlt) ?? null };
}

export type ReceiptStatus = 'sent' | 'delivered' | 'read' | 'failed';

export type TransportEvent =
  /** A new QR to show; valid until the next one or the connection opens. */
  | { type: 'qr'; qr: string }
  /** Logged in and ready to send; `phoneNumber` is digits only, from the account's JID. */
  | { type: 'open'; phoneNumber: string | null }
  /** The socket ended; `statusCode` is WhatsApp's close code (DisconnectReason), null when unknown. */
  | { type: 'close'; statusCode: number | null; message: string }
  /** Creds changed (Baileys mutated session.state.creds); the manager saves them. */
  | { type: 'creds-update' }
  /** Messages from the network, live or delivered late after the socket was offline (Baileys' messages.upsert, notify and append). */
  | { type: 'messages'; messages: InboundWhatsAppMessage[] }
  /** Delivery receipts for messages we sent. */
  | { type: 'receipts'; updates: { messageId: string; status: ReceiptStatus }[] };

/**
 * Receives a connection's events. For `messages` it may return a promise that
 * settles once they are stored (or held): an adapter that can acknowledge
 * delivery late (the sandbox) acknowledges only then, and not when it rejects.
 */
export type TransportListener = (event: TransportEvent) => void | Promise<void>;

export interface SentMessage {
  /** WhatsApp's id of the sent message, the key receipts refer to. */
  messageId: string;
}

export type OutboundContent =
  | { kind: 'text'; text: string }
  | { kind: 'image'; data: Buffer; mimetype: string; caption?: string }
  | { kind: 'audio'; data: Buffer; mimetype: string; ptt: boolean };

/** A live connection of one instance. */
export interface WhatsAppConnection {
  /** 8-character pairing code for a phone number (digits with country code), while creds are unregistered. */
  requestPairingCode(phoneNumber: string): Promise<string>;
  /**
   * `to` is digits with country code (the JID is the adapter's business).
   * `messageId` is WhatsApp's id for the message, chosen by the sender: the same
   * id sent twice is one message to WhatsApp and the recipient, so a send
   * retried after a crash is not shown twice.
   */
  send(to: string, content: OutboundContent, options?: { messageId?: string }): Promise<SentMessage>;
  sendPresence(to: string, presence: 'composing' | 'paused' | 'recording'): Promise<void>;
  /**
   * The bytes of a received image, audio or document (WhatsApp keeps them
   * encrypted on its CDN for a while). Rejects with MediaTooLargeError as soon
   * as more than `maxBytes` arrive: a sender's document can be gigabytes, and
   * the size the message declares is the sender's word, not a limit. Rejects
   * too when the whole download takes longer than `timeoutMs` (a CDN that
   * stops answering would otherwise hold the download and its memory forever).
   */
  downloadMedia(message: InboundWhatsAppMessage, options: MediaDownloadLimits): Promise<Buffer>;
  /** Logs the device out of WhatsApp (the session becomes useless) and ends the socket. */
  logout(): Promise<void>;
  /** Ends the socket without logging out: the session stays valid for the next connect. */
  close(): Promise<void>;
}

export interface ConnectRequest {
  ref: SessionRef;
  session: OpenSession;
  listener: TransportListener;
  /**
   * The text of a message this instance sent, by WhatsApp's id; null when it is
   * unknown or not a text. A recipient whose phone failed to decrypt a message
   * asks for it again, and the adapter re-sends it from here.
   */
  sentText(messageId: string): Promise<string | null>;
}

export interface WhatsAppTransport {
  readonly provider: 'baileys' | 'sandbox';
  connect(request: ConnectRequest): Promise<WhatsAppConnection>;
}

/**
 * WhatsApp's close codes (Baileys' DisconnectReason), as plain numbers so the
 * connection policy can use them without importing Baileys; a transport test
 * checks they match Baileys' enum.
 */
export const CloseCode = {
  connectionClosed: 428,
  connectionLost: 408,
  connectionReplaced: 440,
  timedOut: 408,
  loggedOut: 401,
  badSession: 500,
  restartRequired: 515,
  multideviceMismatch: 411,
  forbidden: 403,
  unavailableService: 503,
} as const;
