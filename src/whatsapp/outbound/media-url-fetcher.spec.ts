import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchMediaUrl, isPublicAddress } from './media-url-fetcher.js';

describe('isPublicAddress', () => {
  it('refuses loopback, private, link-local, carrier NAT, unique-local and mapped addresses', () => {
    for (const address of ['127.0.0.1', '10.1.2.3', '172.20.0.5', '192.168.0.10', '169.254.169.254', '100.64.1.1', '0.0.0.0', '::1', '::', 'fd12::1', 'fe80::1', '::ffff:127.0.0.1', 'not-an-ip']) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });

  it('accepts public IPv4 and IPv6 addresses', () => {
    for (const address of ['8.8.8.8', '200.147.67.142', '2001:4860:4860::8888', '::ffff:8.8.8.8']) expect(isPublicAddress(address), address).toBe(true);
  });
});

describe('fetchMediaUrl against a local server', () => {
  let server: Server;
  let base: string;
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
  const allowed = { limitBytes: 1024, timeoutMs: 2000, allowPrivateAddresses: true };

  beforeAll(async () => {
    server = createServer((request, response) => {
      const hops = /^\/hop\/(\d+)$/.exec(request.url ?? '');
      if (hops !== null) {
        const left = Number(hops[1]);
        response.writeHead(302, { location: left === 0 ? '/rex.png' : `/hop/${left - 1}` }).end();
      } else if (request.url === '/rex.png') {
        response.writeHead(200, { 'content-type': 'image/png' }).end(png);
      } else if (request.url === '/big') {
        response.writeHead(200, { 'content-type': 'image/png' }).end(Buffer.alloc(4096));
      } else if (request.url === '/slow') {
        response.writeHead(200, { 'content-type': 'image/png' });
        response.write(Buffer.alloc(10)); // and never ends
      } else {
        response.writeHead(404).end();
      }
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });

  afterAll(() => {
    server.closeAllConnections();
    server.close();
  });

  it('refuses loopback by default, whether written as an IP or found through DNS', async () => {
    const options = { ...allowed, allowPrivateAddresses: false };
    await expect(fetchMediaUrl(`${base}/rex.png`, options)).rejects.toThrow('private or local address (127.0.0.1)');
    await expect(fetchMediaUrl(`${base.replace('127.0.0.1', 'localhost')}/rex.png`, options)).rejects.toThrow(/private or local address \(localhost \((127\.0\.0\.1|::1)\)\)/);
  });

  it('downloads with its type when allowed, following up to three redirects', async () => {
    expect(await fetchMediaUrl(`${base}/rex.png`, allowed)).toEqual({ data: png, mimetype: 'image/png' });
    expect((await fetchMediaUrl(`${base}/hop/2`, allowed)).data).toEqual(png);
    await expect(fetchMediaUrl(`${base}/hop/3`, allowed)).rejects.toThrow('redirected more than 3 times');
  });

  it('refuses other protocols, bodies over the limit, error statuses and slow senders', async () => {
    await expect(fetchMediaUrl('file:///etc/passwd', allowed)).rejects.toThrow('must be http or https, not file');
    await expect(fetchMediaUrl(`${base}/big`, allowed)).rejects.toMatchObject({ code: 'media_too_large' });
    await expect(fetchMediaUrl(`${base}/missing`, allowed)).rejects.toThrow('answered 404');
    await expect(fetchMediaUrl(`${base}/slow`, { ...allowed, timeoutMs: 300 })).rejects.toThrow('did not deliver the file within 300 ms');
  });
});
