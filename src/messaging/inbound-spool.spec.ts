import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BufferJSON } from '../whatsapp/transport/baileys-auth.js';
import { InboundSpool, SpoolFullError } from './inbound-spool.js';

describe('InboundSpool', () => {
  const folders: string[] = [];
  const folder = () => {
    const path = mkdtempSync(join(tmpdir(), 'oxy-spool-'));
    folders.push(path);
    return path;
  };
  afterEach(() => folders.splice(0).forEach((path) => rmSync(path, { recursive: true, force: true })));

  it('hands entries back oldest first, including those appended during the drain, and is empty afterwards', async () => {
    const spool = new InboundSpool<{ n: number }>(folder(), 1 << 20);
    for (let n = 0; n < 5; n += 1) spool.append({ n });
    const seen: number[] = [];
    expect(
      await spool.drain(async ({ n }) => {
        seen.push(n);
        if (n === 1) spool.append({ n: 100 + n });
      }),
    ).toBe(true);
    expect(seen).toEqual([0, 1, 2, 3, 4, 101]);
    expect(spool.hasPending()).toBe(false);
    expect(spool.size()).toBe(0);
  });

  it('keeps a segment whole when the handler fails, and a new process finds it after a crash', async () => {
    const path = folder();
    const first = new InboundSpool<{ n: number }>(path, 1 << 20);
    first.append({ n: 1 });
    first.append({ n: 2 });
    expect(await first.drain(async () => undefined)).toBe(true);
    first.append({ n: 3 });
    first.append({ n: 4 });
    expect(await first.drain(async ({ n }) => {
      if (n === 4) throw new Error('database down');
    })).toBe(false);
    // The process dies here without closing anything; its successor opens the same folder.
    const second = new InboundSpool<{ n: number }>(path, 1 << 20);
    expect(second.hasPending()).toBe(true);
    const seen: number[] = [];
    expect(await second.drain(async ({ n }) => void seen.push(n))).toBe(true);
    expect(seen).toEqual([3, 4]);
    expect(readdirSync(path)).toEqual([]);
  });

  it('skips a last line cut short by a crash mid-write', async () => {
    const path = folder();
    const spool = new InboundSpool<{ n: number }>(path, 1 << 20);
    spool.append({ n: 1 });
    appendFileSync(join(path, readdirSync(path)[0]), '{"n":');
    const seen: number[] = [];
    await new InboundSpool<{ n: number }>(path, 1 << 20).drain(async ({ n }) => void seen.push(n));
    expect(seen).toEqual([1]);
  });

  it('refuses past its bound, and takes entries again once drained', async () => {
    const spool = new InboundSpool<{ text: string }>(folder(), 100);
    spool.append({ text: 'x'.repeat(40) });
    expect(() => spool.append({ text: 'y'.repeat(60) })).toThrow(SpoolFullError);
    await spool.drain(async () => undefined);
    expect(() => spool.append({ text: 'y'.repeat(60) })).not.toThrow();
  });

  it('round-trips the binary fields of WhatsApp messages through the codec intake uses', async () => {
    const spool = new InboundSpool<{ key: Buffer }>(folder(), 1 << 20, BufferJSON);
    spool.append({ key: Buffer.from([1, 2, 3]) });
    let key: Buffer | undefined;
    await spool.drain(async (entry) => void (key = entry.key));
    expect(Buffer.isBuffer(key) && [...key]).toEqual([1, 2, 3]);
  });
});
