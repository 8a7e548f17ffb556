/**
 * A child process that writes a WhatsApp session as fast as a busy connection
 * would, until it is killed. session-crash.test.ts SIGKILLs it mid-write and then
 * checks what it left behind.
 *
 *   node --import tsx test/support/session-writer.ts <kind> <location> <organizationId> <instanceId>
 *
 * kind: `file` (location = root folder), `postgres` (location = database URL) or
 * `baileys` (Baileys' own useMultiFileAuthState; location = session folder, ids unused).
 * Prints `ready` once the first round of writes has completed.
 */
import { randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { SessionRef } from '../../src/session/auth-state-store.js';
import type { AuthenticationState, SignalDataSet } from '../../src/whatsapp/transport/baileys-auth.js';

const WRITER_KINDS = ['file', 'postgres', 'baileys'] as const;
type WriterKind = (typeof WRITER_KINDS)[number];

/** Pre-keys generated (and the previous batch consumed) per round, as after a pre-key upload. */
export const PRE_KEY_BATCH = 30;
/** Signal sessions and sender keys are around this size once a chat has history. */
export const VALUE_BYTES = 1500;
const SESSION_IDS = 16;
const WRITES_PER_ROUND = 4;

interface WriterSession {
  state: AuthenticationState;
  saveCreds(): Promise<void>;
}

/** Imports only what the kind needs: the test boots this process 90 times, so start-up time is test time. */
async function openSession(kind: WriterKind, location: string, ref: SessionRef): Promise<WriterSession> {
  switch (kind) {
    case 'file': {
      const { FileAuthStateStore } = await import('../../src/session/file-auth-state.store.js');
      const store = await FileAuthStateStore.create(location, join(location, 'fallback'), { backups: null });
      return store.open(ref);
    }
    case 'postgres': {
      const { PostgresDatabase } = await import('../../src/database/postgres-database.js');
      const { PostgresAuthStateStore } = await import('../../src/session/postgres-auth-state.store.js');
      return new PostgresAuthStateStore(PostgresDatabase.connect(location, 4)).open(ref);
    }
    case 'baileys': {
      const { useMultiFileAuthState } = await import('../../src/whatsapp/transport/baileys-auth.js');
      return useMultiFileAuthState(location);
    }
  }
}

const sessionId = (index: number) => `55119876543${String(index % SESSION_IDS).padStart(2, '0')}.0`;
const senderKeyId = (index: number) => `120363025246125888@g.us::55119876543${String(index % SESSION_IDS).padStart(2, '0')}::0`;

/**
 * One round of what a live connection writes: sessions and sender keys after
 * messages (one session deleted, as when a contact resets it), a pre-key batch
 * with the previous batch consumed, and the creds that count pre-keys.
 */
async function writeRound(session: WriterSession, round: number): Promise<void> {
  const { creds, keys } = session.state;
  const conversations: SignalDataSet = { session: {}, 'sender-key': {} };
  for (let offset = 0; offset < WRITES_PER_ROUND; offset++) {
    const index = round * WRITES_PER_ROUND + offset;
    conversations.session![sessionId(index)] = randomBytes(VALUE_BYTES);
    conversations['sender-key']![senderKeyId(index)] = randomBytes(VALUE_BYTES);
  }
  conversations.session![sessionId(round * WRITES_PER_ROUND + WRITES_PER_ROUND)] = null;

  const firstPreKeyId = creds.nextPreKeyId;
  const generated: SignalDataSet = { 'pre-key': {} };
  const consumed: SignalDataSet = { 'pre-key': {} };
  for (let offset = 0; offset < PRE_KEY_BATCH; offset++) {
    generated['pre-key']![firstPreKeyId + offset] = { public: randomBytes(33), private: randomBytes(32) };
    if (firstPreKeyId - PRE_KEY_BATCH + offset > 0) consumed['pre-key']![firstPreKeyId - PRE_KEY_BATCH + offset] = null;
  }
  // Baileys mutates creds in place, then emits creds.update; the connection calls saveCreds.
  creds.nextPreKeyId = firstPreKeyId + PRE_KEY_BATCH;
  creds.firstUnuploadedPreKeyId = creds.nextPreKeyId;

  await Promise.all([keys.set(conversations), keys.set(generated), keys.set(consumed), session.saveCreds()]);
}

async function main(args: string[]): Promise<void> {
  const [kind, location, organizationId, instanceId] = args;
  if (!WRITER_KINDS.includes(kind as WriterKind) || location === undefined) {
    throw new Error(`usage: session-writer.ts <${WRITER_KINDS.join('|')}> <location> <organizationId> <instanceId>`);
  }
  const session = await openSession(kind as WriterKind, location, { organizationId, instanceId });
  await writeRound(session, 0);
  process.stdout.write('ready\n');
  // No pauses: the parent kills this process at a random moment, most likely mid-write.
  for (let round = 1; ; round++) await writeRound(session, round);
}

// The test imports the constants above; only a process started on this file writes.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    process.stderr.write(`session writer failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
