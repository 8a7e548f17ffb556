import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import {
  DEF_MEDIA_HOST,
  DEFAULT_ORIGIN,
  extractMessageContent,
  getContentType,
  getMediaKeys,
  getUrlFromDirectPath,
  type MediaType,
  type WAMessage,
} from '@whiskeysockets/baileys';
import { type MediaDownloadLimits, MediaTooLargeError } from './whatsapp-transport.js';

/** WhatsApp appends the first 10 bytes of HMAC-SHA256(macKey, iv || ciphertext) to an encrypted media file. */
const MAC_LENGTH = 10;
/** AES-CBC pads the plaintext up to one more block. */
const AES_BLOCK = 16;
/** The CDN answers these when its copy expired: the sender's phone can upload it again (Baileys' reupload request). */
const EXPIRED_STATUSES = new Set([404, 410]);

interface MediaFields {
  url?: string | null;
  directPath?: string | null;
  mediaKey?: Uint8Array | string | null;
}

/**
 * Downloads and decrypts the media of a received message, where Baileys' downloadMediaMessage would, for what that
 * one does not give: a deadline that ends the request (its fetch takes no signal), a size limit checked as the bytes
 * arrive, and a connection that fails cleanly (its response stream is piped on with no error listener, so a CDN
 * dropping the connection mid-file was an uncaught exception that stopped the process). The file's MAC, which Baileys
 * leaves unchecked, is checked too.
 */
export async function downloadMedia(
  message: WAMessage,
  { maxBytes, timeoutMs }: MediaDownloadLimits,
  reupload: (message: WAMessage) => Promise<WAMessage>,
): Promise<Buffer> {
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(timeoutMs)]);
  try {
    const first = await request(message, signal);
    // An expired copy is asked of the sender's phone once, within the same deadline.
    const response = EXPIRED_STATUSES.has(first.response.status) ? await request(await reupload(message), signal) : first;
    if (!response.response.ok || response.response.body === null) {
      throw new Error(`WhatsApp's media server answered ${response.response.status}`);
    }
    return await decrypt(response.response.body, response.keys, maxBytes);
  } catch (error) {
    if (signal.aborted && signal.reason instanceof DOMException && signal.reason.name === 'TimeoutError') {
      throw new Error(`the media did not arrive within ${timeoutMs} ms`);
    }
    throw error;
  } finally {
    // Whatever ended the download (the limit, a bad MAC, the deadline), the connection is let go.
    stop.abort();
  }
}

async function request(message: WAMessage, signal: AbortSignal) {
  const content = extractMessageContent(message.message);
  const contentType = content === undefined ? undefined : getContentType(content);
  const media = (contentType === undefined ? undefined : content?.[contentType]) as MediaFields | undefined;
  if (contentType === undefined || media?.mediaKey == null || (media.url == null && media.directPath == null)) {
    throw new Error('the message has no media to download');
  }
  const url = media.directPath == null ? media.url! : getUrlFromDirectPath(media.directPath, hostOf(media.url) ?? DEF_MEDIA_HOST);
  const keys = await getMediaKeys(media.mediaKey, contentType.replace('Message', '') as MediaType);
  const response = await fetch(url, { headers: { Origin: DEFAULT_ORIGIN }, signal });
  return { response, keys };
}

function hostOf(url: string | null | undefined): string | undefined {
  try {
    return url == null ? undefined : new URL(url).host;
  } catch {
    return undefined;
  }
}

/** Decrypts as the bytes come, holding back the trailing MAC; MediaTooLargeError as soon as the file is too big. */
async function decrypt(body: ReadableStream<Uint8Array>, keys: { iv: Uint8Array; cipherKey: Uint8Array; macKey?: Uint8Array }, maxBytes: number): Promise<Buffer> {
  const decipher = createDecipheriv('aes-256-cbc', keys.cipherKey, keys.iv);
  if (keys.macKey === undefined) throw new Error('the media key gave no MAC key');
  const mac = createHmac('sha256', keys.macKey).update(keys.iv);
  const plain: Buffer[] = [];
  let tail = Buffer.alloc(0);
  let received = 0;
  for await (const chunk of body) {
    received += chunk.length;
    // The plaintext is at most the ciphertext: past this, it is over the limit whatever the padding.
    if (received > maxBytes + AES_BLOCK + MAC_LENGTH) throw new MediaTooLargeError(maxBytes);
    const pending = Buffer.concat([tail, chunk]);
    const ciphertext = pending.subarray(0, Math.max(0, pending.length - MAC_LENGTH));
    tail = pending.subarray(ciphertext.length);
    mac.update(ciphertext);
    plain.push(decipher.update(ciphertext));
  }
  if (tail.length !== MAC_LENGTH || !timingSafeEqual(tail, mac.digest().subarray(0, MAC_LENGTH))) {
    throw new Error("the media's MAC does not match: the file is damaged or not the one the message names");
  }
  plain.push(decipher.final());
  const data = Buffer.concat(plain);
  if (data.length > maxBytes) throw new MediaTooLargeError(maxBytes);
  return data;
}
