import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { get as httpGet, type IncomingMessage } from 'node:http';
import { get as httpsGet } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { InvalidMediaException, MediaTooLargeException } from '../whatsapp.exceptions.js';

const MAX_REDIRECTS = 3;

/**
 * Addresses a media URL must not reach: loopback, private networks, link-local
 * (cloud metadata at 169.254.169.254), carrier-grade NAT, multicast, reserved.
 * Sending "media" from http://localhost:5432 or the metadata service would make
 * the server fetch inside its own network for whoever holds an API key (SSRF).
 */
const NON_PUBLIC = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  NON_PUBLIC.addSubnet(network, prefix, 'ipv6');
}

export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  // An IPv4 address written as IPv6 (::ffff:127.0.0.1) is judged as the IPv4 address it is.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped !== null) return isPublicAddress(mapped[1]);
  return !NON_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export interface MediaFetchOptions {
  limitBytes: number;
  timeoutMs: number;
  /** Development and tests only: let URLs reach private and loopback addresses. */
  allowPrivateAddresses: boolean;
}

/**
 * Downloads media a send names by URL: http(s) only, at most three redirects,
 * bounded in size and time, and (unless allowed) never to a non-public address,
 * checked on the address actually connected to, so DNS answers that change
 * between check and connect (rebinding) and redirects into the network are refused too.
 */
export async function fetchMediaUrl(url: string, options: MediaFetchOptions): Promise<{ data: Buffer; mimetype: string | null }> {
  // One deadline for the whole download, redirects and body included (a slow trickle must not hold the request).
  const deadline = AbortSignal.timeout(options.timeoutMs);
  let current = parseHttpUrl(url);
  for (let redirects = 0; ; redirects += 1) {
    const response = await request(current, options, deadline);
    const location = response.headers.location;
    if (response.statusCode !== undefined && response.statusCode >= 300 && response.statusCode < 400 && location !== undefined) {
      response.resume();
      if (redirects >= MAX_REDIRECTS) throw new InvalidMediaException(`The media URL redirected more than ${MAX_REDIRECTS} times`);
      current = parseHttpUrl(new URL(location, current).toString());
      continue;
    }
    if (response.statusCode === undefined || response.statusCode < 200 || response.statusCode >= 300) {
      response.resume();
      throw new InvalidMediaException(`The media URL answered ${response.statusCode ?? 'nothing'}`);
    }
    try {
      return { data: await readBounded(response, options.limitBytes), mimetype: response.headers['content-type'] ?? null };
    } catch (error) {
      if (deadline.aborted) throw timedOut(options.timeoutMs);
      throw error;
    }
  }
}

function parseHttpUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidMediaException(`The media URL is not a valid URL: ${raw.slice(0, 200)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidMediaException(`The media URL must be http or https, not ${url.protocol.replace(':', '')}`);
  }
  return url;
}

function request(url: URL, options: MediaFetchOptions, deadline: AbortSignal): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // A literal IP is connected to without a lookup, so it is checked here.
  if (!options.allowPrivateAddresses && isIP(host) !== 0 && !isPublicAddress(host)) {
    return Promise.reject(privateAddress(host));
  }
  const lookup: LookupFunction = (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { ...lookupOptions, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const refused = options.allowPrivateAddresses ? undefined : addresses.find((entry) => !isPublicAddress(entry.address));
      if (refused !== undefined) return callback(privateAddress(`${hostname} (${refused.address})`), '', 0);
      if (lookupOptions.all) return (callback as unknown as (error: null, addresses: LookupAddress[]) => void)(null, addresses);
      return callback(null, addresses[0].address, addresses[0].family);
    });
  };
  return new Promise((resolve, reject) => {
    const get = url.protocol === 'https:' ? httpsGet : httpGet;
    const outgoing = get(url, { lookup, signal: deadline }, resolve);
    outgoing.on('error', (error) => {
      if (error instanceof InvalidMediaException) reject(error);
      else if (deadline.aborted) reject(timedOut(options.timeoutMs));
      else reject(new InvalidMediaException(`The media URL could not be fetched: ${error.message}`));
    });
  });
}

async function readBounded(response: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(response.headers['content-length'] ?? 0);
  if (declared > limit) {
    response.destroy();
    throw new MediaTooLargeException(declared, limit);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of response as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limit) {
      response.destroy();
      throw new MediaTooLargeException(total, limit);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function timedOut(timeoutMs: number): InvalidMediaException {
  return new InvalidMediaException(`The media URL did not deliver the file within ${timeoutMs} ms`);
}

function privateAddress(what: string): InvalidMediaException {
  return new InvalidMediaException(
    `The media URL points to a private or local address (${what}); use a public URL, or send the file as base64`,
  );
}
