import { normalizePhoneNumber } from '../common/phone-number.js';
import type { MessageType } from '../database/schema.js';
import { phoneFromJid } from '../whatsapp/transport/phone-jid.js';
import { type InboundWhatsAppMessage, senderOf } from '../whatsapp/transport/whatsapp-transport.js';

/** A customer's message as the pipeline stores it, whatever WhatsApp wrapped it in. */
export interface NormalizedInbound {
  waMessageId: string;
  /**
   * The sender, E.164 with the leading +, as every phone is kept: a Brazilian
   * mobile with its ninth digit even when the account writes from the
   * eight-digit number (its chat JID keeps the spelling WhatsApp uses).
   */
  phone: string;
  /** The sender's LID (`...@lid`) when WhatsApp addressed the chat by it. */
  lid: string | null;
  /** The chat's JID, as WhatsApp addressed it (what a reply goes to). */
  chatJid: string;
  /** Sent in a group: stored, never answered. */
  group: boolean;
  pushName: string | null;
  type: MessageType;
  /** Text, caption, or a description (a location's coordinates, a contact card's name and phones); null when there is none. */
  text: string | null;
  /**
   * Set for image, audio and document: the bytes are fetched through the socket.
   * `declaredBytes` is the size the message states (null when it states none):
   * enough to refuse a huge file without fetching it.
   */
  media: { mimetype: string; fileName: string | null; declaredBytes: number | null } | null;
  sentAt: Date | null;
}

export type NormalizeResult = { kind: 'message'; message: NormalizedInbound } | { kind: 'skip'; reason: SkipReason };

export type SkipReason =
  | 'own-message'
  | 'no-id'
  | 'status-broadcast'
  | 'broadcast-or-newsletter'
  | 'group'
  | 'unresolved-sender'
  | 'protocol'
  | 'reaction'
  | 'album';

/** Envelopes WhatsApp wraps real content in (disappearing, view-once, captioned documents, edits). */
const WRAPPERS = [
  'ephemeralMessage',
  'viewOnceMessage',
  'viewOnceMessageV2',
  'viewOnceMessageV2Extension',
  'documentWithCaptionMessage',
  'editedMessage',
] as const;

const MAX_UNWRAP_DEPTH = 5;

/**
 * Turns a Baileys WAMessage into what the pipeline stores, or says why it is
 * not a customer's message to answer. Pure: the unit spec covers the shapes.
 */
export function normalizeInbound(raw: InboundWhatsAppMessage, options: { ignoreGroups: boolean }): NormalizeResult {
  const { key } = raw;
  if (key.fromMe === true) return skip('own-message');
  if (!key.id) return skip('no-id');
  const chatJid = key.remoteJid ?? '';
  if (chatJid === 'status@broadcast') return skip('status-broadcast');
  if (chatJid.endsWith('@broadcast') || chatJid.endsWith('@newsletter')) return skip('broadcast-or-newsletter');
  const { group, jid: senderJid, alt: senderAlt } = senderOf(raw);
  if (group && options.ignoreGroups) return skip('group');

  const phoneDigits = phoneFromJid(senderJid) ?? phoneFromJid(senderAlt);
  const phone = phoneDigits === null ? null : normalizePhoneNumber(`+${phoneDigits}`);
  if (phone === null) return skip('unresolved-sender');
  const lid = [senderJid, senderAlt].find((jid) => jid?.endsWith('@lid')) ?? null;

  const unwrapped = unwrap(raw.message ?? null);
  // An edit arrives as a protocol message (in an editedMessage envelope) that carries the new content: the
  // customer correcting "sábado" to "domingo" is something to answer, not a protocol detail to drop.
  const edited = editedContentOf(unwrapped);
  const content = edited ?? unwrapped;
  // No content: a stub (a missed call, a group change rebuilt from a notification) or what could not be decrypted.
  if (content === null) return skip('protocol');
  // Fields are tested by value, never with `in`: a message Baileys decoded is a protobufjs object whose every unset
  // field is a null on its prototype, so `'protocolMessage' in content` holds for every message.
  // Protocol messages (revokes, settings) and bare key distributions carry nothing the customer said.
  const fields = Object.keys(content).filter((name) => content[name] != null);
  if (isObject(content.protocolMessage) || (isObject(content.senderKeyDistributionMessage) && fields.length === 1)) {
    return skip('protocol');
  }
  if (isObject(content.reactionMessage)) return skip('reaction');
  // The header WhatsApp sends before an album's photos and videos: each of them follows as its own message.
  if (isObject(content.albumMessage)) return skip('album');

  return {
    kind: 'message',
    message: {
      waMessageId: key.id,
      phone,
      lid,
      chatJid,
      group,
      pushName: storable(raw.pushName ?? '').trim() || null,
      ...markedAsEdit(describe(content), edited !== null),
      sentAt: timestampOf(raw.messageTimestamp),
    },
  };
}

/**
 * Text as PostgreSQL can store it: without NUL characters, which a sender can
 * put in a WhatsApp message but a text column refuses (the message would fail
 * to store and be lost). They carry nothing a reader would see.
 */
function storable(value: string): string {
  return value.replaceAll('\u0000', '');
}

function skip(reason: SkipReason): NormalizeResult {
  return { kind: 'skip', reason };
}

type Content = Record<string, unknown>;

function unwrap(message: Content | null): Content | null {
  let content = message;
  for (let depth = 0; content !== null && depth < MAX_UNWRAP_DEPTH; depth += 1) {
    const wrapper = WRAPPERS.find((name) => isObject(content![name]));
    if (wrapper === undefined) break;
    const inner = (content[wrapper] as Content).message;
    content = isObject(inner) ? inner : null;
  }
  return content;
}

/** MESSAGE_EDIT's number in WhatsApp's ProtocolMessage.Type; the spool's JSON round trip turns it into its name. */
const MESSAGE_EDIT = [14, 'MESSAGE_EDIT'];

function editedContentOf(content: Content | null): Content | null {
  const protocol = content?.protocolMessage;
  if (!isObject(protocol) || !MESSAGE_EDIT.includes(protocol.type as number | string) || !isObject(protocol.editedMessage)) return null;
  return unwrap(protocol.editedMessage);
}

/** The stored text says it replaces an earlier message, for staff and the agent reading the history. */
function markedAsEdit<T extends { text: string | null }>(described: T, edited: boolean): T {
  return edited && described.text !== null ? { ...described, text: `[mensagem editada] ${described.text}` } : described;
}

function describe(content: Content): Pick<NormalizedInbound, 'type' | 'text' | 'media'> {
  const text = (value: unknown) => {
    if (typeof value !== 'string') return null;
    const stored = storable(value);
    return stored.trim() !== '' ? stored : null;
  };
  const field = (name: string): Content | null => (isObject(content[name]) ? (content[name] as Content) : null);
  const mediaOf = (part: Content, fallback: string) => ({
    mimetype: text(part.mimetype) ?? fallback,
    fileName: text(part.fileName),
    declaredBytes: byteCount(part.fileLength),
  });

  if (typeof content.conversation === 'string') return { type: 'text', text: text(content.conversation), media: null };
  const extended = field('extendedTextMessage');
  if (extended !== null) return { type: 'text', text: text(extended.text), media: null };
  const image = field('imageMessage');
  if (image !== null) return { type: 'image', text: text(image.caption), media: mediaOf(image, 'image/jpeg') };
  const audio = field('audioMessage');
  if (audio !== null) return { type: 'audio', text: null, media: mediaOf(audio, 'audio/ogg; codecs=opus') };
  const document = field('documentMessage');
  if (document !== null) {
    return { type: 'document', text: text(document.caption), media: mediaOf(document, 'application/octet-stream') };
  }
  const location = field('locationMessage') ?? field('liveLocationMessage');
  if (location !== null) {
    const place = [text(location.name), text(location.address)].filter((part) => part !== null).join(', ');
    const coordinates = `${String(location.degreesLatitude)},${String(location.degreesLongitude)}`;
    return { type: 'location', text: place === '' ? coordinates : `${place} (${coordinates})`, media: null };
  }
  // Taps on buttons and list rows arrive as their own message kinds; the chosen text is what the customer said.
  const choice =
    text(field('buttonsResponseMessage')?.selectedDisplayText) ??
    text((field('listResponseMessage')?.singleSelectReply as Content | undefined)?.selectedRowId) ??
    text(field('listResponseMessage')?.title) ??
    text(field('templateButtonReplyMessage')?.selectedDisplayText);
  if (choice !== null) return { type: 'text', text: choice, media: null };
  // A video note (ptvMessage, the round one) is a video without a caption.
  const video = field('videoMessage') ?? field('ptvMessage');
  if (video !== null) return { type: 'video', text: text(video.caption), media: mediaOf(video, 'video/mp4') };
  const sticker = field('stickerMessage');
  if (sticker !== null) return { type: 'sticker', text: null, media: mediaOf(sticker, 'image/webp') };
  // A shared contact card: its name and phones are what the customer meant to pass on (the vet's, a relative's).
  const cards = [field('contactMessage'), ...(Array.isArray(field('contactsArrayMessage')?.contacts) ? (field('contactsArrayMessage')!.contacts as unknown[]) : [])];
  const described = cards.filter(isObject).map(describeContactCard).filter((card) => card !== null);
  if (described.length > 0) return { type: 'contact', text: text(described.join('; ')), media: null };
  return { type: 'other', text: null, media: null };
}

/** "Name: phone, phone" from a contact card's display name and the TEL lines of its vCard. */
function describeContactCard(card: Content): string | null {
  const vcard = typeof card.vcard === 'string' ? card.vcard : '';
  const phones = vcard
    .split(/\r?\n/)
    .filter((line) => /^(item\d+\.)?TEL[;:]/i.test(line))
    .map((line) => line.slice(line.indexOf(':') + 1).trim())
    .filter((phone) => phone !== '');
  const name = typeof card.displayName === 'string' ? card.displayName.trim() : '';
  const description = [name, phones.join(', ')].filter((part) => part !== '').join(': ');
  return description === '' ? null : description;
}

/**
 * A uint64 as Baileys hands it over: a number, a protobufjs Long (live), or a
 * string or a plain {low, high} (after the spool's JSON round trip).
 */
function byteCount(value: unknown): number | null {
  let count: number | null = null;
  if (typeof value === 'number') count = value;
  else if (typeof value === 'string' && /^\d+$/.test(value)) count = Number(value);
  else if (isObject(value) && typeof value.low === 'number' && typeof value.high === 'number') {
    count = (value.high >>> 0) * 2 ** 32 + (value.low >>> 0);
  }
  return count !== null && Number.isSafeInteger(count) && count >= 0 ? count : null;
}

function timestampOf(value: InboundWhatsAppMessage['messageTimestamp']): Date | null {
  const seconds = typeof value === 'string' ? Number(value) : value;
  return typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? new Date(seconds * 1000) : null;
}

function isObject(value: unknown): value is Content {
  return typeof value === 'object' && value !== null;
}
