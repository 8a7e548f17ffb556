import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, startTestApp, type TestApp } from './support/app.js';
import { ThrowawayRedis, waitFor } from './support/processes.js';

describe('health endpoints', () => {
  let server: TestApp;
  let redis: ThrowawayRedis;

  beforeAll(async () => {
    // This file stops Redis, so it runs its own and never the shared one.
    redis = await ThrowawayRedis.start();
    server = await startTestApp({ REDIS_URL: redis.url });
  });

  afterAll(async () => {
    await server?.close().catch(() => undefined);
    await redis?.stop();
  });

  it('reports the database with its kind and latency, Redis and queue counts while all is up', async () => {
    const health = await request(server.baseUrl, 'GET', '/health');
    expect(health.status).toBe(200);
    expect(health.body.status).toBe('ok');
    expect(health.body.details.database).toMatchObject({ status: 'up', kind: 'pglite', latencyMs: expect.any(Number) });
    expect(health.body.details.redis).toMatchObject({ status: 'up', latencyMs: expect.any(Number) });

    const database = await request(server.baseUrl, 'GET', '/health/supabase');
    expect(database.status).toBe(200);
    expect(database.body.details.database.kind).toBe('pglite');

    const queues = await request(server.baseUrl, 'GET', '/health/queues');
    expect(queues.status).toBe(200);
    expect(queues.body.details.queues.queues.maintenance).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
  });

  it('needs no credentials', async () => {
    const response = await request(server.baseUrl, 'GET', '/health/redis', { token: 'oxy_garbage' });
    expect(response.status).toBe(200);
  });

  it('answers 503 naming Redis when Redis goes down, in the error shape, while the database stays up', async () => {
    await redis.stop();
    const health = await request(server.baseUrl, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body).toMatchObject({ statusCode: 503, error: 'Service Unavailable', requestId: expect.any(String) });
    expect(health.body.message).toMatch(/redis/);
    expect(health.body.details.error.redis.status).toBe('down');
    expect(health.body.details.info.database.status).toBe('up');

    const redisOnly = await request(server.baseUrl, 'GET', '/health/redis');
    expect(redisOnly.status).toBe(503);
    const queues = await request(server.baseUrl, 'GET', '/health/queues');
    expect(queues.status).toBe(503);
    const database = await request(server.baseUrl, 'GET', '/health/supabase');
    expect(database.status).toBe(200);
  });

  it('is healthy again once Redis is back, without a restart of the app', async () => {
    await redis.restart();
    await waitFor(async () => (await request(server.baseUrl, 'GET', '/health')).status === 200, 15_000);
    const queues = await request(server.baseUrl, 'GET', '/health/queues');
    expect(queues.status).toBe(200);
  });
});
