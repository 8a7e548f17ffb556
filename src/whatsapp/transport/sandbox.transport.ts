import { HttpStatus } from '@nestjs/common';
import { randomBytes, randomInt } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { DomainException } from '../../common/domain.exception.js';
import { brazilianMobileVariants } from '../../common/phone-number.js';
import type { OpenSession } from '../../session/auth-state-store.js';
import { phoneDigits, phoneFromJid, userJid } from './phone-jid.js';
import {
  CloseCode,
  type ConnectRequest,
  type InboundWhatsAppMessage,
  MediaTooLargeError,
  type OutboundContent,
  type ReceiptStatus,
  type SentMessage,
  type TransportEvent,
  type TransportListener,
  type WhatsAppConnection,
  type WhatsAppTransport,
} from './whatsapp-transport.js';

/** The sandbox was asked for something its simulated phone cannot do in its current state. */
export class SandboxStateException extends DomainException {
  constructor(code: 'sandbox_not_connected' | 'sandbox_not_paired' | 'sandbox_already_paired', message: string) {
    super(code, HttpStatus.CONFLICT, message);
  }
}

export interface SandboxInboundMessage {
  /** The sender's phone, digits with country code (a leading + or punctuation is ignored). */
  from: string;
  /** The text, or the caption of the media. */
  text?: string;
  /** An image, voice note or document, delivered like WhatsApp's media messages (bytes fetched with downloadMedia). */
  media?: SandboxInboundMedia;
  pushName?: string;
  /** WhatsApp's id of the message; a Baileys-like one is made up when absent (pass one to simulate a redelivery). */
  messageId?: string;
  /**
   * The sender's LID (digits): the chat then comes from `<lid>@lid` with the phone in `remoteJidAlt`, as
   * WhatsApp delivers chats of senders it addresses by LID.
   */
  lid?: string;
}

export interface SandboxInboundMedia {
  kind: 'image' | 'audio' | 'document';
  data: Buffer;
  mimetype: string;
  fileName?: string;
}

/** One message the instance sent through the sandbox. */
export interface SandboxOutboundMessage {
  /** Digits with country code: a Brazilian mobile in the spelling its account wrote from (see accountOf). */
  to: string;
  kind: OutboundContent['kind'];
  /** The text of a text message, the caption of an image; null otherwise. */
  text: string | null;
  /** Size of the media in bytes; null for text. */
  bytes: number | null;
  mimetype: string | null;
  /** Audio sent as a voice note. */
  ptt: boolean | null;
  messageId: string;
  status: ReceiptStatus;
  /** ISO 8601. */
  at: string;
}

export interface SandboxPresence {
  to: string;
  presence: 'composing' | 'paused' | 'recording';
  at: string;
}

export interface SandboxOptions {
  /** How often an unpaired connection shows a new QR (WhatsApp: 20 s after the first). */
  qrIntervalMs?: number;
  /** Delay between a send and its `delivered` receipt. */
  receiptDelayMs?: number;
  /** Also emit `read` receipts, one more delay after `delivered`. */
  readReceipts?: boolean;
  /** Timestamps of inbound messages and of the outbound log. */
  clock?: { now(): Date };
  /** Where a listener that throws on a timer-driven event (QR, open, receipt) is reported. */
  logger?: Logger;
  /**
   * Where the simulated WhatsApp keeps its record of what each instance sent
   * (one JSON line per message, `{instanceId}.outbound.jsonl`), so it outlives
   * the server process as WhatsApp's servers outlive a crashed client: after a
   * restart the outbound log and the dedupe by message id still know every
   * earlier send. Unset: memory only.
   */
  journalDirectory?: string;
  /**
   * How many of an instance's latest sends WhatsApp remembers by id (default
   * 10,000): a resend after a crash comes within seconds, never thousands of
   * messages later. Memory and the journal are bounded by it.
   */
  sentIdsKept?: number;
}

/** Kept per instance; older outbound and presence records are dropped beyond it. */
const LOG_LIMIT = 500;
/** Senders the simulated WhatsApp remembers as accounts; the oldest is forgotten first. */
const ACCOUNTS_KEPT = 10_000;
/** WhatsApp's pairing codes: 8 characters of Crockford's base32 without 0 (as Baileys makes them). */
const PAIRING_CODE_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTVWXYZ';

/** What the simulator remembers about an instance across its connections. */
interface SimulatedPhone {
  outbound: SandboxOutboundMessage[];
  /** The ids of the instance's latest sends, oldest first: WhatsApp takes a repeated id as the same message. */
  sentIds: Set<string>;
  /** Records in the instance's journal file; past twice sentIdsKept it is cut back to the latest ones. */
  journalLines: number;
  /** Bytes of the media customers sent, by message id (WhatsApp's CDN). */
  media: Map<string, Buffer>;
  presences: SandboxPresence[];
  /** The phone a pairing code was requested for, used when `pair` is not told one. */
  pairingPhone: string | null;
  socket: SimulatedSocket | null;
}

/** One connect: the part of the simulator that plays WhatsApp's server. */
interface SimulatedSocket {
  instanceId: string;
  session: OpenSession;
  listener: TransportListener;
  state: 'connecting' | 'open' | 'closed';
  timers: Set<NodeJS.Timeout>;
}

/**
 * An in-process WhatsApp: pairing, inbound and outbound messages, receipts and
 * disconnects, driven by the methods below (a REST controller and scenario tests
 * call them). One simulated phone per instance; creds live in the real session
 * store, so pairing survives a restart like it does with Baileys.
 */
export class SandboxTransport implements WhatsAppTransport {
  readonly provider = 'sandbox';
  private readonly phones = new Map<string, SimulatedPhone>();
  /**
   * WhatsApp's accounts as far as the simulator knows them: the numbers (digits)
   * customers wrote from, in the spelling they wrote from. A send to the other
   * spelling of a Brazilian mobile reaches the account, as Baileys finds it.
   */
  private readonly accounts = new Set<string>();
  private readonly qrIntervalMs: number;
  private readonly receiptDelayMs: number;
  private readonly readReceipts: boolean;
  private readonly clock: { now(): Date };
  private readonly logger: Logger;
  private journalDirectory: string | null;
  private readonly sentIdsKept: number;

  constructor(options: SandboxOptions = {}) {
    this.sentIdsKept = options.sentIdsKept ?? 10_000;
    this.qrIntervalMs = options.qrIntervalMs ?? 20_000;
    this.receiptDelayMs = options.receiptDelayMs ?? 5;
    this.readReceipts = options.readReceipts ?? false;
    this.clock = options.clock ?? { now: () => new Date() };
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.journalDirectory = options.journalDirectory ?? null;
    if (this.journalDirectory !== null) {
      try {
        mkdirSync(this.journalDirectory, { recursive: true });
      } catch (error) {
        // A sandbox is for tests and demos: without a writable folder it keeps its record in memory only.
        this.logger.warn({ journalDirectory: this.journalDirectory, err: (error as Error).message }, 'sandbox record not kept on disk');
        this.journalDirectory = null;
      }
    }
  }

  async connect({ ref, session, listener }: ConnectRequest): Promise<WhatsAppConnection> {
    const phone = this.phoneOf(ref.instanceId);
    if (phone.socket) {
      // The same account connecting twice: WhatsApp keeps the newer socket and tells the older one it was replaced.
      this.end(phone.socket, CloseCode.connectionReplaced, 'sandbox: connection replaced by a newer one');
    }
    const socket: SimulatedSocket = { instanceId: ref.instanceId, session, listener, state: 'connecting', timers: new Set() };
    phone.socket = socket;

    // Events start on the next turn, as from a network, so the caller holds the connection before the first one.
    if (session.state.creds.registered) {
      this.later(socket, 0, () => {
        socket.state = 'open';
        this.emit(socket, { type: 'open', phoneNumber: phoneFromJid(session.state.creds.me?.id) });
      });
    } else {
      const showQr = () => {
        this.emit(socket, { type: 'qr', qr: sandboxQr(session) });
        this.later(socket, this.qrIntervalMs, showQr);
      };
      this.later(socket, 0, showQr);
    }
    return this.connectionOf(socket, phone);
  }

  /**
   * The user links the device (scans the QR or types the pairing code). Like
   * WhatsApp: creds become registered, then the socket closes with 515
   * (restartRequired) and the next connect opens. Returns the paired phone.
   */
  pair(instanceId: string, phoneNumber?: string): string {
    const phone = this.phoneOf(instanceId);
    const socket = this.liveSocket(instanceId);
    const creds = socket.session.state.creds;
    if (creds.registered) {
      throw new SandboxStateException('sandbox_already_paired', `sandbox instance ${instanceId} is already paired`);
    }
    const digits = phoneDigits(phoneNumber ?? phone.pairingPhone ?? randomBrazilianMobile());
    this.clearTimers(socket);
    creds.registered = true;
    creds.me = { id: `${digits}:1@s.whatsapp.net`, name: 'Sandbox' };
    this.emit(socket, { type: 'creds-update' });
    this.later(socket, 0, () =>
      this.end(socket, CloseCode.restartRequired, 'sandbox: paired, restart required'),
    );
    return digits;
  }

  /** A customer writes to the instance; returns the message id (delivery is not awaited). */
  inbound(instanceId: string, message: SandboxInboundMessage): string {
    const { messageId, handled } = this.deliver(instanceId, message);
    void handled.catch((error: unknown) => this.logger.error({ err: error, instanceId }, 'sandbox inbound message not handled'));
    return messageId;
  }

  /**
   * A customer writes to the instance, and WhatsApp waits for the device's
   * acknowledgement: resolves with the message id once the server stored (or
   * held) the message, rejects when it could not. An unacknowledged message is
   * WhatsApp's to deliver again, with the same id (the caller plays that part).
   */
  async inboundAcknowledged(instanceId: string, message: SandboxInboundMessage): Promise<string> {
    const { messageId, handled } = this.deliver(instanceId, message);
    await handled;
    return messageId;
  }

  private deliver(instanceId: string, message: SandboxInboundMessage): { messageId: string; handled: Promise<void> } {
    const socket = this.openSocket(instanceId);
    const messageId = message.messageId ?? whatsAppMessageId();
    this.accounts.delete(phoneDigits(message.from));
    this.accounts.add(phoneDigits(message.from));
    if (this.accounts.size > ACCOUNTS_KEPT) this.accounts.delete(this.accounts.values().next().value!);
    if (message.media !== undefined) {
      const phone = this.phoneOf(instanceId);
      phone.media.set(messageId, message.media.data);
      // Bounded like the logs: the oldest media is forgotten first.
      if (phone.media.size > LOG_LIMIT) phone.media.delete(phone.media.keys().next().value!);
    }
    const inbound: InboundWhatsAppMessage = {
      key:
        message.lid === undefined
          ? { remoteJid: userJid(message.from), fromMe: false, id: messageId }
          : { remoteJid: `${message.lid}@lid`, remoteJidAlt: userJid(message.from), fromMe: false, id: messageId },
      message: sandboxContent(message),
      messageTimestamp: Math.floor(this.clock.now().getTime() / 1000),
      pushName: message.pushName ?? null,
    };
    return { messageId, handled: Promise.resolve(this.emit(socket, { type: 'messages', messages: [inbound] })) };
  }

  /** Everything the instance sent (oldest first), across its connections. */
  outbound(instanceId: string): SandboxOutboundMessage[] {
    return (this.phones.get(instanceId)?.outbound ?? []).map((record) => ({ ...record }));
  }

  /** Presence updates the instance sent (oldest first). */
  presences(instanceId: string): SandboxPresence[] {
    return (this.phones.get(instanceId)?.presences ?? []).map((record) => ({ ...record }));
  }

  /** WhatsApp drops the socket with `statusCode` (any DisconnectReason, or another number to test the unknown). */
  disconnect(instanceId: string, statusCode: number): void {
    const socket = this.liveSocket(instanceId);
    this.end(socket, statusCode, `sandbox: disconnected with ${statusCode}`);
  }

  /** Whether the instance has a socket that is connecting or open. */
  hasLiveConnection(instanceId: string): boolean {
    return this.phones.get(instanceId)?.socket != null;
  }

  private connectionOf(socket: SimulatedSocket, phone: SimulatedPhone): WhatsAppConnection {
    const creds = socket.session.state.creds;
    return {
      requestPairingCode: async (phoneNumber) => {
        this.assertNotClosed(socket);
        if (creds.registered) {
          throw new SandboxStateException('sandbox_already_paired', `sandbox instance ${socket.instanceId} is already paired`);
        }
        phone.pairingPhone = phoneDigits(phoneNumber);
        return pairingCode();
      },
      send: async (to, content, options) => this.send(socket, phone, to, content, options?.messageId),
      sendPresence: async (to, presence) => {
        this.assertOpen(socket);
        append(phone.presences, { to: this.accountOf(to), presence, at: this.clock.now().toISOString() });
      },
      downloadMedia: async (message, { maxBytes }) => {
        this.assertOpen(socket);
        const data = phone.media.get(message.key.id ?? '');
        if (data === undefined) throw new Error(`sandbox: no media for message ${message.key.id ?? '(no id)'}`);
        if (data.length > maxBytes) throw new MediaTooLargeError(maxBytes);
        return data;
      },
      logout: async () => {
        creds.registered = false;
        creds.me = undefined;
        if (socket.state !== 'closed') this.end(socket, CloseCode.loggedOut, 'sandbox: logged out');
      },
      close: async () => {
        if (socket.state !== 'closed') this.end(socket, null, null);
      },
    };
  }

  private send(socket: SimulatedSocket, phone: SimulatedPhone, to: string, content: OutboundContent, messageId?: string): SentMessage {
    this.assertOpen(socket);
    if (messageId !== undefined && phone.sentIds.has(messageId)) {
      // WhatsApp dedupes by the sender's message id: the recipient sees it once, the sender gets its ack again.
      this.logger.warn({ instanceId: socket.instanceId, messageId }, 'sandbox: message id sent again: delivered once');
      this.later(socket, this.receiptDelayMs, () => this.emit(socket, { type: 'receipts', updates: [{ messageId, status: 'delivered' }] }));
      return { messageId };
    }
    const record: SandboxOutboundMessage = {
      to: this.accountOf(to),
      kind: content.kind,
      text: content.kind === 'text' ? content.text : content.kind === 'image' ? (content.caption ?? null) : null,
      bytes: content.kind === 'text' ? null : content.data.length,
      mimetype: content.kind === 'text' ? null : content.mimetype,
      ptt: content.kind === 'audio' ? content.ptt : null,
      messageId: messageId ?? whatsAppMessageId(),
      status: 'sent',
      at: this.clock.now().toISOString(),
    };
    // On WhatsApp's side first (synchronously, so a crash right after the send cannot unsend it), then the view.
    if (this.journalDirectory !== null) this.journal(socket.instanceId, phone, record);
    phone.sentIds.add(record.messageId);
    if (phone.sentIds.size > this.sentIdsKept) phone.sentIds.delete(phone.sentIds.values().next().value!);
    append(phone.outbound, record);
    const receipt = (status: ReceiptStatus) => {
      record.status = status;
      this.emit(socket, { type: 'receipts', updates: [{ messageId: record.messageId, status }] });
    };
    this.later(socket, this.receiptDelayMs, () => {
      receipt('delivered');
      if (this.readReceipts) this.later(socket, this.receiptDelayMs, () => receipt('read'));
    });
    return { messageId: record.messageId };
  }

  /**
   * Where a send to `to` arrives: the spelling of a Brazilian mobile (with or
   * without the ninth digit) that a customer wrote from, else the one given.
   */
  private accountOf(to: string): string {
    const variants = brazilianMobileVariants(phoneDigits(to));
    return variants.find((variant) => this.accounts.has(variant)) ?? variants[0];
  }

  /** Ends the socket; `statusCode` null is our own close(), which WhatsApp does not report back. */
  private end(socket: SimulatedSocket, statusCode: number | null, message: string | null): void {
    this.clearTimers(socket);
    socket.state = 'closed';
    const phone = this.phones.get(socket.instanceId);
    if (phone?.socket === socket) phone.socket = null;
    if (statusCode !== null) socket.listener({ type: 'close', statusCode, message: message ?? 'closed' });
  }

  private emit(socket: SimulatedSocket, event: TransportEvent): void | Promise<void> {
    if (socket.state !== 'closed') return socket.listener(event);
  }

  /**
   * Runs `action` after `ms` unless the socket has closed by then. A listener that
   * throws here has no caller to tell, so it is logged (controls called directly throw to their caller).
   */
  private later(socket: SimulatedSocket, ms: number, action: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      socket.timers.delete(timer);
      if (socket.state === 'closed') return;
      try {
        void Promise.resolve(action()).catch((error: unknown) =>
          this.logger.error({ err: error, instanceId: socket.instanceId }, 'sandbox transport listener failed'),
        );
      } catch (error) {
        this.logger.error({ err: error, instanceId: socket.instanceId }, 'sandbox transport listener failed');
      }
    }, ms);
    timer.unref();
    socket.timers.add(timer);
  }

  private clearTimers(socket: SimulatedSocket): void {
    socket.timers.forEach((timer) => clearTimeout(timer));
    socket.timers.clear();
  }

  private phoneOf(instanceId: string): SimulatedPhone {
    let phone = this.phones.get(instanceId);
    if (!phone) {
      const journaled = this.readJournal(instanceId);
      phone = {
        outbound: journaled.slice(-LOG_LIMIT),
        sentIds: new Set(journaled.slice(-this.sentIdsKept).map((record) => record.messageId)),
        journalLines: journaled.length,
        media: new Map(),
        presences: [],
        pairingPhone: null,
        socket: null,
      };
      this.phones.set(instanceId, phone);
    }
    return phone;
  }

  /**
   * Appends a send to the instance's journal, synchronously (a crash right after
   * the send cannot unsend it). Past twice sentIdsKept records the file is
   * rewritten with the latest sentIdsKept (temp file and rename: a crash keeps
   * the old file or the new one), so a long-running demo does not grow it forever.
   */
  private journal(instanceId: string, phone: SimulatedPhone, record: SandboxOutboundMessage): void {
    const path = this.journalOf(instanceId);
    appendFileSync(path, `${JSON.stringify(record)}\n`);
    phone.journalLines += 1;
    if (phone.journalLines <= 2 * this.sentIdsKept) return;
    const kept = this.readJournal(instanceId).slice(-this.sentIdsKept);
    writeFileSync(`${path}.tmp`, kept.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    renameSync(`${path}.tmp`, path);
    phone.journalLines = kept.length;
  }

  private journalOf(instanceId: string): string {
    // Instance ids are UUIDs from our own rows; anything else would not name a file here.
    if (!/^[0-9a-f-]{36}$/i.test(instanceId)) throw new Error(`sandbox: not an instance id: ${instanceId}`);
    return join(this.journalDirectory!, `${instanceId}.outbound.jsonl`);
  }

  private readJournal(instanceId: string): SandboxOutboundMessage[] {
    if (this.journalDirectory === null) return [];
    let text: string;
    try {
      text = readFileSync(this.journalOf(instanceId), 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter((line) => line !== '')
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as SandboxOutboundMessage];
        } catch {
          return []; // a line cut short by a crash mid-write was never acknowledged
        }
      });
  }

  private liveSocket(instanceId: string): SimulatedSocket {
    const socket = this.phones.get(instanceId)?.socket;
    if (!socket) {
      throw new SandboxStateException('sandbox_not_connected', `sandbox instance ${instanceId} has no live connection`);
    }
    return socket;
  }

  private openSocket(instanceId: string): SimulatedSocket {
    const socket = this.liveSocket(instanceId);
    this.assertOpen(socket);
    return socket;
  }

  private assertNotClosed(socket: SimulatedSocket): void {
    if (socket.state === 'closed') {
      throw new SandboxStateException('sandbox_not_connected', `sandbox connection of instance ${socket.instanceId} is closed`);
    }
  }

  private assertOpen(socket: SimulatedSocket): void {
    this.assertNotClosed(socket);
    if (socket.state !== 'open') {
      throw new SandboxStateException(
        'sandbox_not_paired',
        `sandbox instance ${socket.instanceId} is not logged in yet: pair it, then wait for the connection to open`,
      );
    }
  }
}

/** The message part of a WAMessage, as WhatsApp shapes text, images, voice notes and documents. */
function sandboxContent(message: SandboxInboundMessage): Record<string, unknown> {
  const media = message.media;
  if (media === undefined) return { conversation: message.text ?? '' };
  const common = { mimetype: media.mimetype, fileLength: media.data.length };
  switch (media.kind) {
    case 'image':
      return { imageMessage: { ...common, caption: message.text } };
    case 'audio':
      return { audioMessage: { ...common, ptt: true } };
    case 'document':
      return { documentMessage: { ...common, fileName: media.fileName ?? 'documento', caption: message.text } };
  }
}

function append<T>(log: T[], record: T): void {
  log.push(record);
  if (log.length > LOG_LIMIT) log.splice(0, log.length - LOG_LIMIT);
}

function pairingCode(): string {
  return Array.from({ length: 8 }, () => PAIRING_CODE_ALPHABET[randomInt(PAIRING_CODE_ALPHABET.length)]).join('');
}

/** Shaped like the QR data Baileys 7 emits: ref, noise key, identity key, adv secret, platform. */
function sandboxQr(session: OpenSession): string {
  const { noiseKey, signedIdentityKey, advSecretKey } = session.state.creds;
  const ref = `2@${randomBytes(24).toString('base64')}`;
  const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
  return `https://wa.me/settings/linked_devices#${[ref, base64(noiseKey.public), base64(signedIdentityKey.public), advSecretKey, '1'].join(',')}`;
}

/** Like the ids Baileys gives its messages: 3EB0 and 18 uppercase hex digits. */
function whatsAppMessageId(): string {
  return `3EB0${randomBytes(9).toString('hex').toUpperCase()}`;
}

function randomBrazilianMobile(): string {
  return `55119${String(randomInt(10_000_000, 100_000_000))}`;
}
