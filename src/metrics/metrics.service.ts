import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { resolvesWithin } from '../common/resolves-within.js';

/** What a finished AI turn reports; the agent (client, aurora, offline, ...) names itself. */
export interface AiTurnRecord {
  agent: string;
  model: string;
  /** `ok`, `error`, `handoff`, `fallback`, ...: a short fixed word, never free text. */
  outcome: string;
  promptTokens: number;
  completionTokens: number;
  latencyMs: number;
}

/** An agent gave up on the model and the offline assistant answered instead. */
export interface AiFallbackRecord {
  agent: string;
  /** `no_api_key`, `model_error`, `timeout`, ...: a short fixed word, never free text. */
  reason: string;
}

export interface InstanceRef {
  organizationId: string;
  instanceId: string;
}

/** A value read at scrape time (queue depths, instance statuses), set on a gauge just before it is exported. */
export type ScrapeCollector = () => Promise<void>;

const SECONDS = (milliseconds: number) => milliseconds / 1000;

/** A scrape-time reading that takes longer (Redis or the database hanging) counts as failed. */
const SCRAPE_BUDGET_MS = 2_000;

/**
 * The process's Prometheus metrics (exported at `/metrics`). Each app instance has
 * its own registry, so several apps in one test process do not share counters.
 * Metric names, labels and what to alert on are in the README ("Metrics and the queue dashboard", "Alerts").
 */
@Injectable()
export class MetricsService {
  private readonly registry = new Registry();
  private readonly collectors = new Map<string, ScrapeCollector>();

  private readonly httpDuration = new Histogram({
    name: 'oxy_http_request_duration_seconds',
    help: 'HTTP request latency by method, route template and status code',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  private readonly queueJobs = new Gauge({
    name: 'oxy_queue_jobs',
    help: 'Jobs in each queue by state (waiting, active, delayed, failed), read at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [this.registry],
  });

  private readonly jobDuration = new Histogram({
    name: 'oxy_queue_job_duration_seconds',
    help: "Processing time of the jobs this process's workers finished, by queue, job and outcome (completed, failed)",
    labelNames: ['queue', 'job', 'outcome'] as const,
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  private readonly messages = new Counter({
    name: 'oxy_messages_total',
    help: 'WhatsApp messages stored from customers (in) and sent through WhatsApp (out), per organization and instance',
    labelNames: ['direction', 'organization_id', 'instance_id'] as const,
    registers: [this.registry],
  });

  private readonly instances = new Gauge({
    name: 'oxy_whatsapp_instances',
    help: 'WhatsApp instances of the deployment by status, read at scrape time',
    labelNames: ['status'] as const,
    registers: [this.registry],
  });

  private readonly reconnects = new Counter({
    name: 'oxy_whatsapp_reconnects_total',
    help: 'Reconnects this process scheduled after a WhatsApp socket closed, by close reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  private readonly alerts = new Counter({
    name: 'oxy_whatsapp_alerts_total',
    help: 'Connection alerts raised by this process (instance_failed, connection_replaced, reconnect_exhausted, ...)',
    labelNames: ['alert'] as const,
    registers: [this.registry],
  });

  private readonly aiTurns = new Counter({
    name: 'oxy_ai_turns_total',
    help: 'AI agent turns by agent, model and outcome',
    labelNames: ['agent', 'model', 'outcome'] as const,
    registers: [this.registry],
  });

  private readonly aiTokens = new Counter({
    name: 'oxy_ai_tokens_total',
    help: 'Tokens spent by AI agents, by agent, model and kind (prompt, completion)',
    labelNames: ['agent', 'model', 'kind'] as const,
    registers: [this.registry],
  });

  private readonly aiLatency = new Histogram({
    name: 'oxy_ai_turn_duration_seconds',
    help: 'Latency of AI agent turns by agent and model',
    labelNames: ['agent', 'model'] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60],
    registers: [this.registry],
  });

  private readonly aiFallbacks = new Counter({
    name: 'oxy_ai_fallbacks_total',
    help: 'Turns answered by the offline assistant because the model could not be used, by agent and reason',
    labelNames: ['agent', 'reason'] as const,
    registers: [this.registry],
  });

  private readonly collectorUp = new Gauge({
    name: 'oxy_metrics_collector_up',
    help: 'Whether the last scrape-time reading succeeded (1) or failed (0), by collector (queues, instances)',
    labelNames: ['collector'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'oxy_' });
  }

  recordHttpRequest(request: { method: string; route: string; statusCode: number; durationMs: number }): void {
    this.httpDuration.observe(
      { method: request.method, route: request.route, status_code: String(request.statusCode) },
      SECONDS(request.durationMs),
    );
  }

  /** Jobs of one queue in one state (waiting, active, delayed, failed), read at scrape time. */
  setQueueJobs(queue: string, state: string, jobs: number): void {
    this.queueJobs.set({ queue, state }, jobs);
  }

  /** The deployment's instances in one status, read at scrape time from the instances table. */
  setInstances(status: string, count: number): void {
    this.instances.set({ status }, count);
  }

  recordJob(job: { queue: string; job: string; outcome: 'completed' | 'failed'; durationMs: number }): void {
    this.jobDuration.observe({ queue: job.queue, job: job.job, outcome: job.outcome }, SECONDS(job.durationMs));
  }

  /** A customer's message was stored (duplicates WhatsApp redelivers are not counted). */
  recordMessageIn(source: InstanceRef): void {
    this.messages.inc({ direction: 'in', organization_id: source.organizationId, instance_id: source.instanceId });
  }

  /** A message left through WhatsApp. */
  recordMessageOut(source: InstanceRef): void {
    this.messages.inc({ direction: 'out', organization_id: source.organizationId, instance_id: source.instanceId });
  }

  recordReconnect(reason: string): void {
    this.reconnects.inc({ reason });
  }

  recordAlert(alert: string): void {
    this.alerts.inc({ alert });
  }

  recordAiTurn(turn: AiTurnRecord): void {
    const labels = { agent: turn.agent, model: turn.model };
    this.aiTurns.inc({ ...labels, outcome: turn.outcome });
    if (turn.promptTokens > 0) this.aiTokens.inc({ ...labels, kind: 'prompt' }, turn.promptTokens);
    if (turn.completionTokens > 0) this.aiTokens.inc({ ...labels, kind: 'completion' }, turn.completionTokens);
    this.aiLatency.observe(labels, SECONDS(turn.latencyMs));
  }

  recordAiFallback(fallback: AiFallbackRecord): void {
    this.aiFallbacks.inc({ agent: fallback.agent, reason: fallback.reason });
  }

  /** Registers a reading taken at every scrape (a gauge of something another part owns). */
  onScrape(name: string, collector: ScrapeCollector): void {
    this.collectors.set(name, collector);
  }

  /**
   * The text exposition. A collector that fails (Redis or the database down) leaves its
   * gauges as they were, reports 0 on `oxy_metrics_collector_up`, and does not cost the rest of the scrape.
   */
  async render(): Promise<string> {
    await Promise.all(
      [...this.collectors].map(async ([name, collect]) => {
        const up = await resolvesWithin(collect(), SCRAPE_BUDGET_MS).then(
          (inTime) => (inTime ? 1 : 0),
          () => 0,
        );
        this.collectorUp.set({ collector: name }, up);
      }),
    );
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
