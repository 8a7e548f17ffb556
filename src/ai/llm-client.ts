import { HttpStatus, Inject, Injectable, Logger, Optional } from '@nestjs/common';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionFunctionTool,
  ChatCompletionMessageParam,
} from 'openai/resources/chat/completions';
import { DomainException } from '../common/domain.exception.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';

/*
 * The one place that talks to the model (STYLE rule 2: only the LLM client
 * imports `openai`). Everything here is in our own small types, so agents and
 * tests never depend on the SDK's shapes, and the retry behaviour is ours: the
 * SDK runs with `maxRetries: 0` and this loop decides what is retried and when.
 */

export interface LlmToolCall {
  /** The model's id for the call; the tool's answer must carry it back. */
  id: string;
  name: string;
  /** The arguments as the model wrote them: a JSON string, not yet validated. */
  arguments: string;
}

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string | null; toolCalls?: LlmToolCall[] }
  | { role: 'tool'; toolCallId: string; content: string };

/** A JSON schema object, sent to the model as is. */
export type JsonSchema = Record<string, unknown>;

export interface ToolDefinition {
  name: string;
  description: string;
  parameters: JsonSchema;
  /** Always strict: the model must follow the schema we validate the arguments against. */
  strict: true;
}

export type ToolChoice = 'auto' | 'none' | 'required';

export interface LlmRequest {
  model: string;
  messages: ChatMessage[];
  tools?: ToolDefinition[];
  /** Only sent with tools (the API rejects it alone); the API's default is `auto`. */
  toolChoice?: ToolChoice;
  temperature?: number;
  /** Cancels the call (and any wait between attempts) with an `aborted` LlmError. */
  signal?: AbortSignal;
}

export type LlmFinishReason = 'stop' | 'length' | 'tool_calls' | 'content_filter' | 'other';

export interface LlmUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
}

export interface LlmCompletion {
  message: { content: string | null; toolCalls: LlmToolCall[] };
  finishReason: LlmFinishReason;
  /** The model that answered, as the API names it. */
  model: string;
  /** Tokens of the successful attempt (failed attempts report none). */
  usage: LlmUsage;
  /** Wall time of the whole call, retries and waits included: what the customer waited. */
  latencyMs: number;
  attempts: number;
}

/** Running totals since the process started, for logs and metrics. */
export interface LlmAccounting {
  completions: number;
  failures: number;
  attempts: number;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  latencyMs: number;
}

export type LlmErrorKind =
  | 'timeout'
  | 'rate_limited'
  | 'server_error'
  | 'bad_request'
  | 'auth'
  | 'connection'
  | 'malformed'
  /** The caller's signal fired. */
  | 'aborted'
  /** No API key: the agents run offline. */
  | 'not_configured';

const RETRYABLE_KINDS: ReadonlySet<LlmErrorKind> = new Set(['timeout', 'rate_limited', 'server_error', 'connection']);

/**
 * Why a model call failed, after every attempt it was given. The message is
 * safe to log: it never carries the API key or the prompt.
 */
export class LlmError extends DomainException {
  constructor(
    readonly kind: LlmErrorKind,
    readonly attempts: number,
    message: string,
    /** The HTTP status of the last answer, when there was one. */
    readonly upstreamStatus: number | null = null,
  ) {
    super(`llm_${kind}`, statusFor(kind), message);
  }

  /** Whether the failure was of a transient sort (the caller's own retries may try later). */
  get transient(): boolean {
    return RETRYABLE_KINDS.has(this.kind);
  }
}

function statusFor(kind: LlmErrorKind): HttpStatus {
  if (kind === 'not_configured') return HttpStatus.SERVICE_UNAVAILABLE;
  if (kind === 'timeout') return HttpStatus.GATEWAY_TIMEOUT;
  return HttpStatus.BAD_GATEWAY;
}

export interface LlmClientOptions {
  /** Per attempt, response body included. */
  timeoutMs?: number;
  /** Attempts after the first one, for transient failures only. */
  maxRetries?: number;
  /** Backoff before the first retry; doubles on each retry. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** A Retry-After longer than this is shortened to it: a customer is waiting. */
  maxRetryAfterMs?: number;
  /** [0, 1) like Math.random; injectable so the jitter can be pinned in tests. */
  random?: () => number;
}

/** Optional provider of LlmClientOptions; the defaults suit production. */
export const LLM_CLIENT_OPTIONS = Symbol('LLM_CLIENT_OPTIONS');

export const DEFAULT_LLM_CLIENT_OPTIONS: Required<Omit<LlmClientOptions, 'random'>> = {
  timeoutMs: 20_000,
  maxRetries: 2,
  initialBackoffMs: 500,
  maxBackoffMs: 8_000,
  maxRetryAfterMs: 10_000,
};

/** Each backoff is moved by up to this fraction either way, so callers failed by one outage spread out. */
export const BACKOFF_JITTER_FRACTION = 0.25;

const DEFAULT_BASE_URL = 'https://api.openai.com/v1';

@Injectable()
export class LlmClient {
  private readonly logger = new Logger('LlmClient');
  private readonly client: OpenAI | null;
  private readonly apiKey: string | null;
  private readonly options: Required<Omit<LlmClientOptions, 'random'>>;
  private readonly random: () => number;
  private readonly totals: LlmAccounting = {
    completions: 0,
    failures: 0,
    attempts: 0,
    promptTokens: 0,
    completionTokens: 0,
    totalTokens: 0,
    latencyMs: 0,
  };

  constructor(
    @Inject(APP_CONFIG) config: AppConfig,
    @Optional() @Inject(LLM_CLIENT_OPTIONS) options: LlmClientOptions | null = null,
  ) {
    const { random, ...policy } = options ?? {};
    this.options = { ...DEFAULT_LLM_CLIENT_OPTIONS, timeoutMs: config.openai.timeoutMs, ...withoutUndefined(policy) };
    assertPolicy(this.options);
    this.random = random ?? Math.random;
    this.apiKey = config.openai.apiKey;
    // Every option the SDK would otherwise take from the environment is given, so
    // the validated config stays the only source (STYLE rule 6). Its own
    // logging is off: it could print requests, and we log our own events.
    this.client =
      this.apiKey === null
        ? null
        : new OpenAI({
            apiKey: this.apiKey,
            adminAPIKey: null,
            organization: null,
            project: null,
            webhookSecret: null,
            baseURL: config.openai.baseUrl ?? DEFAULT_BASE_URL,
            timeout: this.options.timeoutMs,
            maxRetries: 0,
            logLevel: 'off',
          });
  }

  /** False without an API key: the agents then answer with the offline menu. */
  get available(): boolean {
    return this.client !== null;
  }

  /** A copy of the running totals. */
  get accounting(): LlmAccounting {
    return { ...this.totals };
  }

  async complete(request: LlmRequest): Promise<LlmCompletion> {
    if (this.client === null) {
      throw new LlmError('not_configured', 0, 'No OpenAI API key is configured (OPENAI_API_KEY); the agents run offline');
    }
    const body = toRequestBody(request);
    const startedAt = performance.now();
    for (let attempt = 1; ; attempt += 1) {
      this.totals.attempts += 1;
      let failure: AttemptFailure;
      try {
        const raw = await this.attempt(this.client, body, request.signal);
        const completion = toCompletion(raw, request.model, attempt, Math.round(performance.now() - startedAt));
        this.account(completion);
        return completion;
      } catch (error) {
        failure = error instanceof AttemptFailure ? error : this.classify(error, false, request.signal);
      }

      if (!RETRYABLE_KINDS.has(failure.kind) || attempt > this.options.maxRetries) {
        const latencyMs = Math.round(performance.now() - startedAt);
        this.totals.failures += 1;
        this.totals.latencyMs += latencyMs;
        this.logger.warn(
          { model: request.model, kind: failure.kind, status: failure.status, attempts: attempt, latencyMs },
          'llm call failed',
        );
        throw new LlmError(failure.kind, attempt, failureMessage(failure, attempt), failure.status);
      }
      const delayMs = retryDelayMs(attempt, failure.retryAfterMs, this.options, this.random);
      this.logger.warn(
        { model: request.model, kind: failure.kind, status: failure.status, attempt, delayMs },
        'llm attempt failed, retrying',
      );
      await sleep(delayMs, request.signal).catch(() => {
        throw new LlmError('aborted', attempt, 'The model call was cancelled while waiting to retry');
      });
    }
  }

  /** One HTTP call, bounded by our own timer so a slow body counts too (the SDK's timer stops at the headers). */
  private async attempt(client: OpenAI, body: ChatCompletionCreateParamsNonStreaming, callerSignal: AbortSignal | undefined): Promise<unknown> {
    if (callerSignal?.aborted) throw new AttemptFailure('aborted', null, null, 'The model call was cancelled');
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.options.timeoutMs);
    const forwardAbort = () => controller.abort();
    callerSignal?.addEventListener('abort', forwardAbort, { once: true });
    try {
      return await client.chat.completions.create(body, {
        signal: controller.signal,
        timeout: this.options.timeoutMs,
        maxRetries: 0,
      });
    } catch (error) {
      throw this.classify(error, timedOut, callerSignal);
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', forwardAbort);
    }
  }

  private classify(error: unknown, timedOut: boolean, callerSignal: AbortSignal | undefined): AttemptFailure {
    if (callerSignal?.aborted) return new AttemptFailure('aborted', null, null, 'The model call was cancelled');
    if (timedOut || error instanceof APIConnectionTimeoutError) {
      return new AttemptFailure('timeout', null, null, `No answer within ${this.options.timeoutMs} ms`);
    }
    if (error instanceof APIUserAbortError) return new AttemptFailure('aborted', null, null, 'The model call was cancelled');
    if (error instanceof APIConnectionError) {
      return new AttemptFailure('connection', null, null, 'Could not reach the OpenAI API');
    }
    if (error instanceof APIError && typeof error.status === 'number') {
      const status = error.status;
      const detail = this.redact(serverMessage(error.error));
      const retryAfterMs = parseRetryAfterMs(error.headers, Date.now());
      return new AttemptFailure(kindForStatus(status), status, retryAfterMs, detail);
    }
    // A body announced as JSON that does not parse.
    if (error instanceof SyntaxError) return new AttemptFailure('malformed', null, null, 'The answer was not valid JSON');
    return new AttemptFailure('connection', null, null, `Unexpected failure calling the OpenAI API (${errorName(error)})`);
  }

  /** Servers may echo the key (or a masked part of it) in their messages; none of it leaves here. */
  private redact(text: string | null): string | null {
    if (text === null) return null;
    let safe = this.apiKey === null ? text : text.split(this.apiKey).join('[redacted]');
    safe = safe.replace(/\bsk-[A-Za-z0-9_*.-]+/g, '[redacted]');
    return safe.length > 300 ? `${safe.slice(0, 300)}...` : safe;
  }

  private account(completion: LlmCompletion): void {
    this.totals.completions += 1;
    this.totals.promptTokens += completion.usage.promptTokens;
    this.totals.completionTokens += completion.usage.completionTokens;
    this.totals.totalTokens += completion.usage.totalTokens;
    this.totals.latencyMs += completion.latencyMs;
    this.logger.log(
      {
        model: completion.model,
        attempts: completion.attempts,
        latencyMs: completion.latencyMs,
        promptTokens: completion.usage.promptTokens,
        completionTokens: completion.usage.completionTokens,
        finishReason: completion.finishReason,
        toolCalls: completion.message.toolCalls.length,
      },
      'llm completion',
    );
  }
}

/** What one attempt ended with; becomes an LlmError once no retry is left. */
class AttemptFailure extends Error {
  constructor(
    readonly kind: LlmErrorKind,
    readonly status: number | null,
    readonly retryAfterMs: number | null,
    readonly detail: string | null,
  ) {
    super(detail ?? kind);
  }
}

function kindForStatus(status: number): LlmErrorKind {
  if (status === 401 || status === 403) return 'auth';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  return 'bad_request';
}

function failureMessage(failure: AttemptFailure, attempts: number): string {
  const status = failure.status === null ? '' : `, HTTP ${failure.status}`;
  const detail = failure.detail === null ? '' : `: ${failure.detail}`;
  return `OpenAI call failed (${failure.kind}${status}) after ${attempts} attempt${attempts === 1 ? '' : 's'}${detail}`;
}

function serverMessage(body: unknown): string | null {
  const message = (body as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message !== '' ? message : null;
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

/**
 * Wait before retry `retry` (1-based). A server's Retry-After wins, capped at
 * maxRetryAfterMs; otherwise initialBackoffMs doubling per retry, capped at
 * maxBackoffMs and moved by up to ±BACKOFF_JITTER_FRACTION.
 */
export function retryDelayMs(
  retry: number,
  retryAfterMs: number | null,
  policy: Pick<Required<LlmClientOptions>, 'initialBackoffMs' | 'maxBackoffMs' | 'maxRetryAfterMs'>,
  random: () => number = Math.random,
): number {
  if (!Number.isInteger(retry) || retry < 1) throw new RangeError(`retry must be a positive integer, got ${retry}`);
  if (retryAfterMs !== null) return Math.min(Math.max(0, retryAfterMs), policy.maxRetryAfterMs);
  const base = Math.min(policy.maxBackoffMs, policy.initialBackoffMs * 2 ** (retry - 1));
  const unit = Math.min(1, Math.max(0, random()));
  return Math.max(0, Math.round(base * (1 + BACKOFF_JITTER_FRACTION * (2 * unit - 1))));
}

/**
 * How long the server asked us to wait, from `retry-after-ms` (OpenAI's) or
 * `Retry-After` (seconds or an HTTP date); null when absent or unreadable.
 */
export function parseRetryAfterMs(headers: { get(name: string): string | null } | undefined, nowMs: number): number | null {
  const milliseconds = headers?.get('retry-after-ms');
  if (milliseconds != null && /^\d+(\.\d+)?$/.test(milliseconds.trim())) return Math.round(Number(milliseconds));
  const value = headers?.get('retry-after')?.trim();
  if (value == null || value === '') return null;
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  // Only an IMF-fixdate ("Sat, 10 Jan 2026 12:00:03 GMT"): Date.parse alone reads "-1" as a year.
  if (!/GMT$/i.test(value)) return null;
  const date = Date.parse(value);
  return Number.isNaN(date) ? null : Math.max(0, date - nowMs);
}

function toRequestBody(request: LlmRequest): ChatCompletionCreateParamsNonStreaming {
  const body: ChatCompletionCreateParamsNonStreaming = {
    model: request.model,
    messages: request.messages.map(toMessageParam),
    stream: false,
  };
  if (request.tools !== undefined && request.tools.length > 0) {
    body.tools = request.tools.map(toToolParam);
    if (request.toolChoice !== undefined) body.tool_choice = request.toolChoice;
  }
  if (request.temperature !== undefined) body.temperature = request.temperature;
  return body;
}

function toMessageParam(message: ChatMessage): ChatCompletionMessageParam {
  switch (message.role) {
    case 'system':
    case 'user':
      return { role: message.role, content: message.content };
    case 'assistant':
      return {
        role: 'assistant',
        content: message.content,
        // The API rejects an empty tool_calls array.
        ...(message.toolCalls !== undefined && message.toolCalls.length > 0
          ? {
              tool_calls: message.toolCalls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: { name: call.name, arguments: call.arguments },
              })),
            }
          : {}),
      };
    case 'tool':
      return { role: 'tool', tool_call_id: message.toolCallId, content: message.content };
  }
}

function toToolParam(tool: ToolDefinition): ChatCompletionFunctionTool {
  return {
    type: 'function',
    function: { name: tool.name, description: tool.description, parameters: tool.parameters, strict: tool.strict },
  };
}

/**
 * Reads the answer without trusting the SDK's types: an OpenAI-compatible
 * server may send anything, and a half-read answer must not reach an agent.
 */
function toCompletion(raw: unknown, requestedModel: string, attempts: number, latencyMs: number): LlmCompletion {
  const answer = asRecord(raw);
  const choices = answer?.choices;
  if (!Array.isArray(choices) || choices.length === 0) throw malformed('the answer has no choices');
  const choice = asRecord(choices[0]);
  const message = asRecord(choice?.message);
  if (choice === null || message === null) throw malformed('the first choice has no message');
  const content = message.content;
  if (content !== null && content !== undefined && typeof content !== 'string') throw malformed('the message content is not text');

  const rawCalls = message.tool_calls ?? [];
  if (!Array.isArray(rawCalls)) throw malformed('tool_calls is not a list');
  const toolCalls = rawCalls.map((rawCall): LlmToolCall => {
    const call = asRecord(rawCall);
    const fn = asRecord(call?.function);
    // We declare function tools only; anything else could not be answered.
    if (call?.type !== 'function' || typeof call.id !== 'string' || fn === null) throw malformed('a tool call is not a function call');
    if (typeof fn.name !== 'string' || typeof fn.arguments !== 'string') throw malformed('a tool call lacks its name or arguments');
    return { id: call.id, name: fn.name, arguments: fn.arguments };
  });

  const usage = asRecord(answer?.usage);
  const promptTokens = count(usage?.prompt_tokens);
  const completionTokens = count(usage?.completion_tokens);
  return {
    message: { content: typeof content === 'string' ? content : null, toolCalls },
    finishReason: finishReasonOf(choice.finish_reason),
    model: typeof answer?.model === 'string' && answer.model !== '' ? answer.model : requestedModel,
    // Some compatible servers omit usage; the accounting then counts zero rather than failing the turn.
    usage: { promptTokens, completionTokens, totalTokens: count(usage?.total_tokens) || promptTokens + completionTokens },
    latencyMs,
    attempts,
  };
}

function malformed(reason: string): AttemptFailure {
  return new AttemptFailure('malformed', null, null, `Malformed answer: ${reason}`);
}

function asRecord(value: unknown): Record<string, unknown> | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

function count(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : 0;
}

function finishReasonOf(value: unknown): LlmFinishReason {
  return value === 'stop' || value === 'length' || value === 'tool_calls' || value === 'content_filter' ? value : 'other';
}

/** A bad option fails the boot, not the first customer's turn. */
function assertPolicy(policy: Required<Omit<LlmClientOptions, 'random'>>): void {
  for (const [name, value] of Object.entries(policy)) {
    const minimum = name === 'timeoutMs' ? 1 : 0;
    if (!Number.isInteger(value) || value < minimum) {
      throw new RangeError(`LlmClient option ${name} must be an integer of at least ${minimum}, got ${value}`);
    }
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}

/** Resolves after `ms`, or rejects as soon as `signal` fires. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
