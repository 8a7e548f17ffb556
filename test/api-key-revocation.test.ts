import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { request, startTestApp, type TestApp } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { waitFor } from './support/processes.js';

const ADMIN_KEY = 'admin-key-for-revocation-tests-012345';

describe('revoking an API key across processes', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('is refused by another process at once, not after its cache of verified keys expires', async () => {
    const database: TestDatabase = await createTestDatabase('revocation');
    cleanups.push(() => database.drop());
    const shared = { DATABASE_URL: database.url, ADMIN_API_KEY: ADMIN_KEY, REDIS_PREFIX: `test:revocation:${randomBytes(4).toString('hex')}` };
    const first: TestApp = await startTestApp(shared);
    cleanups.push(() => first.close());
    const second: TestApp = await startTestApp(shared);
    cleanups.push(() => second.close());

    const organization = await request(first.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Revogação' } });
    const owner = organization.body.apiKey.key as string;
    const extra = await request(first.baseUrl, 'POST', '/api/api-keys', { token: owner, body: { name: 'caixa' } });
    const doomed = extra.body.key as string;
    // The second process verifies the key, and caches that it is good.
    expect((await request(second.baseUrl, 'GET', '/api/organizations/me', { token: doomed })).status).toBe(200);

    const revokedAt = Date.now();
    expect((await request(first.baseUrl, 'DELETE', `/api/api-keys/${extra.body.id}`, { token: owner })).status).toBe(200);
    await waitFor(async () => (await request(second.baseUrl, 'GET', '/api/organizations/me', { token: doomed })).status === 401, 4000);
    // Well inside the cache's 5 s: the announcement, not the expiry, did it.
    expect(Date.now() - revokedAt).toBeLessThan(2000);
    expect((await request(second.baseUrl, 'GET', '/api/organizations/me', { token: owner })).status).toBe(200);
  });
});
