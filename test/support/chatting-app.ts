import { and, eq } from 'drizzle-orm';
import { expect } from 'vitest';
import { DATABASE, type Database } from '../../src/database/database.js';
import { messages } from '../../src/database/schema.js';
import { InboundIntakeService } from '../../src/messaging/inbound-intake.service.js';
import { type SandboxOutboundMessage, SandboxTransport } from '../../src/whatsapp/transport/sandbox.transport.js';
import { type JsonResponse, request, startTestApp, type TestApp } from './app.js';
import { type FakeOpenAi, startFakeOpenAi } from './fake-openai.js';
import { createTestDatabase } from './postgres.js';
import { waitFor } from './processes.js';
import type { TestShop } from './shop.js';

/**
 * The application as the inbound-pipeline tests drive it: customers write to a
 * shop's sandbox number, the pipeline answers, the tests read what was sent.
 */

/** The app on a database of its own; close() also drops the database. */
export interface ChattingApp extends TestApp {
  db: Database;
  sandbox: SandboxTransport;
}

/** A chatting app whose model is the fake OpenAI server (test/support/fake-openai.ts). */
export interface ChattingAppWithModel extends ChattingApp {
  fake: FakeOpenAi;
}

/** Creates a database named after `databaseLabel` and boots the app on it with `overrides` on top of the test environment. */
export async function startChattingApp(databaseLabel: string, overrides: Record<string, string>): Promise<ChattingApp> {
  const database = await createTestDatabase(databaseLabel);
  try {
    const server = await startTestApp({
      DATABASE_URL: database.url,
      // Replies go out at once: the pacer's human-like gaps would only slow the tests down.
      OUTBOUND_MIN_GAP_MS: '0',
      OUTBOUND_JITTER_MS: '0',
      ...overrides,
    });
    return {
      ...server,
      db: server.app.get<Database>(DATABASE),
      sandbox: server.app.get(SandboxTransport),
      close: async () => {
        await server.close();
        await database.drop();
      },
    };
  } catch (error) {
    await database.drop();
    throw error;
  }
}

/** startChattingApp with the fake OpenAI server as the model; `overrides` must name OPENAI_API_KEY, or no agent asks the model. */
export async function startChattingAppWithModel(databaseLabel: string, overrides: Record<string, string>): Promise<ChattingAppWithModel> {
  const fake = await startFakeOpenAi();
  try {
    const server = await startChattingApp(databaseLabel, {
      OPENAI_BASE_URL: fake.url,
      // Short, so a reply the fake delays past it provokes a timeout without slowing every test.
      OPENAI_TIMEOUT_MS: '1000',
      // The tests' few customers write many turns a minute; the per-contact limit is not what they check.
      INBOUND_RATE_LIMIT_PER_MINUTE: '120',
      ...overrides,
    });
    return {
      ...server,
      fake,
      close: async () => {
        await server.close();
        await fake.close();
      },
    };
  } catch (error) {
    await fake.close();
    throw error;
  }
}

/** Fails a test that starts with answers an earlier test scripted and left unused: they would answer this test's turns. */
export function expectNoScriptedRepliesLeft(fake: FakeOpenAi): void {
  expect(fake.pending, 'a previous test left scripted answers unused').toBe(0);
}

/** Phone numbers (digits, as the sandbox takes them) `prefix` + 01, 02, ...: a customer of each test alone, so tests do not read each other's replies. */
export function customerPhones(prefix: string): () => string {
  let count = 0;
  return () => `${prefix}${String((count += 1)).padStart(2, '0')}`;
}

export interface ConversationSummary {
  id: string;
  contactId: string;
  contactPhone: string;
  state: string;
  agent: string;
}

export interface CustomerChat {
  /** The shop's own API, with its key. */
  api(method: string, path: string, body?: unknown): Promise<JsonResponse>;
  /** A customer's text message, as WhatsApp delivers it to the shop's sandbox number. */
  write(from: string, text: string, options?: { messageId?: string }): Promise<JsonResponse>;
  /**
   * A customer's text in a group chat (`groupJid`, `...@g.us`) the shop's number is in, as WhatsApp
   * delivers it (the sandbox has no groups); resolves once it is stored. Needs INBOUND_IGNORE_GROUPS=false.
   */
  writeInGroup(from: string, groupJid: string, text: string, messageId: string): Promise<void>;
  /** Writes, then waits (20 s at most) for `count` new messages to that phone; resolves with the texts of all that came. */
  say(from: string, text: string, count?: number): Promise<string[]>;
  /** Every message the shop's number sent to `phone`, oldest first. */
  sentTo(phone: string): SandboxOutboundMessage[];
  /** The stored inbound rows from `phone`, oldest first. */
  inboundRows(phone: string): Promise<(typeof messages.$inferSelect)[]>;
  /** The shop's conversation with `phone`, as the conversations API lists it. */
  conversationOf(phone: string): Promise<ConversationSummary | undefined>;
}

/**
 * Talks to a shop as its customers do. Takes the app and the shop through a
 * function, read at each call, because test files make these helpers at the
 * top of a describe block, before beforeAll has started the app.
 */
export function customerChat(
  current: () => { server: TestApp; shop: TestShop },
  options: { pushNameOf?: (phone: string) => string } = {},
): CustomerChat {
  const pushNameOf = options.pushNameOf ?? (() => 'Cliente');
  const api = (method: string, path: string, body?: unknown) => {
    const { server, shop } = current();
    return request(server.baseUrl, method, path, { token: shop.key, body });
  };
  const write = (from: string, text: string, { messageId }: { messageId?: string } = {}) =>
    api('POST', `/api/sandbox/instances/${current().shop.instanceId}/inbound`, { from, text, pushName: pushNameOf(from), messageId });
  const writeInGroup = (from: string, groupJid: string, text: string, messageId: string) => {
    const { server, shop } = current();
    return server.app.get(InboundIntakeService).accept({ organizationId: shop.organizationId, instanceId: shop.instanceId }, [
      {
        key: { remoteJid: groupJid, participant: `${from}@s.whatsapp.net`, fromMe: false, id: messageId },
        message: { conversation: text },
        messageTimestamp: Math.floor(Date.now() / 1000),
        pushName: pushNameOf(from),
      },
    ]);
  };
  const sentTo = (phone: string) => {
    const { server, shop } = current();
    return server.app
      .get(SandboxTransport)
      .outbound(shop.instanceId)
      .filter((message) => message.to === phone);
  };
  const say = async (from: string, text: string, count = 1) => {
    const before = sentTo(from).length;
    const sent = await write(from, text);
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    await waitFor(() => sentTo(from).length >= before + count, 20_000);
    return sentTo(from)
      .slice(before)
      .map((message) => message.text ?? '');
  };
  const inboundRows = (phone: string) =>
    current()
      .server.app.get<Database>(DATABASE)
      .systemDb.select()
      .from(messages)
      .where(and(eq(messages.remotePhone, `+${phone}`), eq(messages.direction, 'inbound')))
      .orderBy(messages.createdAt);
  const conversationOf = async (phone: string) => {
    const page = await api('GET', '/api/conversations?limit=200');
    return (page.body.data as ConversationSummary[]).find((item) => item.contactPhone === `+${phone}`);
  };
  return { api, write, writeInGroup, say, sentTo, inboundRows, conversationOf };
}
