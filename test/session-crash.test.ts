import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, describe, it } from 'vitest';
import { migrate } from '../src/database/migrator.js';
import { PostgresDatabase } from '../src/database/postgres-database.js';
import { organizations, whatsappAuthCreds, whatsappAuthKeys } from '../src/database/schema.js';
import type { SessionRef } from '../src/session/auth-state-store.js';
import { parseCreds } from '../src/session/creds-validation.js';
import { FileAuthStateStore } from '../src/session/file-auth-state.store.js';
import { PostgresAuthStateStore } from '../src/session/postgres-auth-state.store.js';
import { decodeValue } from '../src/session/session-codec.js';
import { useMultiFileAuthState } from '../src/whatsapp/transport/baileys-auth.js';
import { createTestDatabase } from './support/postgres.js';
import { stopProcess } from './support/processes.js';
import { PRE_KEY_BATCH, VALUE_BYTES } from './support/session-writer.js';

const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRITER = fileURLToPath(new URL('./support/session-writer.ts', import.meta.url));
const TRIALS = 30;
const KILL_AFTER_READY_MS = { min: 20, max: 250 };
const READY_TIMEOUT_MS = 20_000;

/** What a killed writer left behind, as the next process would find it. */
interface Inspection {
  /** Files (or rows) that are empty or do not parse, named so one left over from an earlier kill counts once. */
  torn: string[];
  /** Temp files of an atomic write that never got renamed: harmless, nothing reads them. */
  strayTemporaryFiles: string[];
  /** Why the creds would not load, or null when they load and validate. */
  credsProblem: string | null;
  /** The creds counter the writer bumps by a batch on every save. */
  nextPreKeyId: number | null;
}

interface CrashTarget {
  /** The writer's arguments after its kind. */
  writerArgs: string[];
  inspect(): Promise<Inspection>;
  dispose(): Promise<void>;
}

interface StoreUnderTest {
  label: string;
  kind: 'file' | 'postgres' | 'baileys';
  /** Oxy's own adapters must survive every kill; Baileys' store is only measured. */
  asserted: boolean;
  prepare(): Promise<CrashTarget>;
}

interface CrashSummary {
  label: string;
  trials: number;
  trialsWithTornFiles: number;
  tornFiles: number;
  credsUnreadable: number;
  strayTemporaryFiles: number;
  credsProblems: string[];
  tornExamples: string[];
  credsLostProgress: string[];
}

const newRef = (): SessionRef => ({ organizationId: randomUUID(), instanceId: randomUUID() });

async function inspectFolder(folder: string): Promise<{ torn: string[]; strayTemporaryFiles: string[]; credsJson: string | null }> {
  const entries = await readdir(folder, { recursive: true });
  const torn: string[] = [];
  for (const entry of entries.filter((name) => name.endsWith('.json'))) {
    const path = join(folder, entry);
    const text = await readFile(path, 'utf8');
    let parses = text.trim().length > 0;
    try {
      JSON.parse(text);
    } catch {
      parses = false;
    }
    // The modification time tells a file torn by this kill from one an earlier kill left and nothing rewrote.
    if (!parses) torn.push(`${entry}@${(await stat(path)).mtimeMs} (${text.length} bytes)`);
  }
  const credsJson = await readFile(join(folder, 'creds.json'), 'utf8').catch(() => null);
  return { torn, strayTemporaryFiles: entries.filter((name) => name.endsWith('.tmp')), credsJson };
}

function rawCredsProblem(credsJson: string | null): string | null {
  if (credsJson === null) return 'creds.json missing';
  if (credsJson.length === 0) return 'creds.json empty';
  return parseCreds(credsJson) === null ? `creds.json does not validate (${credsJson.length} bytes)` : null;
}

/** A decoded key row is whole when it has the shape the writer wrote. */
function isWholeKey(type: string, value: unknown): boolean {
  const isBuffer = (candidate: unknown, length?: number) => Buffer.isBuffer(candidate) && (length === undefined || candidate.length === length);
  if (type === 'pre-key') {
    const pair = value as { public?: unknown; private?: unknown } | null;
    return pair !== null && typeof pair === 'object' && isBuffer(pair.public, 33) && isBuffer(pair.private, 32);
  }
  return isBuffer(value, VALUE_BYTES);
}

const stores: StoreUnderTest[] = [
  {
    label: 'oxy file',
    kind: 'file',
    asserted: true,
    async prepare() {
      const root = mkdtempSync(join(tmpdir(), 'oxy-crash-file-'));
      const ref = newRef();
      return {
        writerArgs: [root, ref.organizationId, ref.instanceId],
        async inspect() {
          const store = await FileAuthStateStore.create(root, join(root, 'fallback'), { backups: null });
          const { torn, strayTemporaryFiles, credsJson } = await inspectFolder(store.folderOf(ref));
          // Raw check first: open() would create fresh creds over a missing file and hide the loss.
          let credsProblem = rawCredsProblem(credsJson);
          let nextPreKeyId: number | null = null;
          try {
            nextPreKeyId = (await store.open(ref)).state.creds.nextPreKeyId;
          } catch (error) {
            credsProblem ??= `open() failed: ${(error as Error).message}`;
          }
          return { torn, strayTemporaryFiles, credsProblem, nextPreKeyId };
        },
        dispose: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
  {
    label: 'oxy postgres',
    kind: 'postgres',
    asserted: true,
    async prepare() {
      const testDatabase = await createTestDatabase('session_crash');
      const database = PostgresDatabase.connect(testDatabase.url, 2);
      await migrate(database);
      const [organization] = await database.systemDb.insert(organizations).values({ name: 'Crash Pet Shop' }).returning();
      const ref: SessionRef = { organizationId: organization.id, instanceId: randomUUID() };
      return {
        writerArgs: [testDatabase.url, ref.organizationId, ref.instanceId],
        async inspect() {
          const [row] = await database.systemDb.select().from(whatsappAuthCreds).where(eq(whatsappAuthCreds.instanceId, ref.instanceId));
          let credsProblem = row === undefined ? 'creds row missing' : parseCreds(row.creds) === null ? 'stored creds do not validate' : null;
          let nextPreKeyId: number | null = null;
          try {
            nextPreKeyId = (await new PostgresAuthStateStore(database).open(ref)).state.creds.nextPreKeyId;
          } catch (error) {
            credsProblem ??= `open() failed: ${(error as Error).message}`;
          }
          const keys = await database.systemDb.select().from(whatsappAuthKeys).where(eq(whatsappAuthKeys.instanceId, ref.instanceId));
          const torn = keys
            .filter((key) => {
              try {
                return !isWholeKey(key.type, decodeValue(key.type, key.value));
              } catch {
                return true;
              }
            })
            .map((key) => `${key.type}-${key.id} (${key.value.length} chars)`);
          return { torn, strayTemporaryFiles: [], credsProblem, nextPreKeyId };
        },
        async dispose() {
          await database.close();
          await testDatabase.drop();
        },
      };
    },
  },
  {
    label: 'baileys useMultiFileAuthState',
    kind: 'baileys',
    asserted: false,
    async prepare() {
      const root = mkdtempSync(join(tmpdir(), 'oxy-crash-baileys-'));
      const folder = join(root, 'session');
      return {
        writerArgs: [folder, '', ''],
        async inspect() {
          const { torn, strayTemporaryFiles, credsJson } = await inspectFolder(folder);
          // Baileys falls back to fresh creds on an unreadable creds.json, so its load never fails: it forgets.
          const { state } = await useMultiFileAuthState(folder);
          return { torn, strayTemporaryFiles, credsProblem: rawCredsProblem(credsJson), nextPreKeyId: state.creds.nextPreKeyId };
        },
        dispose: () => rm(root, { recursive: true, force: true }),
      };
    },
  },
];

/** Starts the writer, lets it write for a random moment after `ready`, and SIGKILLs it. */
async function killWriterMidWrite(kind: StoreUnderTest['kind'], args: string[]): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', WRITER, kind, ...args], {
    cwd: PROJECT_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    await waitForReady(child);
    await sleep(KILL_AFTER_READY_MS.min + Math.random() * (KILL_AFTER_READY_MS.max - KILL_AFTER_READY_MS.min));
    if (child.exitCode !== null) throw new Error(`writer exited by itself with code ${child.exitCode}`);
  } finally {
    await stopProcess(child, 'SIGKILL');
  }
}

function waitForReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => fail(`writer not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
    const fail = (reason: string) => {
      clearTimeout(timer);
      reject(new Error(`${reason}\n${stderr}`));
    };
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.split('\n').includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => fail(`writer exited before ready (code ${code}, signal ${signal})`));
  });
}

async function runTrials(store: StoreUnderTest): Promise<CrashSummary> {
  const target = await store.prepare();
  const summary: CrashSummary = {
    label: store.label,
    trials: 0,
    trialsWithTornFiles: 0,
    tornFiles: 0,
    credsUnreadable: 0,
    strayTemporaryFiles: 0,
    credsProblems: [],
    tornExamples: [],
    credsLostProgress: [],
  };
  const tornSeen = new Set<string>();
  const temporarySeen = new Set<string>();
  // Fresh creds start at 1; the writer's first save makes it 1 + PRE_KEY_BATCH.
  let previousPreKeyId = 1;
  try {
    for (let trial = 1; trial <= TRIALS; trial++) {
      await killWriterMidWrite(store.kind, target.writerArgs);
      const inspection = await target.inspect();
      summary.trials++;
      const newlyTorn = inspection.torn.filter((name) => !tornSeen.has(name));
      newlyTorn.forEach((name) => tornSeen.add(name));
      if (newlyTorn.length > 0) summary.trialsWithTornFiles++;
      summary.tornExamples.push(...newlyTorn.map((name) => `trial ${trial}: ${name}`));
      inspection.strayTemporaryFiles.forEach((name) => temporarySeen.add(name));
      if (inspection.credsProblem !== null) {
        summary.credsUnreadable++;
        summary.credsProblems.push(`trial ${trial}: ${inspection.credsProblem}`);
      }
      // The writer said ready after its first save completed, so that save at least must have survived the kill.
      if (inspection.nextPreKeyId !== null) {
        if (inspection.nextPreKeyId < previousPreKeyId + PRE_KEY_BATCH) {
          summary.credsLostProgress.push(`trial ${trial}: nextPreKeyId ${previousPreKeyId} -> ${inspection.nextPreKeyId}`);
        }
        previousPreKeyId = inspection.nextPreKeyId;
      }
    }
  } finally {
    await target.dispose();
  }
  summary.tornFiles = tornSeen.size;
  summary.strayTemporaryFiles = temporarySeen.size;
  return summary;
}

function formatTable(summaries: CrashSummary[]): string {
  const header = ['store', 'trials', 'trials with torn files', 'torn files', 'creds unreadable', 'stray .tmp files'];
  const rows = summaries.map((summary) =>
    [summary.label, summary.trials, summary.trialsWithTornFiles, summary.tornFiles, summary.credsUnreadable, summary.strayTemporaryFiles].map(String),
  );
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padEnd(widths[column])).join(' | ');
  return [line(header), widths.map((width) => '-'.repeat(width)).join('-|-'), ...rows.map(line)].join('\n');
}

describe(`session stores after SIGKILL mid-write (${TRIALS} trials each)`, () => {
  const summaries: CrashSummary[] = [];

  afterAll(() => {
    const order = stores.map((store) => store.label);
    summaries.sort((a, b) => order.indexOf(a.label) - order.indexOf(b.label));
    console.log(`crash safety of session stores\n${formatTable(summaries)}`);
  });

  // The stores run side by side: a trial is mostly a writer booting (tsx, Baileys, drizzle). The three take
  // 60-80 s on two cores; the timeout leaves room for a CI machine busy with other test files.
  it.concurrent.for(stores)('$label: what a killed writer leaves behind loads', { timeout: 150_000 }, async (store, { expect }) => {
    const summary = await runTrials(store);
    summaries.push(summary);
    expect(summary.trials).toBe(TRIALS);
    if (!store.asserted) return;
    expect(summary.tornExamples, 'torn files').toEqual([]);
    expect(summary.credsProblems, 'trials whose creds did not load').toEqual([]);
    expect(summary.credsLostProgress, 'trials whose creds lost a completed save').toEqual([]);
  });
});
