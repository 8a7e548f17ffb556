import { and, eq } from 'drizzle-orm';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, type MockInstance, vi } from 'vitest';
import { DATABASE, type Database } from '../src/database/database.js';
import { messages } from '../src/database/schema.js';
import { SandboxTransport } from '../src/whatsapp/transport/sandbox.transport.js';
import { request, startTestApp, type TestApp } from './support/app.js';
import { createTestDatabase, type TestDatabase } from './support/postgres.js';
import { freePort, waitFor } from './support/processes.js';

// The built chat, as `npm run chat` runs it; `npm test` builds first.
const CHAT = join(import.meta.dirname, '..', 'dist', 'chat.js');
const ADMIN_KEY = 'admin-key-for-terminal-chat-tests-0123';
const DEMO_SHOP = 'Pet Shop Demo Oxy';
const DEMO_OWNER = '+5511999990000';

interface ChatRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs dist/chat.js with `input` piped on stdin, in an empty folder and an
 * environment without OXY_API_KEY or DATA_DIR unless given, so no key of the
 * machine is picked up by accident.
 */
async function runChat(args: string[], input: string, env: Record<string, string> = {}, killAfterMs = 50_000): Promise<ChatRun> {
  const cwd = mkdtempSync(join(tmpdir(), 'oxy-chat-'));
  const child = spawn(process.execPath, [CHAT, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const [code] = await once(child, 'exit');
  clearTimeout(killer);
  rmSync(cwd, { recursive: true, force: true });
  return { code: code as number | null, stdout, stderr };
}

describe('npm run chat: the assistant from a terminal, through a sandbox instance', () => {
  let testDatabase: TestDatabase;
  let server: TestApp;
  let demoKey: string;
  let inbound: MockInstance<SandboxTransport['inboundAcknowledged']>;

  const api = (method: string, path: string, body?: unknown) => request(server.baseUrl, method, path, { token: demoKey, body });
  const terminalChatInstances = async () =>
    ((await api('GET', '/api/whatsapp/instances?limit=200')).body.data as { id: string; name: string; provider: string; status: string }[]).filter(
      (instance) => instance.name === 'terminal-chat',
    );

  beforeAll(async () => {
    testDatabase = await createTestDatabase('terminal_chat');
    // The demo seed runs against the empty database, as on a newcomer's first npm start.
    server = await startTestApp({
      DATABASE_URL: testDatabase.url,
      SEED_DEMO: 'true',
      ADMIN_API_KEY: ADMIN_KEY,
      OUTBOUND_MIN_GAP_MS: '0',
      OUTBOUND_JITTER_MS: '0',
      // Few enough that a chat of a handful of lines meets the limit.
      INBOUND_RATE_LIMIT_PER_MINUTE: '3',
    });
    demoKey = readFileSync(join(server.config.dataDir, 'demo-api-key'), 'utf8').trim();
    inbound = vi.spyOn(server.app.get(SandboxTransport), 'inboundAcknowledged');
  });

  afterAll(async () => {
    await server?.close();
    await testDatabase?.drop();
  });

  it('the demo seed keeps the demo key in DATA_DIR/demo-api-key, readable by its owner only', async () => {
    const file = join(server.config.dataDir, 'demo-api-key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(demoKey).toMatch(/^oxy_[\w-]{43}$/);
    const me = await api('GET', '/api/organizations/me');
    expect(me.status).toBe(200);
    expect(me.body.name).toBe(DEMO_SHOP);
  });

  it('with only DATA_DIR (the demo key file): creates and pairs the sandbox instance, delivers the line, exits 0 at the end of input', async () => {
    const run = await runChat(['--url', server.baseUrl, '--phone', '5511912340001', '--wait', '3'], 'oi\n', {
      DATA_DIR: server.config.dataDir,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('Creating the sandbox instance "terminal-chat"');
    expect(run.stderr).toContain(`Talking to "${DEMO_SHOP}" as a customer (+5511912340001, "Cliente Teste")`);
    expect(run.stdout).toContain('você> oi');

    const [instance, ...others] = await terminalChatInstances();
    expect(others).toEqual([]);
    expect(instance).toMatchObject({ provider: 'sandbox', status: 'connected' });
    expect(inbound).toHaveBeenCalledWith(instance.id, { from: '5511912340001', text: 'oi', pushName: 'Cliente Teste' });
  }, 60_000);

  it('prints what the shop sends to the sender while it waits, a person\'s reply included, as "<shop>> text"', async () => {
    const phone = '5511912340003';
    const chat = runChat(['--url', server.baseUrl, '--key', demoKey, '--phone', phone, '--wait', '15'], 'tem horário amanhã?\n');
    await waitFor(() => inbound.mock.calls.some(([, message]) => message.from === phone), 20_000);
    const [instance] = await terminalChatInstances();
    for (const text of ['Olá! Aqui é a Ana, da recepção.', 'Amanhã temos:\n- 10h\n- 14h']) {
      const sent = await api('POST', '/api/whatsapp/send/text', { instanceId: instance.id, to: phone, text });
      expect(sent.status).toBe(202);
    }
    // Sent to another number: not this conversation.
    await api('POST', '/api/whatsapp/send/text', { instanceId: instance.id, to: '5511912349999', text: 'Outra conversa' });

    const run = await chat;
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n');
    const indent = ' '.repeat(`${DEMO_SHOP}> `.length);
    expect(lines).toContain(`${DEMO_SHOP}> Olá! Aqui é a Ana, da recepção.`);
    expect(run.stdout).toContain(`${DEMO_SHOP}> Amanhã temos:\n${indent}- 10h\n${indent}- 14h\n`);
    expect(run.stdout).not.toContain('Outra conversa');
    expect(run.stdout).not.toContain('(sem resposta ainda...)');
  }, 60_000);

  // Needs the inbound pipeline (it answers each inbound message through the instance).
  it("prints the shop's reply to the sender, reusing the instance", async () => {
    const run = await runChat(['--url', server.baseUrl, '--key', demoKey, '--phone', '+5511912340002'], 'oi\n');
    expect(run.code, run.stderr).toBe(0);
    const [instance, ...others] = await terminalChatInstances();
    expect(others).toEqual([]);

    const database = server.app.get<Database>(DATABASE);
    const stored = await database.systemDb
      .select()
      .from(messages)
      .where(and(eq(messages.instanceId, instance.id), eq(messages.remotePhone, '+5511912340002'), eq(messages.direction, 'inbound')));
    expect(stored.map((message) => message.body)).toEqual(['oi']);

    const outbound = (await api('GET', `/api/sandbox/instances/${instance.id}/outbound`)).body.data as { to: string; text: string | null }[];
    const replies = outbound.filter((sent) => sent.to === '5511912340002');
    expect(replies.length, run.stdout).toBeGreaterThan(0);
    // The offline menu agent greets a new customer naming the shop, then lists its options.
    const greeting = replies[0].text ?? '';
    expect(greeting).toContain(DEMO_SHOP);
    // The reply is printed as "<shop name>> <text>", its first line on the shop's line.
    expect(run.stdout.split('\n')).toContain(`${DEMO_SHOP}> ${greeting.split('\n')[0]}`);
    expect(run.stdout).not.toContain('(sem resposta ainda...)');
  }, 60_000);

  // Over the rate limit (3 turns a minute here) a turn waits for its window after a "wait a moment" notice: the chat waits too.
  it('prints the replies of a line the rate limit deferred, after its notice, before the next line and before exiting', async () => {
    const lines = [
      { text: 'oi', reply: 'Bem-vindo(a)' },
      { text: 'menu', reply: 'Como posso ajudar?' },
      { text: 'menu', reply: 'Como posso ajudar?' },
      { text: '1', reply: 'Nossos serviços:' },
      { text: '3', reply: '*Tosa*, ótimo! Para qual dia?' },
    ];
    const input = lines.map((line) => `${line.text}\n`).join('');
    const run = await runChat(['--url', server.baseUrl, '--key', demoKey, '--phone', '5511912340004', '--wait', '5'], input, {}, 170_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).not.toContain('(sem resposta ainda...)');
    // Each line's reply is printed after the line and before the next one is sent.
    let from = 0;
    for (const [index, line] of lines.entries()) {
      const sent = run.stdout.indexOf(`você> ${line.text}\n`, from);
      const next = index + 1 < lines.length ? run.stdout.indexOf(`você> ${lines[index + 1].text}\n`, sent + 1) : run.stdout.length;
      const reply = run.stdout.indexOf(line.reply, sent);
      expect(sent, run.stdout).toBeGreaterThanOrEqual(from);
      expect(reply, `${line.text}:\n${run.stdout}`).toBeGreaterThan(sent);
      expect(reply, `${line.text}:\n${run.stdout}`).toBeLessThan(next);
      from = sent + 1;
    }
    // The fourth turn of the minute was the deferred one.
    const notice = run.stdout.indexOf(`${DEMO_SHOP}> Recebi suas mensagens! Aguarde um instante`);
    expect(notice, run.stdout).toBeGreaterThan(run.stdout.indexOf('você> 1\n'));
    expect(notice, run.stdout).toBeLessThan(run.stdout.indexOf('Nossos serviços:'));
  }, 180_000);

  it("--as owner writes from the shop's first owner number", async () => {
    const calls = inbound.mock.calls.length;
    const run = await runChat(['--url', server.baseUrl, '--key', demoKey, '--as', 'owner', '--wait', '1'], 'bom dia\n');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`as the owner (${DEMO_OWNER}, "Dono")`);
    expect(await terminalChatInstances()).toHaveLength(1);
    expect(inbound.mock.calls.slice(calls).map(([, message]) => message)).toEqual([
      { from: DEMO_OWNER.slice(1), text: 'bom dia', pushName: 'Dono' },
    ]);
  }, 60_000);

  it('--as owner for a shop without owner numbers says how to add one', async () => {
    const created = await request(server.baseUrl, 'POST', '/api/admin/organizations', { token: ADMIN_KEY, body: { name: 'Sem Dono' } });
    const run = await runChat(['--url', server.baseUrl, '--key', created.body.apiKey.key, '--as', 'owner'], '');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('"Sem Dono" has no owner number');
    expect(run.stderr).toContain(`curl -X PATCH ${server.baseUrl}/api/organizations/me`);
    expect(run.stderr).toContain('authorizedOwnerNumbers');
  });

  it('without a key anywhere, says where one comes from', async () => {
    const emptyDataDir = mkdtempSync(join(tmpdir(), 'oxy-chat-data-'));
    const run = await runChat(['--url', server.baseUrl], '', { DATA_DIR: emptyDataDir });
    rmSync(emptyDataDir, { recursive: true, force: true });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('No API key: pass --key <key> or set OXY_API_KEY');
    expect(run.stderr).toContain(join(emptyDataDir, 'demo-api-key'));
  });

  it("shows the server's error with a hint: a refused key, a server that is not running", async () => {
    const refused = await runChat(['--url', server.baseUrl], '', { OXY_API_KEY: 'oxy_not-a-key' });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/GET \/api\/organizations\/me failed: 401 Unauthorized: .+ \(request [\w-]+\)/);
    expect(refused.stderr).toContain('The server refused the API key from OXY_API_KEY');

    const down = `http://127.0.0.1:${await freePort()}`;
    const unreachable = await runChat(['--url', down, '--key', demoKey], '');
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toContain(`Cannot reach the Oxy server at ${down} (ECONNREFUSED)`);
    expect(unreachable.stderr).toContain('npm start');
  });
});
