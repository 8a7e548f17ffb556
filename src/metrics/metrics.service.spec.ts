import { describe, expect, it } from 'vitest';
import { MetricsService } from './metrics.service.js';
import { closeReasonLabel } from './whatsapp-metrics.js';

/** The value of one series in the exposition text, or undefined when it is absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('MetricsService', () => {
  it('exports AI turns, tokens by kind, latency and fallbacks by agent and model', async () => {
    const metrics = new MetricsService();
    metrics.recordAiTurn({ agent: 'client', model: 'gpt-4o-mini', outcome: 'ok', promptTokens: 1200, completionTokens: 80, latencyMs: 1500 });
    metrics.recordAiTurn({ agent: 'client', model: 'gpt-4o-mini', outcome: 'ok', promptTokens: 800, completionTokens: 20, latencyMs: 700 });
    metrics.recordAiTurn({ agent: 'aurora', model: 'gpt-4o', outcome: 'error', promptTokens: 0, completionTokens: 0, latencyMs: 30_000 });
    metrics.recordAiFallback({ agent: 'client', reason: 'model_error' });

    const text = await metrics.render();
    expect(sample(text, 'oxy_ai_turns_total{agent="client",model="gpt-4o-mini",outcome="ok"}')).toBe(2);
    expect(sample(text, 'oxy_ai_turns_total{agent="aurora",model="gpt-4o",outcome="error"}')).toBe(1);
    expect(sample(text, 'oxy_ai_tokens_total{agent="client",model="gpt-4o-mini",kind="prompt"}')).toBe(2000);
    expect(sample(text, 'oxy_ai_tokens_total{agent="client",model="gpt-4o-mini",kind="completion"}')).toBe(100);
    expect(sample(text, 'oxy_ai_turn_duration_seconds_count{agent="client",model="gpt-4o-mini"}')).toBe(2);
    expect(sample(text, 'oxy_ai_turn_duration_seconds_sum{agent="client",model="gpt-4o-mini"}')).toBeCloseTo(2.2);
    expect(sample(text, 'oxy_ai_turn_duration_seconds_bucket{le="1",agent="client",model="gpt-4o-mini"}')).toBe(1);
    expect(sample(text, 'oxy_ai_fallbacks_total{agent="client",reason="model_error"}')).toBe(1);
  });

  it('keeps each instance its own registry, so two apps in one process do not add up', async () => {
    const first = new MetricsService();
    const second = new MetricsService();
    first.recordMessageIn({ organizationId: 'org-1', instanceId: 'inst-1' });
    expect(sample(await first.render(), 'oxy_messages_total{direction="in",organization_id="org-1",instance_id="inst-1"}')).toBe(1);
    expect(sample(await second.render(), 'oxy_messages_total{direction="in",organization_id="org-1",instance_id="inst-1"}')).toBeUndefined();
  });

  it('reports a scrape-time reading that fails as down and still renders the rest', async () => {
    const metrics = new MetricsService();
    metrics.onScrape('queues', () => Promise.reject(new Error('Redis is down')));
    metrics.onScrape('instances', async () => metrics.setInstances('connected', 3));
    const text = await metrics.render();
    expect(sample(text, 'oxy_metrics_collector_up{collector="queues"}')).toBe(0);
    expect(sample(text, 'oxy_metrics_collector_up{collector="instances"}')).toBe(1);
    expect(sample(text, 'oxy_whatsapp_instances{status="connected"}')).toBe(3);
  });

  it('labels reconnects with the close code by name, never free text', () => {
    expect(closeReasonLabel(408)).toBe('connection_lost');
    expect(closeReasonLabel(515)).toBe('restart_required');
    expect(closeReasonLabel(503)).toBe('unavailable_service');
    expect(closeReasonLabel(null)).toBe('no_status_code');
    expect(closeReasonLabel(999)).toBe('other');
  });
});
