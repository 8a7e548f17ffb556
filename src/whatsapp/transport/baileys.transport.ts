import {
  type AnyMessageContent,
  type BaileysEventMap,
  Browsers,
  DisconnectReason,
  makeWASocket,
  proto,
  type SocketConfig,
  type WAMessage,
} from '@whiskeysockets/baileys';
import type { Logger } from 'pino';
import { brazilianMobileVariants } from '../../common/phone-number.js';
import { downloadMedia } from './media-download.js';
import { phoneDigits, phoneFromJid, userJid } from './phone-jid.js';
import {
  CloseCode,
  type ConnectRequest,
  type InboundWhatsAppMessage,
  type OutboundContent,
  type ReceiptStatus,
  senderOf,
  type TransportEvent,
  type WhatsAppConnection,
  type WhatsAppTransport,
} from './whatsapp-transport.js';

export { DisconnectReason } from '@whiskeysockets/baileys';

/** Socket settings a deployment or a test may change; everything else is fixed by the adapter. */
export type BaileysSocketOverrides = Partial<
  Pick<
    SocketConfig,
    | 'waWebSocketUrl'
    | 'connectTimeoutMs'
    | 'keepAliveIntervalMs'
    | 'defaultQueryTimeoutMs'
    | 'qrTimeout'
    | 'version'
    | 'browser'
    | 'agent'
    | 'fetchAgent'
  >
>;

/** How the linked device shows up in the phone's "Linked devices" list. */
const BROWSER = Browsers.ubuntu('Oxy');

const MessageStatus = proto.WebMessageInfo.Status;
const RECEIPT_STATUS: ReadonlyMap<number, ReceiptStatus> = new Map([
  [MessageStatus.SERVER_ACK, 'sent'],
  [MessageStatus.DELIVERY_ACK, 'delivered'],
  [MessageStatus.READ, 'read'],
  [MessageStatus.PLAYED, 'read'],
  [MessageStatus.ERROR, 'failed'],
]);

/**
 * Names whose number differs between our CloseCode and Baileys' DisconnectReason
 * (or that only one of them has). Empty when the connection policy and Baileys agree.
 */
export function closeCodeMismatches(): string[] {
  const ours = new Map<string, number>(Object.entries(CloseCode));
  // A numeric enum also maps numbers back to names; only the name -> number half counts.
  const theirs = new Map(
    Object.entries(DisconnectReason).filter((entry): entry is [string, number] => typeof entry[1] === 'number'),
  );
  const names = new Set([...ours.keys(), ...theirs.keys()]);
  return [...names]
    .filter((name) => ours.get(name) !== theirs.get(name))
    .map((name) => `${name}: ours ${ours.get(name) ?? 'missing'}, Baileys ${theirs.get(name) ?? 'missing'}`);
}

export function assertCloseCodesMatchBaileys(): void {
  const mismatches = closeCodeMismatches();
  if (mismatches.length > 0) {
    throw new Error(`CloseCode no longer matches Baileys' DisconnectReason: ${mismatches.join('; ')}`);
  }
}

/** The real network: one Baileys socket per connect. */
export class BaileysTransport implements WhatsAppTransport {
  readonly provider = 'baileys';

  constructor(
    private readonly logger: Logger,
    private readonly socketOverrides: BaileysSocketOverrides = {},
  ) {
    // The reconnect policy classifies closes with CloseCode; a Baileys upgrade that renumbers them must fail at boot.
    assertCloseCodesMatchBaileys();
  }

  async connect({ ref, session, listener, sentText }: ConnectRequest): Promise<WhatsAppConnection> {
    const logger = this.logger.child({ instanceId: ref.instanceId });
    const socket = makeWASocket({
      ...this.socketOverrides,
      browser: this.socketOverrides.browser ?? BROWSER,
      auth: { creds: session.state.creds, keys: session.state.keys },
      logger: baileysLogger(this.logger, { instanceId: ref.instanceId, component: 'baileys' }),
      printQRInTerminal: false,
      markOnlineOnConnect: false,
      syncFullHistory: false,
      // Without it, a message a recipient's phone could not decrypt stays "Waiting for this message" there:
      // Baileys answers their retry request with what this returns.
      getMessage: async (key) => {
        const text = key.id ? await sentText(key.id).catch(() => null) : null;
        return text === null ? undefined : { conversation: text };
      },
    });

    let detached = false;
    let ended = false;
    const emit = (event: TransportEvent) => {
      if (detached) return;
      try {
        // Baileys acknowledges on its own: a listener's late failure is only logged.
        void Promise.resolve(listener(event)).catch((error: unknown) =>
          logger.error({ err: error, event: event.type }, 'whatsapp transport listener failed'),
        );
      } catch (error) {
        logger.error({ err: error, event: event.type }, 'whatsapp transport listener failed');
      }
    };

    const onConnectionUpdate = (update: BaileysEventMap['connection.update']) => {
      if (update.qr) emit({ type: 'qr', qr: update.qr });
      if (update.connection === 'open') {
        emit({ type: 'open', phoneNumber: phoneFromJid(socket.user?.id) });
      } else if (update.connection === 'close') {
        ended = true;
        const error = update.lastDisconnect?.error;
        emit({ type: 'close', statusCode: statusCodeOf(error), message: error?.message ?? 'connection closed' });
        detach();
      }
    };
    const onCredsUpdate = () => emit({ type: 'creds-update' });
    // Both kinds go on. 'append' is above all what customers sent while this socket was offline (a restart, a deploy,
    // a reconnect): WhatsApp delivers it when we come back and Baileys has already acknowledged it, so dropping it
    // would lose it for good. It also brings missed calls, our own sends echoed back, newsletter posts and stubs rebuilt
    // from notifications, which intake's normaliser skips as it does when they come as 'notify'. History sync comes
    // on messaging-history.set, which is not listened to.
    //
    // A sender WhatsApp addresses by LID usually comes with its phone as the key's alternative; when it does not
    // (a chat older than this socket's session, an alternative WhatsApp left out), the phone is looked up in the
    // LID -> phone mappings Baileys keeps in the session, else intake could not tell who wrote and would skip it.
    // Lookups are local (a cache, then the session's key store) but asynchronous: a batch that waits for one holds
    // the batches after it, so messages still reach intake in the order WhatsApp delivered them.
    let lookups: Promise<void> | null = null;
    const onMessagesUpsert = ({ messages }: BaileysEventMap['messages.upsert']) => {
      if (messages.length === 0) return;
      const inbound = messages.map(toInboundMessage);
      const unresolved = inbound.filter(lacksSenderPhone);
      if (unresolved.length === 0 && lookups === null) {
        emit({ type: 'messages', messages: inbound });
        return;
      }
      // Never rejects: a failed lookup leaves those senders unresolved, and the batch and the ones after it go on.
      const current = (lookups ?? Promise.resolve()).then(async () => {
        await resolveLidSenders(unresolved).catch((error: unknown) =>
          logger.warn({ err: error, messages: unresolved.length }, 'whatsapp LID lookup failed: those senders stay unresolved'),
        );
        emit({ type: 'messages', messages: inbound });
      });
      lookups = current;
      void current.finally(() => {
        if (lookups === current) lookups = null;
      });
    };
    const resolveLidSenders = async (unresolved: InboundWhatsAppMessage[]) => {
      if (unresolved.length === 0) return;
      const pairs = await socket.signalRepository.lidMapping.getPNsForLIDs(unresolved.map((message) => senderOf(message).jid!));
      const phoneOf = new Map((pairs ?? []).map(({ lid, pn }) => [lid, pn]));
      for (const message of unresolved) {
        const { group, jid } = senderOf(message);
        const pn = phoneOf.get(jid!);
        if (pn === undefined) continue;
        if (group) message.key.participantAlt = pn;
        else message.key.remoteJidAlt = pn;
      }
    };
    const onMessagesUpdate = (updates: BaileysEventMap['messages.update']) => {
      const receipts = updates.flatMap(({ key, update }) => {
        const status = update.status == null ? undefined : RECEIPT_STATUS.get(update.status);
        // Receipts are about what we sent; status changes of received messages are not.
        if (!status || !key.id || key.fromMe === false) return [];
        return [{ messageId: key.id, status }];
      });
      if (receipts.length > 0) emit({ type: 'receipts', updates: receipts });
    };

    socket.ev.on('connection.update', onConnectionUpdate);
    socket.ev.on('creds.update', onCredsUpdate);
    socket.ev.on('messages.upsert', onMessagesUpsert);
    socket.ev.on('messages.update', onMessagesUpdate);
    function detach() {
      if (detached) return;
      detached = true;
      socket.ev.off('connection.update', onConnectionUpdate);
      socket.ev.off('creds.update', onCredsUpdate);
      socket.ev.off('messages.upsert', onMessagesUpsert);
      socket.ev.off('messages.update', onMessagesUpdate);
    }

    const assertUsable = () => {
      if (ended) throw new Error(`whatsapp connection of instance ${ref.instanceId} is closed`);
    };
    const end = async () => {
      detach();
      ended = true;
      await socket.end(undefined);
    };

    // Which spelling of a Brazilian mobile (with or without the ninth digit) has WhatsApp, asked once per number.
    const resolvedJids = new Map<string, string>();
    const recipientJid = async (to: string): Promise<string> => {
      const variants = brazilianMobileVariants(phoneDigits(to));
      if (variants.length === 1) return userJid(variants[0]);
      const cached = resolvedJids.get(variants[0]);
      if (cached !== undefined) return cached;
      const found = await socket.onWhatsApp(...variants).catch(() => undefined);
      const existing = found?.find((entry) => entry.exists)?.jid ?? userJid(variants[0]);
      resolvedJids.set(variants[0], existing);
      return existing;
    };

    return {
      requestPairingCode: async (phoneNumber) => {
        assertUsable();
        return socket.requestPairingCode(phoneDigits(phoneNumber));
      },
      send: async (to, content, options) => {
        assertUsable();
        const sent = await socket.sendMessage(await recipientJid(to), toBaileysContent(content), { messageId: options?.messageId });
        const messageId = sent?.key.id;
        if (!messageId) throw new Error('WhatsApp accepted the message without returning its id');
        return { messageId };
      },
      sendPresence: async (to, presence) => {
        assertUsable();
        await socket.sendPresenceUpdate(presence, await recipientJid(to));
      },
      downloadMedia: async (message, limits) => {
        assertUsable();
        // reuploadRequest: the sender's phone uploads again a file whose CDN copy has expired.
        return downloadMedia(message as WAMessage, limits, socket.updateMediaMessage);
      },
      logout: async () => {
        assertUsable();
        try {
          // Tells WhatsApp to unlink the device, then Baileys ends the socket with 401 (a close event follows).
          await socket.logout();
        } catch (error) {
          await end();
          throw error;
        }
      },
      close: end,
    };
  }
}

/** Baileys is chatty at info (and logs handshake payloads there): warn, or quieter when the app logger is. */
function baileysLogger(parent: Logger, bindings: Record<string, string>): Logger {
  const level = parent.levelVal > parent.levels.values.warn ? parent.level : 'warn';
  return parent.child(bindings, { level });
}

function statusCodeOf(error: unknown): number | null {
  const statusCode = (error as { output?: { statusCode?: unknown } } | undefined)?.output?.statusCode;
  return typeof statusCode === 'number' ? statusCode : null;
}

function toInboundMessage(message: WAMessage): InboundWhatsAppMessage {
  // Passed through whole (key.remoteJidAlt and friends matter for LID senders); only Long timestamps become numbers.
  const timestamp = message.messageTimestamp;
  return {
    ...message,
    message: message.message as Record<string, unknown> | null | undefined,
    messageTimestamp: typeof timestamp === 'object' && timestamp !== null ? timestamp.toNumber() : timestamp,
  };
}

/** Someone else's message whose sender is a LID with no phone JID beside it. */
function lacksSenderPhone(message: InboundWhatsAppMessage): boolean {
  const sender = senderOf(message);
  return message.key.fromMe !== true && sender.jid?.endsWith('@lid') === true && phoneFromJid(sender.alt) === null;
}

function toBaileysContent(content: OutboundContent): AnyMessageContent {
  switch (content.kind) {
    case 'text':
      return { text: content.text };
    case 'image':
      return { image: content.data, mimetype: content.mimetype, caption: content.caption };
    case 'audio':
      return { audio: content.data, mimetype: content.mimetype, ptt: content.ptt };
  }
}
