import { closeSync, fdatasyncSync, mkdirSync, openSync, readdirSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The spool is at its bound: the message cannot be held, its sender must deliver it again later. */
export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
}

const SEGMENT_SUFFIX = '.jsonl';

/** How entries become one line of text and back (WhatsApp messages carry binary fields). */
export interface SpoolCodec {
  replacer?: (key: string, value: unknown) => unknown;
  reviver?: (key: string, value: unknown) => unknown;
}

/**
 * A local append-only spool of JSON entries, in segment files under one folder,
 * for what must not be lost while PostgreSQL is away: each append is written
 * and fdatasynced before it returns, so it survives a killed process (and a
 * power cut). `drain` hands the entries back oldest first and deletes a segment
 * only once every entry of it was handled, so a crash mid-drain hands some
 * entries again (the handler must be idempotent) and never loses one.
 *
 * Appends go to the newest segment; a drain first closes it, so entries that
 * arrive during a drain land in a new segment, handled after the older ones.
 */
export class InboundSpool<Entry> {
  private current: { fd: number; name: string } | null = null;
  private bytes = 0;
  private segments: string[] = [];
  private sequence = 0;

  constructor(
    private readonly directory: string,
    private readonly maxBytes: number,
    private readonly codec: SpoolCodec = {},
  ) {
    mkdirSync(directory, { recursive: true });
    // Segments a previous process left (it died or stopped with entries not yet stored).
    this.segments = readdirSync(directory)
      .filter((name) => name.endsWith(SEGMENT_SUFFIX))
      .sort();
    this.bytes = this.segments.reduce((total, name) => total + statSync(join(directory, name)).size, 0);
  }

  /** Entries are waiting: whatever arrives now must queue behind them to keep arrival order. */
  hasPending(): boolean {
    return this.segments.length > 0;
  }

  /** Bytes held, across segments. */
  size(): number {
    return this.bytes;
  }

  /** Writes the entry durably; throws SpoolFullError past the bound. */
  append(entry: Entry): void {
    const line = `${JSON.stringify(entry, this.codec.replacer as never)}\n`;
    const length = Buffer.byteLength(line);
    if (this.bytes + length > this.maxBytes) {
      throw new SpoolFullError(`inbound spool is full (${this.bytes} of ${this.maxBytes} bytes)`);
    }
    if (this.current === null) {
      // Names sort in creation order: a millisecond timestamp, then a counter within the process.
      const name = `${String(Date.now()).padStart(15, '0')}-${String(process.pid).padStart(7, '0')}-${String(this.sequence++).padStart(6, '0')}${SEGMENT_SUFFIX}`;
      this.current = { fd: openSync(join(this.directory, name), 'a'), name };
      this.segments.push(name);
    }
    writeSync(this.current.fd, line);
    fdatasyncSync(this.current.fd);
    this.bytes += length;
  }

  /**
   * Hands every entry to `handle`, oldest first, one at a time. Stops at the
   * first entry whose handler throws (the database is still away) and returns
   * false: that segment stays, whole, for the next drain. True when the spool
   * is empty.
   */
  async drain(handle: (entry: Entry) => Promise<void>): Promise<boolean> {
    while (this.segments.length > 0) {
      const name = this.segments[0];
      if (this.current?.name === name) this.closeCurrent();
      const path = join(this.directory, name);
      const size = statSync(path).size;
      for (const entry of this.read(path)) {
        try {
          await handle(entry);
        } catch {
          return false;
        }
      }
      unlinkSync(path);
      this.segments.shift();
      this.bytes = Math.max(0, this.bytes - size);
    }
    return true;
  }

  close(): void {
    this.closeCurrent();
  }

  private closeCurrent(): void {
    if (this.current === null) return;
    closeSync(this.current.fd);
    this.current = null;
  }

  /** The entries of a segment; a last line cut short (a crash mid-write, before its fdatasync) is skipped. */
  private read(path: string): Entry[] {
    const entries: Entry[] = [];
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (line === '') continue;
      try {
        entries.push(JSON.parse(line, this.codec.reviver as never) as Entry);
      } catch {
        // Only the unfinished tail of an interrupted append can be malformed; it was never acknowledged.
      }
    }
    return entries;
  }
}
