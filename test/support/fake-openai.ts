import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fake OpenAI-compatible server for tests: a real HTTP server on localhost
 * speaking the Chat Completions shapes (streaming off), so the real SDK and our
 * client run unchanged and nothing leaves the machine. Tests script the answers
 * (a queue, then an optional handler) and read back every request received.
 */

export interface FakeToolCall {
  /** Generated when left out. */
  id?: string;
  name: string;
  /** A JSON string as the model sends it; an object is serialised for convenience. */
  arguments: string | Record<string, unknown>;
}

export interface FakeUsage {
  promptTokens: number;
  completionTokens: number;
}

export type FakeReply =
  | {
      kind: 'completion';
      content?: string | null;
      toolCalls?: FakeToolCall[];
      /** Defaults to `tool_calls` when there are tool calls, else `stop`. */
      finishReason?: string;
      usage?: FakeUsage;
      /** The model named in the answer; defaults to the requested one. */
      model?: string;
      /** Wait this long before answering (longer than the client's timeout to provoke one). */
      delayMs?: number;
    }
  | {
      kind: 'error';
      status: number;
      message?: string;
      type?: string;
      code?: string | null;
      /** Sent as the Retry-After header (seconds, or an HTTP date). */
      retryAfter?: string;
      delayMs?: number;
    }
  | {
      /** Anything else: a body that is not a proper completion, to test how the client copes. */
      kind: 'raw';
      status?: number;
      body: string | Record<string, unknown>;
      contentType?: string;
      delayMs?: number;
    };

/** A scripted answer, or one written from the request (a model reading back a tool's result). */
export type ScriptedReply = FakeReply | ((request: RecordedRequest) => FakeReply);

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The parsed JSON body (null when it was not JSON). */
  body: any;
}

export interface FakeOpenAi {
  /** The base URL to give the SDK (it appends `/chat/completions`). */
  url: string;
  /** Every request received, oldest first, including rejected ones. */
  requests: RecordedRequest[];
  /** Appends scripted replies; each request takes the next one. */
  reply(...replies: ScriptedReply[]): void;
  /** Answers requests once the queue is empty (scenario tests); by default such a request gets a 500. */
  fallback: ((request: RecordedRequest) => FakeReply) | null;
  /** Scripted replies not consumed yet. */
  readonly pending: number;
  /** Drops the scripted replies not consumed yet. */
  clear(): void;
  close(): Promise<void>;
}

const COMPLETION_PATHS = new Set(['/v1/chat/completions', '/chat/completions']);

/** Starts the fake on 127.0.0.1 and a free port. */
export async function startFakeOpenAi(): Promise<FakeOpenAi> {
  const queue: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const fake: Omit<FakeOpenAi, 'url' | 'close'> = {
    requests,
    fallback: null,
    reply: (...replies) => queue.push(...replies),
    clear: () => queue.splice(0),
    get pending() {
      return queue.length;
    },
  };

  const server: Server = createServer((request, response) => {
    void readBody(request).then((raw) => {
      const recorded: RecordedRequest = {
        method: request.method ?? '',
        path: new URL(request.url ?? '/', 'http://fake').pathname,
        headers: request.headers,
        body: parseJson(raw),
      };
      requests.push(recorded);
      const reply = route(recorded, queue, fake.fallback);
      const send = () => {
        // The client may have given up (timeout) while we waited; writing then would throw.
        if (!response.destroyed && !response.writableEnded) write(response, reply, recorded);
      };
      const delay = reply.delayMs ?? 0;
      if (delay <= 0) return send();
      const timer = setTimeout(() => {
        timers.delete(timer);
        send();
      }, delay);
      timers.add(timer);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(fake, {
    url: `http://127.0.0.1:${port}/v1`,
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  });
}

/** Decides the answer: protocol checks first (like the real API), then the script. */
function route(request: RecordedRequest, queue: ScriptedReply[], fallback: FakeOpenAi['fallback']): FakeReply {
  if (request.method !== 'POST' || !COMPLETION_PATHS.has(request.path)) {
    return apiError(404, `Unknown request URL: ${request.method} ${request.path}`, 'invalid_request_error', 'unknown_url');
  }
  const authorization = request.headers.authorization;
  if (typeof authorization !== 'string' || !/^Bearer \S+$/.test(authorization)) {
    return apiError(401, "You didn't provide an API key.", 'invalid_request_error', 'missing_api_key');
  }
  if (request.body === null || typeof request.body !== 'object') {
    return apiError(400, 'We could not parse the JSON body of your request.', 'invalid_request_error', null);
  }
  if (typeof request.body.model !== 'string' || !Array.isArray(request.body.messages)) {
    return apiError(400, "Missing required parameter: 'model' or 'messages'.", 'invalid_request_error', 'missing_required_parameter');
  }
  if (request.body.stream === true) {
    return apiError(400, 'The fake OpenAI server does not stream.', 'invalid_request_error', 'unsupported_parameter');
  }
  const scripted = queue.shift();
  const next = typeof scripted === 'function' ? scripted(request) : (scripted ?? fallback?.(request));
  if (next !== undefined) return next;
  return apiError(500, 'fake OpenAI server: no scripted reply left for this request', 'server_error', null);
}

function apiError(status: number, message: string, type: string, code: string | null): FakeReply {
  return { kind: 'error', status, message, type, code };
}

function write(response: ServerResponse, reply: FakeReply, request: RecordedRequest): void {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-request-id': `req_${randomBytes(8).toString('hex')}` };
  switch (reply.kind) {
    case 'completion': {
      response.writeHead(200, headers).end(JSON.stringify(completionBody(reply, request)));
      return;
    }
    case 'error': {
      if (reply.retryAfter !== undefined) headers['retry-after'] = reply.retryAfter;
      const error = { message: reply.message ?? `fake error ${reply.status}`, type: reply.type ?? defaultType(reply.status), param: null, code: reply.code ?? null };
      response.writeHead(reply.status, headers).end(JSON.stringify({ error }));
      return;
    }
    case 'raw': {
      headers['content-type'] = reply.contentType ?? 'application/json';
      response.writeHead(reply.status ?? 200, headers).end(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body));
      return;
    }
  }
}

function completionBody(reply: Extract<FakeReply, { kind: 'completion' }>, request: RecordedRequest): Record<string, unknown> {
  const toolCalls = (reply.toolCalls ?? []).map((call) => ({
    id: call.id ?? `call_${randomBytes(12).toString('hex')}`,
    type: 'function',
    function: { name: call.name, arguments: typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments) },
  }));
  const usage = reply.usage ?? { promptTokens: 10, completionTokens: 5 };
  return {
    id: `chatcmpl-${randomBytes(12).toString('hex')}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: reply.model ?? request.body.model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: reply.content ?? null,
          refusal: null,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        logprobs: null,
        finish_reason: reply.finishReason ?? (toolCalls.length > 0 ? 'tool_calls' : 'stop'),
      },
    ],
    usage: {
      prompt_tokens: usage.promptTokens,
      completion_tokens: usage.completionTokens,
      total_tokens: usage.promptTokens + usage.completionTokens,
    },
  };
}

function defaultType(status: number): string {
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'server_error';
  return 'invalid_request_error';
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    // An aborted upload is recorded with what arrived.
    request.on('error', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parseJson(raw: string): any {
  try {
    return JSON.parse(raw);
  } catch {
    return null;
  }
}
