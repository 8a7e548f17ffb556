import { Logger, type LoggerService } from '@nestjs/common';
import { rmSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LlmClient, type LlmClientOptions, LlmError, type ToolDefinition } from '../src/ai/llm-client.js';
import { type AppConfig, loadConfig } from '../src/config/app-config.js';
import { testEnvironment } from './support/app.js';
import { type FakeOpenAi, startFakeOpenAi } from './support/fake-openai.js';

const API_KEY = 'sk-test-oxy-0123456789abcdefSECRET';
const MODEL = 'gpt-4o-mini';
/** Short waits so retries and timeouts take milliseconds, not seconds. */
const FAST: LlmClientOptions = { timeoutMs: 2_000, initialBackoffMs: 5, maxBackoffMs: 20, maxRetryAfterMs: 200 };

const SCHEDULE_TOOL: ToolDefinition = {
  name: 'consultar_horarios',
  description: 'Lista os horários livres de um serviço numa data.',
  parameters: {
    type: 'object',
    properties: {
      servico: { type: 'string', description: 'Nome do serviço' },
      data: { type: 'string', description: 'Data no formato AAAA-MM-DD' },
    },
    required: ['servico', 'data'],
    additionalProperties: false,
  },
  strict: true,
};

/** Everything the Nest logger is given, to prove keys and prompts never reach a log line. */
const logged: unknown[] = [];
const captureLogger: LoggerService = {
  log: (...args: unknown[]) => logged.push(args),
  warn: (...args: unknown[]) => logged.push(args),
  error: (...args: unknown[]) => logged.push(args),
  debug: (...args: unknown[]) => logged.push(args),
  verbose: (...args: unknown[]) => logged.push(args),
};

let fake: FakeOpenAi;
const configs: AppConfig[] = [];

function configWith(overrides: Record<string, string>): AppConfig {
  const config = loadConfig(testEnvironment(overrides));
  configs.push(config);
  return config;
}

function client(options: LlmClientOptions = {}): LlmClient {
  return new LlmClient(configWith({ OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: fake.url }), { ...FAST, ...options });
}

async function failureOf(promise: Promise<unknown>): Promise<LlmError> {
  const error = await promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(LlmError);
  return error as LlmError;
}

beforeAll(async () => {
  Logger.overrideLogger(captureLogger);
  fake = await startFakeOpenAi();
});

afterAll(async () => {
  await fake.close();
  for (const config of configs) rmSync(config.dataDir, { recursive: true, force: true });
});

beforeEach(() => {
  fake.requests.length = 0;
  fake.fallback = null;
});

afterEach(() => {
  // A reply left in the queue means the client made fewer calls than the test scripted.
  expect(fake.pending).toBe(0);
});

describe('LlmClient against a fake OpenAI server', () => {
  it('completes text with the usage, the latency and one attempt, through OPENAI_BASE_URL with the bearer key', async () => {
    fake.reply({ kind: 'completion', content: 'Olá! Como posso ajudar?', usage: { promptTokens: 42, completionTokens: 7 } });
    const llm = client();

    const completion = await llm.complete({
      model: MODEL,
      messages: [
        { role: 'system', content: 'Você é a assistente do Pet Shop Teste.' },
        { role: 'user', content: 'oi' },
      ],
      temperature: 0.3,
    });

    expect(completion.message).toEqual({ content: 'Olá! Como posso ajudar?', toolCalls: [] });
    expect(completion.finishReason).toBe('stop');
    expect(completion.model).toBe(MODEL);
    expect(completion.usage).toEqual({ promptTokens: 42, completionTokens: 7, totalTokens: 49 });
    expect(completion.attempts).toBe(1);
    expect(completion.latencyMs).toBeGreaterThanOrEqual(0);
    expect(completion.latencyMs).toBeLessThan(2_000);

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request.path).toBe('/v1/chat/completions');
    expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(request.body).toEqual({
      model: MODEL,
      messages: [
        { role: 'system', content: 'Você é a assistente do Pet Shop Teste.' },
        { role: 'user', content: 'oi' },
      ],
      stream: false,
      temperature: 0.3,
    });
    expect(llm.accounting).toMatchObject({ completions: 1, failures: 0, attempts: 1, promptTokens: 42, completionTokens: 7, totalTokens: 49 });
  });

  it('sends the strict tool schemas and tool choice, and maps the tool calls back', async () => {
    fake.reply({
      kind: 'completion',
      content: null,
      toolCalls: [
        { id: 'call_1', name: 'consultar_horarios', arguments: { servico: 'banho', data: '2026-03-10' } },
        { id: 'call_2', name: 'consultar_horarios', arguments: '{"servico":"tosa","data":"2026-03-10"}' },
      ],
      usage: { promptTokens: 120, completionTokens: 30 },
    });

    const completion = await client().complete({
      model: MODEL,
      messages: [{ role: 'user', content: 'tem horário pra banho e tosa dia 10?' }],
      tools: [SCHEDULE_TOOL],
      toolChoice: 'auto',
    });

    expect(completion.finishReason).toBe('tool_calls');
    expect(completion.message.content).toBeNull();
    expect(completion.message.toolCalls).toEqual([
      { id: 'call_1', name: 'consultar_horarios', arguments: '{"servico":"banho","data":"2026-03-10"}' },
      { id: 'call_2', name: 'consultar_horarios', arguments: '{"servico":"tosa","data":"2026-03-10"}' },
    ]);

    const body = fake.requests[0].body;
    expect(body.model).toBe(MODEL);
    expect(body.tool_choice).toBe('auto');
    expect(body.tools).toEqual([
      {
        type: 'function',
        function: {
          name: 'consultar_horarios',
          description: SCHEDULE_TOOL.description,
          parameters: SCHEDULE_TOOL.parameters,
          strict: true,
        },
      },
    ]);
  });

  it('sends the assistant tool calls and the tool answers of earlier rounds in the API shapes', async () => {
    fake.reply({ kind: 'completion', content: 'Tenho 9h e 10h livres.' });

    await client().complete({
      model: MODEL,
      messages: [
        { role: 'user', content: 'horários de banho amanhã?' },
        { role: 'assistant', content: null, toolCalls: [{ id: 'call_9', name: 'consultar_horarios', arguments: '{"servico":"banho","data":"2026-03-11"}' }] },
        { role: 'tool', toolCallId: 'call_9', content: '{"horarios":["09:00","10:00"]}' },
        { role: 'assistant', content: 'Posso ajudar em algo mais?', toolCalls: [] },
      ],
      tools: [SCHEDULE_TOOL],
    });

    expect(fake.requests[0].body.messages).toEqual([
      { role: 'user', content: 'horários de banho amanhã?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'consultar_horarios', arguments: '{"servico":"banho","data":"2026-03-11"}' } }],
      },
      { role: 'tool', tool_call_id: 'call_9', content: '{"horarios":["09:00","10:00"]}' },
      // An empty tool_calls list is left out: the API rejects it.
      { role: 'assistant', content: 'Posso ajudar em algo mais?' },
    ]);
    // Without a tool choice the API's default applies.
    expect(fake.requests[0].body).not.toHaveProperty('tool_choice');
  });

  it('retries a 429 and succeeds on the second attempt, waiting what Retry-After asks', async () => {
    fake.reply(
      { kind: 'error', status: 429, message: 'Rate limit reached for requests', code: 'rate_limit_exceeded', retryAfter: '0.1' },
      { kind: 'completion', content: 'ok' },
    );
    const llm = client();

    const completion = await llm.complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] });

    expect(completion.attempts).toBe(2);
    expect(completion.message.content).toBe('ok');
    expect(fake.requests).toHaveLength(2);
    // 100 ms asked by the server, far above the 5 ms backoff of FAST.
    expect(completion.latencyMs).toBeGreaterThanOrEqual(90);
    expect(llm.accounting).toMatchObject({ completions: 1, failures: 0, attempts: 2 });
  });

  it('caps a long Retry-After', async () => {
    fake.reply({ kind: 'error', status: 429, retryAfter: '3600' }, { kind: 'completion', content: 'ok' });

    const completion = await client({ maxRetryAfterMs: 50 }).complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] });

    expect(completion.attempts).toBe(2);
    expect(completion.latencyMs).toBeLessThan(1_000);
  });

  it('gives up with server_error after three attempts of 500', async () => {
    fake.reply(
      { kind: 'error', status: 500, message: 'The server had an error while processing your request.' },
      { kind: 'error', status: 500 },
      { kind: 'error', status: 503, message: 'The engine is currently overloaded.' },
    );
    const llm = client();

    const error = await failureOf(llm.complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] }));

    expect(error.kind).toBe('server_error');
    expect(error.attempts).toBe(3);
    expect(error.upstreamStatus).toBe(503);
    expect(error.code).toBe('llm_server_error');
    expect(error.message).toContain('after 3 attempts');
    expect(fake.requests).toHaveLength(3);
    expect(llm.accounting).toMatchObject({ completions: 0, failures: 1, attempts: 3, totalTokens: 0 });
  });

  it('recovers from a 502 then a 500 within its retries', async () => {
    fake.reply({ kind: 'error', status: 502 }, { kind: 'error', status: 500 }, { kind: 'completion', content: 'voltei' });

    const completion = await client().complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] });

    expect(completion.attempts).toBe(3);
    expect(completion.message.content).toBe('voltei');
  });

  it('times out an attempt that answers too late, and retries it', async () => {
    fake.reply(
      { kind: 'completion', content: 'tarde demais', delayMs: 1_000 },
      { kind: 'completion', content: 'a tempo' },
    );

    const completion = await client({ timeoutMs: 200 }).complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] });

    expect(completion.attempts).toBe(2);
    expect(completion.message.content).toBe('a tempo');
    expect(completion.latencyMs).toBeGreaterThanOrEqual(190);
  });

  it('fails with timeout when every attempt is too slow', async () => {
    fake.reply(
      { kind: 'completion', content: 'lento', delayMs: 1_000 },
      { kind: 'completion', content: 'lento', delayMs: 1_000 },
    );
    const startedAt = performance.now();

    const error = await failureOf(
      client({ timeoutMs: 200, maxRetries: 1 }).complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] }),
    );

    expect(error.kind).toBe('timeout');
    expect(error.attempts).toBe(2);
    expect(error.message).toContain('200 ms');
    expect(performance.now() - startedAt).toBeLessThan(1_000);
  });

  it('fails at once on 401 with auth, never showing the key', async () => {
    fake.reply({
      kind: 'error',
      status: 401,
      // The real API echoes part of the key; a proxy might echo all of it.
      message: `Incorrect API key provided: ${API_KEY}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      code: 'invalid_api_key',
    });

    const error = await failureOf(client().complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] }));

    expect(error.kind).toBe('auth');
    expect(error.attempts).toBe(1);
    expect(error.upstreamStatus).toBe(401);
    expect(fake.requests).toHaveLength(1);
    expect(error.message).toContain('Incorrect API key provided: [redacted]');
    expect(error.message).not.toContain(API_KEY);
    expect(error.message).not.toContain('sk-test');
    expect(JSON.stringify(error)).not.toContain(API_KEY);
    expect(String(error.stack)).not.toContain(API_KEY);
  });

  it.each([
    [400, 'bad_request'],
    [404, 'bad_request'],
    [403, 'auth'],
  ] as const)('fails at once on %s with %s', async (status, kind) => {
    fake.reply({ kind: 'error', status, message: "Invalid schema for function 'consultar_horarios'." });

    const error = await failureOf(client().complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] }));

    expect(error.kind).toBe(kind);
    expect(error.attempts).toBe(1);
    expect(error.message).toContain("Invalid schema for function 'consultar_horarios'.");
    expect(fake.requests).toHaveLength(1);
  });

  it.each([
    ['no choices', { id: 'x', object: 'chat.completion', created: 1, model: MODEL, choices: [] }],
    ['no message', { id: 'x', object: 'chat.completion', created: 1, model: MODEL, choices: [{ index: 0, finish_reason: 'stop' }] }],
    ['not JSON at all', 'upstream proxy says hello'],
  ])('reports a malformed answer (%s) without retrying', async (_label, body) => {
    fake.reply({ kind: 'raw', body, contentType: typeof body === 'string' ? 'text/plain' : 'application/json' });

    const error = await failureOf(client().complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] }));

    expect(error.kind).toBe('malformed');
    expect(error.attempts).toBe(1);
  });

  it('reports a body announced as JSON that does not parse as malformed', async () => {
    fake.reply({ kind: 'raw', body: '{"choices": [', contentType: 'application/json' });

    const error = await failureOf(client().complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] }));

    expect(error.kind).toBe('malformed');
  });

  it('reports connection when nothing listens at the base URL, after its retries', async () => {
    const closed = await startFakeOpenAi();
    const url = closed.url;
    await closed.close();
    const llm = new LlmClient(configWith({ OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: url }), FAST);

    const error = await failureOf(llm.complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] }));

    expect(error.kind).toBe('connection');
    expect(error.attempts).toBe(3);
  });

  it('stops when the caller aborts, without retrying', async () => {
    fake.reply({ kind: 'completion', content: 'lento', delayMs: 1_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);

    const error = await failureOf(
      client().complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }], signal: controller.signal }),
    );

    expect(error.kind).toBe('aborted');
    expect(error.attempts).toBe(1);
    expect(fake.requests).toHaveLength(1);
  });

  it('is unavailable without a key and says so when called anyway', async () => {
    const llm = new LlmClient(configWith({ OPENAI_BASE_URL: fake.url }), FAST);

    expect(llm.available).toBe(false);
    const error = await failureOf(llm.complete({ model: MODEL, messages: [{ role: 'user', content: 'oi' }] }));
    expect(error.kind).toBe('not_configured');
    expect(error.attempts).toBe(0);
    expect(error.message).toMatch(/OPENAI_API_KEY/);
    expect(fake.requests).toHaveLength(0);
    expect(client().available).toBe(true);
  });

  it('never logs the key or the conversation', () => {
    const everything = JSON.stringify(logged);
    expect(logged.length).toBeGreaterThan(0);
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain('sk-test');
    expect(everything).not.toContain('Pet Shop Teste');
    expect(everything).not.toContain('horário');
  });
});
