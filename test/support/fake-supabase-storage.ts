import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake Supabase Storage for tests: a real HTTP server on localhost answering
 * the routes of Storage's REST API (`/storage/v1/...`) that @supabase/storage-js
 * calls for buckets and objects, with Storage's own error bodies (an HTTP 400
 * whose `statusCode` says 404 or 403, as Supabase's servers answer), so the real
 * client runs unchanged. Buckets and objects live in memory.
 */
export interface FakeSupabaseStorage {
  url: string;
  buckets: Map<string, { public: boolean }>;
  /** By `{bucket}/{path}`. */
  objects: Map<string, { body: Buffer; contentType: string | undefined }>;
  close(): Promise<void>;
}

export async function startFakeSupabaseStorage(serviceRoleKey: string, buckets: Record<string, { public: boolean }> = {}): Promise<FakeSupabaseStorage> {
  const state = { buckets: new Map(Object.entries(buckets)), objects: new Map<string, { body: Buffer; contentType: string | undefined }>() };
  const server = createServer((request, response) => {
    void handle(request, response).catch((error: Error) => storageError(response, '500', 'internal', error.message));
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = new URL(request.url ?? '/', 'http://fake').pathname;
    if (request.headers.authorization !== `Bearer ${serviceRoleKey}`) return storageError(response, '403', 'Unauthorized', 'invalid signature');
    const body = await readBody(request);
    const bucket = /^\/storage\/v1\/bucket\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && bucket !== null) {
      const found = state.buckets.get(bucket[1]);
      if (found === undefined) return storageError(response, '404', 'Bucket not found', 'Bucket not found');
      return json(response, 200, { id: bucket[1], name: bucket[1], public: found.public, created_at: new Date().toISOString() });
    }
    if (request.method === 'POST' && path === '/storage/v1/bucket') {
      const { id, public: isPublic } = JSON.parse(body.toString('utf8')) as { id: string; public: boolean };
      if (state.buckets.has(id)) return storageError(response, '409', 'Duplicate', 'The resource already exists');
      state.buckets.set(id, { public: isPublic === true });
      return json(response, 200, { name: id });
    }
    const object = /^\/storage\/v1\/object\/([^/]+)\/(.+)$/.exec(path);
    if (object !== null) {
      const [, bucketId, objectPath] = object;
      if (!state.buckets.has(bucketId)) return storageError(response, '404', 'Bucket not found', 'Bucket not found');
      const key = `${bucketId}/${decodeURIComponent(objectPath)}`;
      if (request.method === 'POST') {
        if (state.objects.has(key) && request.headers['x-upsert'] !== 'true') return storageError(response, '409', 'Duplicate', 'The resource already exists');
        state.objects.set(key, { body, contentType: request.headers['content-type'] });
        return json(response, 200, { Key: key, Id: randomUUID() });
      }
      if (request.method === 'GET') {
        const stored = state.objects.get(key);
        if (stored === undefined) return storageError(response, '404', 'not_found', 'Object not found');
        response.writeHead(200, { 'content-type': stored.contentType ?? 'application/octet-stream' });
        response.end(stored.body);
        return;
      }
    }
    storageError(response, '404', 'not_found', `no route ${request.method} ${path}`);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    ...state,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** Storage's error shape: HTTP 400 with the meaningful code in the body (500 stays 500). */
function storageError(response: ServerResponse, statusCode: string, error: string, message: string): void {
  json(response, statusCode === '500' ? 500 : 400, { statusCode, error, message });
}
