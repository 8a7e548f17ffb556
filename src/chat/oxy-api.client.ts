import type { ErrorResponseDto } from '../common/error-response.dto.js';

/** What the terminal chat reads from the API; the DTOs in src/whatsapp and src/organizations are the contract. */
export interface Organization {
  name: string;
  authorizedOwnerNumbers: string[];
}

export interface Instance {
  id: string;
  name: string;
  provider: 'baileys' | 'sandbox';
  status: string;
  lastDisconnectReason: string | null;
}

export interface InstanceStatus extends Instance {
  pairingCode: string | null;
  qr: string | null;
}

export interface SandboxOutboundMessage {
  to: string;
  kind: 'text' | 'image' | 'audio';
  text: string | null;
  messageId: string;
  status: string;
  at: string;
}

export interface ConversationMessage {
  direction: 'inbound' | 'outbound';
  status: string;
}

/** The largest page the list endpoints serve. */
const PAGE_LIMIT = 200;
const REQUEST_TIMEOUT_MS = 10_000;

/** The server could not be reached, or answered with an error; `message` is what to show, hint included. */
export class ApiRequestError extends Error {
  constructor(
    message: string,
    /** HTTP status, or null when no answer came. */
    readonly statusCode: number | null,
    /** The error's stable code, when the server gave one. */
    readonly code: string | null = null,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/** A small REST client over fetch, authenticated with an organization API key. */
export class OxyApiClient {
  constructor(
    private readonly baseUrl: string,
    private readonly apiKey: string,
    /** Where the key came from, for the hint when the server refuses it. */
    private readonly apiKeySource: string,
  ) {}

  organization(): Promise<Organization> {
    return this.request('GET', '/api/organizations/me');
  }

  /** The instance with that name, through every page of the list; null when there is none. */
  async findInstance(name: string): Promise<Instance | null> {
    for (let offset = 0; ; offset += PAGE_LIMIT) {
      const page = await this.request<{ data: Instance[]; page: { hasMore: boolean } }>(
        'GET',
        `/api/whatsapp/instances?limit=${PAGE_LIMIT}&offset=${offset}`,
      );
      const found = page.data.find((instance) => instance.name === name);
      if (found !== undefined) return found;
      if (!page.page.hasMore) return null;
    }
  }

  createSandboxInstance(name: string): Promise<InstanceStatus> {
    return this.request('POST', '/api/whatsapp/instances', { name, provider: 'sandbox' });
  }

  instanceStatus(instanceId: string): Promise<InstanceStatus> {
    return this.request('GET', `/api/whatsapp/instances/${instanceId}/status`);
  }

  reconnect(instanceId: string): Promise<Instance> {
    return this.request('POST', `/api/whatsapp/instances/${instanceId}/reconnect`);
  }

  pairSandbox(instanceId: string): Promise<{ phoneNumber: string }> {
    return this.request('POST', `/api/sandbox/instances/${instanceId}/pair`, {});
  }

  sendInbound(instanceId: string, message: { from: string; text: string; pushName: string }): Promise<{ messageId: string }> {
    return this.request('POST', `/api/sandbox/instances/${instanceId}/inbound`, message);
  }

  async sandboxOutbound(instanceId: string): Promise<SandboxOutboundMessage[]> {
    return (await this.request<{ data: SandboxOutboundMessage[] }>('GET', `/api/sandbox/instances/${instanceId}/outbound`)).data;
  }

  /** The contact whose phone is one of these spellings (digits, with and without a Brazilian mobile's ninth digit), or null. */
  async contactByPhone(spellings: readonly string[]): Promise<{ id: string } | null> {
    // The last eight digits are common to every spelling.
    const tail = spellings[0].slice(-8);
    const page = await this.request<{ data: { id: string; phone: string }[] }>('GET', `/api/contacts?q=${tail}&limit=${PAGE_LIMIT}`);
    return page.data.find((contact) => spellings.includes(contact.phone.replace(/^\+/, ''))) ?? null;
  }

  async conversationOf(contactId: string): Promise<{ id: string } | null> {
    const page = await this.request<{ data: { id: string }[] }>('GET', `/api/conversations?contactId=${contactId}&limit=1`);
    return page.data[0] ?? null;
  }

  /** The conversation's latest messages, newest first. */
  async latestMessages(conversationId: string, limit: number): Promise<ConversationMessage[]> {
    return (await this.request<{ data: ConversationMessage[] }>('GET', `/api/conversations/${conversationId}/messages?limit=${limit}`)).data;
  }

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.apiKey}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new ApiRequestError(
        `Cannot reach the Oxy server at ${this.baseUrl} (${failureReason(error)}). ` +
          'Start it in another terminal with npm start, or pass --url with where it runs.',
        null,
      );
    }
    const text = await response.text();
    if (response.ok) return (text === '' ? undefined : JSON.parse(text)) as T;
    throw this.errorFrom(method, path, response.status, text);
  }

  private errorFrom(method: string, path: string, status: number, text: string): ApiRequestError {
    let error: Partial<ErrorResponseDto> = {};
    try {
      error = JSON.parse(text) as Partial<ErrorResponseDto>;
    } catch {
      // not the API's JSON shape (a proxy, another program on that port): show the status alone
    }
    const reason = `${status}${error.error === undefined ? '' : ` ${error.error}`}`;
    const request = error.requestId === undefined ? '' : ` (request ${error.requestId})`;
    let message = `${method} ${path} failed: ${reason}: ${error.message ?? (text.slice(0, 200) || 'no details')}${request}`;
    if (status === 401) {
      message +=
        `\nThe server refused the API key from ${this.apiKeySource}. Pass the shop's key with --key <key> or OXY_API_KEY ` +
        '(the demo shop\'s key is in DATA_DIR/demo-api-key, ./data/demo-api-key by default, after the first npm start).';
    } else if (status === 404 && error.code === undefined) {
      // No such route (a resource that is missing has the code not_found): another program, or an older server.
      message += `\nIs ${this.baseUrl} an Oxy server of this version? Pass --url with where it runs.`;
    }
    return new ApiRequestError(message, status, error.code ?? null);
  }
}

/** Why fetch failed, in a few words: ECONNREFUSED, a timeout, a bad host. */
function failureReason(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return `no answer within ${REQUEST_TIMEOUT_MS / 1000} s`;
  const cause = error instanceof Error ? (error.cause as { code?: string; message?: string } | undefined) : undefined;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
