import { closeSync, ftruncateSync, openSync, write, writeSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { forEachLimited } from '../common/concurrency.js';
import { PRIVATE_FILE_MODE, removeFile, writeFileAtomic } from './atomic-file.js';
import { type KeyChange, keyFileName } from './session-codec.js';


export const JOURNAL_FILE = 'keys.journal';
const COMPACT_AFTER_BYTES = 4 * 1024 * 1024;
/**
 * Records up to this size are appended with a synchronous write (a message
 * turn's session record is 2-4 KB); larger ones (a group send's many session
 * records, a history sync) go through the thread pool, so a page cache under
 * pressure can stall the event loop for a small write at most.
 */
const SYNC_APPEND_MAX_BYTES = 64 * 1024;
const writeAsync = promisify(write);
/** File operations of one batch under way at once: a history sync's thousands of keys must not exhaust file descriptors. */
export const PARALLEL_FILE_OPERATIONS = 32;

/** A record: the JSON of its changes, a tab, their CRC-32 in hex, a newline. JSON never holds a raw tab or newline. */
export function frameRecord(changes: KeyChange[]): string {
  const payload = JSON.stringify(changes);
  return `${payload}\t${crc32(payload).toString(16)}\n`;
}

/**
 * The records of a journal, in order, up to the first one that is cut short or
 * fails its checksum: a process killed mid-append leaves at most its last record
 * torn, and nothing after a bad record can be trusted to follow it.
 */
export function parseRecords(text: string): KeyChange[][] {
  const records: KeyChange[][] = [];
  for (let start = 0, end = text.indexOf('\n'); end !== -1; start = end + 1, end = text.indexOf('\n', start)) {
    const line = text.slice(start, end);
    const tab = line.lastIndexOf('\t');
    const payload = line.slice(0, tab);
    if (tab === -1 || crc32(payload).toString(16) !== line.slice(tab + 1)) break;
    const changes = parseChanges(payload);
    if (changes === null) break;
    records.push(changes);
  }
  return records;
}

function parseChanges(payload: string): KeyChange[] | null {
  let changes: unknown;
  try {
    changes = JSON.parse(payload);
  } catch {
    return null;
  }
  const isChange = (change: unknown) =>
    Array.isArray(change) &&
    change.length === 3 &&
    typeof change[0] === 'string' &&
    typeof change[1] === 'string' &&
    (typeof change[2] === 'string' || change[2] === null);
  return Array.isArray(changes) && changes.every(isChange) ? (changes as KeyChange[]) : null;
}

/**
 * The keys of one session folder: `keys/{type}-{id}.json` files, with a
 * write-ahead journal (`keys.journal`) in front of them.
 *
 * A key's first write creates its file, so the folder always lists every key. A
 * rewrite or deletion of a key that has a file is appended to the journal instead
 * (one write per batch, no temp file, no rename) and held in memory until
 * compaction writes it to the key's file. Compaction runs at open (after
 * replaying what a killed process journaled), when the journal grows past a few
 * MB, and at close; it writes the files first and deletes the journal last, so a
 * crash anywhere replays to the same values. No fsync, as for the key files
 * before: a write that reached the OS survives the process being killed.
 *
 * Small appends are synchronous system calls, as the inbound spool's are: a
 * record of a few KB into the page cache takes microseconds, less than the round
 * trip through libuv's thread pool that an async write costs on every message
 * turn, and it leaves the pool's four threads to the file writes and fsyncs that
 * do wait on the disk.
 *
 * Writes and compactions run one at a time, in call order.
 */
export class SessionKeyFiles {
  /** Journaled changes not yet written to their files, by file name (ids that share a file share an entry). */
  private readonly pending = new Map<string, KeyChange>();
  /** File descriptor of the open journal. */
  private journal: number | null = null;
  private journalBytes = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(
    private readonly folder: string,
    /** Names of the key files known to exist; a hint only: a key missing here gets its file written directly. */
    private readonly files: Set<string>,
  ) {}

  /** Replays and compacts what a previous process left in the journal. */
  static async open(folder: string): Promise<SessionKeyFiles> {
    const files = new Set(await readdir(join(folder, 'keys')).catch(() => [] as string[]));
    const keys = new SessionKeyFiles(folder, files);
    const journal = await readFile(keys.journalPath, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (journal !== null) {
      for (const record of parseRecords(journal)) keys.hold(record);
      await keys.compactNow();
    }
    return keys;
  }

  private get journalPath(): string {
    return join(this.folder, JOURNAL_FILE);
  }

  /** The encoded value of a key, or null when it has none. */
  async read(type: string, id: string): Promise<string | null> {
    const pending = this.pending.get(keyFileName(type, id));
    if (pending !== undefined) return pending[2];
    // Only a missing file means "no key": any other failure (EMFILE, EIO) must not pass for one.
    return readFile(join(this.folder, 'keys', keyFileName(type, id)), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
  }

  write(changes: KeyChange[]): Promise<void> {
    return this.serially(async () => {
      const journaled: KeyChange[] = [];
      const direct: KeyChange[] = [];
      for (const change of changes) {
        const name = keyFileName(change[0], change[1]);
        const known = this.pending.has(name) || this.files.has(name);
        (known && !this.closed ? journaled : direct).push(change);
      }
      if (journaled.length > 0) await this.append(journaled);
      await forEachLimited(direct, PARALLEL_FILE_OPERATIONS, (change) => this.writeFile(change));
      if (this.journalBytes > COMPACT_AFTER_BYTES) await this.compactNow();
    });
  }

  /** Writes every journaled change to its file and releases the journal; later writes go straight to files. */
  close(): Promise<void> {
    return this.serially(async () => {
      await this.compactNow();
      this.closed = true;
    });
  }

  /** Releases the journal without writing anything: the session is being deleted. */
  discard(): Promise<void> {
    return this.serially(async () => {
      this.closeJournal();
      this.pending.clear();
      this.closed = true;
    });
  }

  private async append(changes: KeyChange[]): Promise<void> {
    const journal = (this.journal ??= openSync(this.journalPath, 'a', PRIVATE_FILE_MODE));
    const record = Buffer.from(frameRecord(changes));
    try {
      for (let written = 0; written < record.length; ) {
        if (record.length <= SYNC_APPEND_MAX_BYTES) written += writeSync(journal, record, written);
        else written += (await writeAsync(journal, record, written, record.length - written, null)).bytesWritten;
      }
    } catch (error) {
      // Cut back to the last whole record, or every record appended after this one would be lost at replay.
      try {
        ftruncateSync(journal, this.journalBytes);
      } catch {
        // Nothing more to try: the write's own error is the one to report.
      }
      throw error;
    }
    this.journalBytes += record.length;
    this.hold(changes);
  }

  private hold(changes: KeyChange[]): void {
    for (const change of changes) this.pending.set(keyFileName(change[0], change[1]), change);
  }

  private async compactNow(): Promise<void> {
    this.closeJournal();
    await forEachLimited([...this.pending.values()], PARALLEL_FILE_OPERATIONS, (change) => this.writeFile(change));
    await removeFile(this.journalPath);
    this.pending.clear();
    this.journalBytes = 0;
  }

  private closeJournal(): void {
    const journal = this.journal;
    this.journal = null;
    if (journal !== null) closeSync(journal);
  }

  private async writeFile([type, id, encoded]: KeyChange): Promise<void> {
    const name = keyFileName(type, id);
    const path = join(this.folder, 'keys', name);
    if (encoded === null) {
      await removeFile(path);
      this.files.delete(name);
    } else {
      await writeFileAtomic(path, encoded, false);
      this.files.add(name);
    }
  }

  private serially(work: () => Promise<void>): Promise<void> {
    const result = this.queue.then(work, work);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
