import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { sleep } from '../support/processes.js';

/**
 * The customers of the fault runs and what they count. Each contact writes its
 * numbered messages one after another, each only once WhatsApp's server has it
 * acknowledged by the device (the server stored or spooled it); a delivery the
 * device did not acknowledge (server killed, error) is delivered again with the
 * same WhatsApp id, as WhatsApp does. The offline menu quotes every message it
 * does not understand, so what the sandbox actually sent tells which messages
 * were answered, how often, and in which order.
 */
export interface LoadPlan {
  contacts: number;
  perContact: number;
}

export const phoneOf = (contact: number) => `5511970${String(contact).padStart(6, '0')}`;
export const textOf = (contact: number, index: number) => `pedido-${contact}-${String(index).padStart(2, '0')}`;
export const whatsAppIdOf = (contact: number, index: number) => `FAULT${String(contact).padStart(5, '0')}X${String(index).padStart(5, '0')}`;

/** Delivers one message; resolves once the device acknowledged it, throws otherwise. */
export type Deliver = (message: { from: string; text: string; messageId: string }) => Promise<void>;

export interface Delivery {
  acknowledged(): number;
  /**
   * Resolves as the `count`th acknowledgement lands, not at the next look: the
   * intake acknowledges hundreds of messages in the tenth of a second a poll
   * waits, so a fault meant for the middle of the run could otherwise come after its end.
   */
  reached(count: number): Promise<void>;
  redeliveries(): number;
  done: Promise<void>;
}

export function driveCustomers(plan: LoadPlan, deliver: Deliver, deadlineMs: number): Delivery {
  let acknowledged = 0;
  let redeliveries = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const deadline = Date.now() + deadlineMs;
  const customer = async (contact: number) => {
    for (let index = 0; index < plan.perContact; index += 1) {
      for (let attempt = 0; ; attempt += 1) {
        try {
          await deliver({ from: phoneOf(contact), text: textOf(contact, index), messageId: whatsAppIdOf(contact, index) });
          break;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`message ${textOf(contact, index)} never acknowledged: ${(error as Error).message}`);
          redeliveries += 1;
          // Backing off like a real sender, so a flood of redeliveries does not starve the server that is starting.
          await sleep(Math.min(1000, 100 * 2 ** attempt) * (0.5 + Math.random()));
        }
      }
      acknowledged += 1;
      for (const waiter of waiters.filter((candidate) => candidate.count <= acknowledged)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  const done = Promise.all(Array.from({ length: plan.contacts }, (_, contact) => customer(contact))).then(() => undefined);
  const reached = (count: number) =>
    count <= acknowledged ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ count, resolve }));
  return { acknowledged: () => acknowledged, reached, redeliveries: () => redeliveries, done };
}

/**
 * What the sandbox sent, read from its record on the simulated WhatsApp side (DATA_DIR/sandbox). The record
 * keeps an instance's latest sends only (cut back past twice SandboxOptions.sentIdsKept, 10,000): a plan that
 * sends more than that would read as lost replies here.
 */
export function sentByTransport(dataDir: string, instanceId: string): { to: string; text: string | null; messageId: string }[] {
  const path = join(dataDir, 'sandbox', `${instanceId}.outbound.jsonl`);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as { to: string; text: string | null; messageId: string });
}

export interface Tally {
  sent: number;
  stored: number;
  answered: number;
  duplicates: number;
  lost: number;
  /** Contacts whose answers, in the order the transport sent them, did not follow the order they wrote in. */
  outOfOrder: number;
}

/** Counts at the transport: every numbered message should be quoted by exactly one reply, in order per contact. */
export function tally(plan: LoadPlan, sent: { to: string; text: string | null }[], stored: number): Tally {
  let answered = 0;
  let duplicates = 0;
  let outOfOrder = 0;
  for (let contact = 0; contact < plan.contacts; contact += 1) {
    const quoted = sent.filter((record) => record.to === phoneOf(contact)).flatMap((record) => record.text?.match(/pedido-\d+-\d+/g) ?? []);
    const counts = new Map<string, number>();
    for (const token of quoted) counts.set(token, (counts.get(token) ?? 0) + 1);
    for (let index = 0; index < plan.perContact; index += 1) {
      const count = counts.get(textOf(contact, index)) ?? 0;
      if (count > 0) answered += 1;
      if (count > 1) duplicates += count - 1;
    }
    const firstSeen = [...new Set(quoted)];
    const expected = Array.from({ length: plan.perContact }, (_, index) => textOf(contact, index)).filter((token) => counts.has(token));
    if (firstSeen.join() !== expected.join()) outOfOrder += 1;
  }
  const total = plan.contacts * plan.perContact;
  return { sent: total, stored, answered, duplicates, lost: total - answered, outOfOrder };
}

/**
 * One statement on a connection of its own, closed after it: the fault runs stop
 * and restart servers and databases, so no pool is kept across their steps.
 */
export async function query<Row extends Record<string, unknown>>(databaseUrl: string, text: string, params: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return (await client.query<Row>(text, params)).rows;
  } finally {
    await client.end();
  }
}

/** Customer messages of the plan stored in `messages` (rows, so a second row of one WhatsApp id would count twice). */
export async function storedCount(databaseUrl: string, instanceId: string): Promise<number> {
  const [row] = await query<{ count: string }>(
    databaseUrl,
    `SELECT count(*) FROM messages WHERE instance_id = $1 AND direction = 'inbound' AND wa_message_id LIKE 'FAULT%'`,
    [instanceId],
  );
  return Number(row.count);
}

/** Rows still on their way (a message not answered, a reply not sent). */
export async function inFlight(databaseUrl: string, instanceId: string): Promise<number> {
  const [row] = await query<{ count: string }>(
    databaseUrl,
    `SELECT count(*) FROM messages WHERE instance_id = $1 AND status IN ('received', 'processing', 'queued')`,
    [instanceId],
  );
  return Number(row.count);
}

/**
 * Where each unanswered message of the plan stopped: its row's status and error,
 * and the replies its turn stored with theirs, so a failed run says why.
 */
export async function whereLost(plan: LoadPlan, sent: { to: string; text: string | null }[], databaseUrl: string, instanceId: string): Promise<string[]> {
  const answered = new Set(sent.flatMap((record) => record.text?.match(/pedido-\d+-\d+/g) ?? []));
  const lost: string[] = [];
  for (let contact = 0; contact < plan.contacts; contact += 1) {
    for (let index = 0; index < plan.perContact; index += 1) if (!answered.has(textOf(contact, index))) lost.push(textOf(contact, index));
  }
  if (lost.length === 0) return [];
  const found = await query<{ body: string; status: string; error: string | null; replies: string | null }>(
    databaseUrl,
    `SELECT m.body, m.status, m.error,
            (SELECT string_agg(r.status || coalesce(' (' || r.error || ')', ''), ', ' ORDER BY r.created_at)
               FROM messages r WHERE r.turn_id = m.turn_id AND r.direction = 'outbound') AS replies
       FROM messages m WHERE m.instance_id = $1 AND m.direction = 'inbound' AND m.body = ANY($2)`,
    [instanceId, lost],
  );
  const rows = new Map(found.map((row) => [row.body, row]));
  return lost.map((text) => {
    const row = rows.get(text);
    if (row === undefined) return `${text}: not stored`;
    return `${text}: ${row.status}${row.error === null ? '' : ` (${row.error})`}; replies: ${row.replies ?? 'none'}`;
  });
}

export function report(label: string, figures: Tally & Record<string, number | string>): void {
  const extra = Object.entries(figures)
    .filter(([key]) => !['sent', 'stored', 'answered', 'duplicates', 'lost', 'outOfOrder'].includes(key))
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
  console.log(
    `[faults] ${label}: sent ${figures.sent}, stored ${figures.stored}, answered ${figures.answered}, ` +
      `duplicates ${figures.duplicates}, lost ${figures.lost}, out of order ${figures.outOfOrder} (${extra})`,
  );
}
