import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_NAMES } from '../src/queue/queues.js';
import { SandboxTransport } from '../src/whatsapp/transport/sandbox.transport.js';
import { request, startTestApp, type TestApp } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { waitFor } from './support/processes.js';
import { createChattingShop, type TestShop } from './support/shop.js';

const ADMIN_KEY = 'admin-key-for-operations-tests-0123456789';
const METRICS_TOKEN = 'metrics-token-for-tests-0123';

/** The value of one series in Prometheus text, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('operations: /metrics and the queue dashboard', () => {
  let testDatabase: TestDatabase;
  let server: TestApp;
  let shop: TestShop;

  const scrape = async () => {
    const response = await fetch(`${server.baseUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    return response.text();
  };

  beforeAll(async () => {
    testDatabase = await createTestDatabase('operations');
    server = await startTestApp({
      DATABASE_URL: testDatabase.url,
      ADMIN_API_KEY: ADMIN_KEY,
      METRICS_TOKEN,
      OUTBOUND_MIN_GAP_MS: '0',
      OUTBOUND_JITTER_MS: '0',
    });
    shop = await createChattingShop(server.baseUrl, ADMIN_KEY);
  }, 60_000);

  afterAll(async () => {
    await server?.close();
    await testDatabase?.drop();
  });

  describe('/metrics', () => {
    it('refuses a scrape without the metrics token, with a wrong one, or with an organization key', async () => {
      const missing = await request(server.baseUrl, 'GET', '/metrics');
      expect(missing.status).toBe(401);
      expect(missing.body).toMatchObject({ code: 'unauthenticated', message: expect.stringContaining('METRICS_TOKEN') });
      const wrong = await request(server.baseUrl, 'GET', '/metrics', { token: 'not-the-metrics-token-at-all' });
      expect(wrong.status).toBe(401);
      expect(wrong.body).toMatchObject({ code: 'unauthenticated', message: 'Invalid metrics token' });
      const organizationKey = await request(server.baseUrl, 'GET', '/metrics', { token: shop.key });
      expect(organizationKey.status).toBe(401);
    });

    it('shows HTTP latency by route template, never by raw path', async () => {
      await request(server.baseUrl, 'GET', `/api/whatsapp/instances/${shop.instanceId}/status`, { token: shop.key });
      await request(server.baseUrl, 'GET', '/no/such/path/12345');
      const text = await scrape();
      const series = 'oxy_http_request_duration_seconds_count{method="GET",route="/api/whatsapp/instances/:id/status",status_code="200"}';
      expect(sample(text, series)).toBeGreaterThanOrEqual(1);
      expect(sample(text, 'oxy_http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}')).toBe(1);
      expect(text).not.toContain(shop.instanceId);
      expect(text).not.toContain('12345');
    });

    it('shows the depth of every queue and the instances by status', async () => {
      const text = await scrape();
      for (const queue of QUEUE_NAMES) {
        for (const state of ['waiting', 'active', 'delayed', 'failed']) {
          expect(sample(text, `oxy_queue_jobs{queue="${queue}",state="${state}"}`), `${queue} ${state}`).toBeGreaterThanOrEqual(0);
        }
      }
      expect(sample(text, 'oxy_whatsapp_instances{status="connected"}')).toBe(1);
      expect(sample(text, 'oxy_whatsapp_instances{status="failed"}')).toBe(0);
      expect(sample(text, 'oxy_metrics_collector_up{collector="queues"}')).toBe(1);
      expect(sample(text, 'oxy_metrics_collector_up{collector="instances"}')).toBe(1);
      expect(sample(text, 'oxy_process_resident_memory_bytes')).toBeGreaterThan(0);
    });

    it('counts a customer message in, the reply out, and the jobs that carried them', async () => {
      const sandbox = server.app.get(SandboxTransport);
      const phone = '5511970001234';
      const written = await request(server.baseUrl, 'POST', `/api/sandbox/instances/${shop.instanceId}/inbound`, {
        token: shop.key,
        body: { from: phone, text: 'oi', pushName: 'Cliente' },
      });
      expect(written.status).toBe(200);
      await waitFor(() => sandbox.outbound(shop.instanceId).some((message) => message.to === phone), 15_000);

      const labels = `organization_id="${shop.organizationId}",instance_id="${shop.instanceId}"`;
      const expected = {
        [`oxy_messages_total{direction="in",${labels}}`]: 1,
        [`oxy_messages_total{direction="out",${labels}}`]: 1,
        'oxy_queue_job_duration_seconds_count{queue="inbound",job="turn",outcome="completed"}': 1,
        'oxy_queue_job_duration_seconds_count{queue="outbound",job="send",outcome="completed"}': 1,
      };
      let seen: Record<string, number | undefined> = {};
      // The workers' completed events trail the send by a moment.
      await waitFor(async () => {
        const text = await scrape();
        seen = Object.fromEntries(Object.keys(expected).map((series) => [series, sample(text, series)]));
        return Object.values(seen).every((value) => value !== undefined && value >= 1);
      }, 5_000).catch(() => undefined);
      expect(seen).toEqual(expected);
    });

    it('counts a reconnect by its close reason', async () => {
      const dropped = await request(server.baseUrl, 'POST', `/api/sandbox/instances/${shop.instanceId}/disconnect`, {
        token: shop.key,
        body: { statusCode: 428 },
      });
      expect(dropped.status).toBeLessThan(300);
      await waitFor(async () => (sample(await scrape(), 'oxy_whatsapp_reconnects_total{reason="connection_closed"}') ?? 0) === 1, 5_000);
    });
  });

  it('documents /metrics in the OpenAPI document as plain text; the dashboard, an HTML app, is left out', async () => {
    const docs = await request(server.baseUrl, 'GET', '/docs-json');
    expect(Object.keys(docs.body.paths['/metrics'].get.responses['200'].content)).toEqual(['text/plain']);
    expect(Object.keys(docs.body.paths['/metrics'].get.responses['401'].content)).toEqual(['application/json']);
    expect(Object.keys(docs.body.paths).filter((path) => path.startsWith('/admin'))).toEqual([]);
  });

  describe('/admin/queues', () => {
    it('refuses the dashboard without the admin key or with an organization key, asking the browser to sign in', async () => {
      const missing = await request(server.baseUrl, 'GET', '/admin/queues');
      expect(missing.status).toBe(401);
      expect(missing.headers.get('www-authenticate')).toContain('Basic');
      expect(missing.body).toMatchObject({ code: 'unauthenticated', message: expect.stringContaining('ADMIN_API_KEY') });
      const api = await request(server.baseUrl, 'GET', '/admin/queues/api/queues', { token: shop.key });
      expect(api.status).toBe(401);
      expect(api.body).toMatchObject({ code: 'unauthenticated', message: 'Invalid admin API key' });
    });

    it('serves the page and lists every queue with the admin key, as bearer token or browser sign-in', async () => {
      const page = await fetch(`${server.baseUrl}/admin/queues`, { headers: { authorization: `Bearer ${ADMIN_KEY}` } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<html');
      const basic = `Basic ${Buffer.from(`admin:${ADMIN_KEY}`).toString('base64')}`;
      const listed = await request(server.baseUrl, 'GET', '/admin/queues/api/queues', { headers: { authorization: basic } });
      expect(listed.status).toBe(200);
      const names = (listed.body.queues as { name: string }[]).map((queue) => queue.name).sort();
      expect(names).toEqual([...QUEUE_NAMES].sort());
    });
  });

  describe('a deployment without METRICS_TOKEN and ADMIN_API_KEY', () => {
    let bare: TestApp;
    beforeAll(async () => {
      bare = await startTestApp({ DATABASE_URL: testDatabase.url, APP_ROLE: 'api' });
    });
    afterAll(async () => {
      await bare?.close();
    });

    it('answers 403 saying which variable turns each on', async () => {
      const metrics = await request(bare.baseUrl, 'GET', '/metrics', { token: METRICS_TOKEN });
      expect(metrics.status).toBe(403);
      expect(metrics.body).toMatchObject({ code: 'metrics_disabled', message: expect.stringContaining('set METRICS_TOKEN') });
      const dashboard = await request(bare.baseUrl, 'GET', '/admin/queues', { token: ADMIN_KEY });
      expect(dashboard.status).toBe(403);
      expect(dashboard.body).toMatchObject({ code: 'admin_api_disabled', message: expect.stringContaining('set ADMIN_API_KEY') });
    });
  });
});
