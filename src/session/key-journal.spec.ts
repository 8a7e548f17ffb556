import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { frameRecord, JOURNAL_FILE, parseRecords, SessionKeyFiles } from './key-journal.js';
import type { KeyChange } from './session-codec.js';

const folders: string[] = [];
function sessionFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'oxy-key-journal-'));
  mkdirSync(join(folder, 'keys'));
  folders.push(folder);
  return folder;
}
afterAll(() => folders.forEach((folder) => rmSync(folder, { recursive: true, force: true })));

const first: KeyChange[] = [['session', 'a.0', '"one"'], ['pre-key', '1', null]];
const second: KeyChange[] = [['session', 'a.0', '"two"']];
const third: KeyChange[] = [['sender-key', 'g@g.us::a::0', '{"x":1}']];

describe('key journal records', () => {
  it('reads every whole record, in order', () => {
    expect(parseRecords(frameRecord(first) + frameRecord(second))).toEqual([first, second]);
  });

  it('ignores a torn last record', () => {
    const torn = frameRecord(third).slice(0, 10);
    expect(parseRecords(frameRecord(first) + frameRecord(second) + torn)).toEqual([first, second]);
    // Cut just before its newline: the checksum is there but the record is not known to be whole.
    expect(parseRecords(frameRecord(first) + frameRecord(second).slice(0, -1))).toEqual([first]);
  });

  it('stops at the first record whose checksum does not match', () => {
    const damaged = frameRecord(second).replace('two', 'owt');
    expect(parseRecords(frameRecord(first) + damaged + frameRecord(third))).toEqual([first]);
  });
});

describe('session key files', () => {
  it('writes a new key as its file, journals rewrites, and compacts them at close', async () => {
    const folder = sessionFolder();
    const keys = await SessionKeyFiles.open(folder);
    const file = join(folder, 'keys', 'session-a.0.json');
    await keys.write([['session', 'a.0', '"one"']]);
    expect(readFileSync(file, 'utf8')).toBe('"one"');
    expect(existsSync(join(folder, JOURNAL_FILE))).toBe(false);

    await keys.write([['session', 'a.0', '"two"']]);
    expect(readFileSync(file, 'utf8')).toBe('"one"');
    expect(await keys.read('session', 'a.0')).toBe('"two"');
    await keys.write([['session', 'a.0', null]]);
    expect(await keys.read('session', 'a.0')).toBeNull();

    await keys.close();
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(folder, JOURNAL_FILE))).toBe(false);
  });

  it('rejects a rewrite the journal could not take and goes on serving the value before it', async () => {
    const folder = sessionFolder();
    const keys = await SessionKeyFiles.open(folder);
    await keys.write([['session', 'a.0', '"one"']]);
    // A full disk: every append to the journal fails with ENOSPC.
    symlinkSync('/dev/full', join(folder, JOURNAL_FILE));

    await expect(keys.write([['session', 'a.0', '"two"']])).rejects.toThrow(/ENOSPC/);
    expect(await keys.read('session', 'a.0')).toBe('"one"');
    await keys.discard();
  });

  it('journals a batch too large for a synchronous append (a group send) and replays it whole', async () => {
    const folder = sessionFolder();
    const ids = Array.from({ length: 100 }, (_, index) => `5511${index}.0`);
    const keys = await SessionKeyFiles.open(folder);
    await keys.write(ids.map((id): KeyChange => ['session', id, '"first"']));
    const record = `"${'x'.repeat(2_000)}"`;
    await keys.write(ids.map((id): KeyChange => ['session', id, record]));
    expect(await keys.read('session', ids[99])).toBe(record);
    expect(readFileSync(join(folder, JOURNAL_FILE)).length).toBeGreaterThan(100 * 2_000);

    // As after a crash: the journal is left behind and replayed by the next open.
    await keys.discard();
    const reopened = await SessionKeyFiles.open(folder);
    expect(await Promise.all(ids.map((id) => reopened.read('session', id)))).toEqual(ids.map(() => record));
    await reopened.close();
  });

  it('replays what a killed process journaled, up to its torn last append', async () => {
    const folder = sessionFolder();
    writeFileSync(join(folder, 'keys', 'session-a.0.json'), '"zero"');
    writeFileSync(join(folder, 'keys', 'pre-key-1.json'), '{}');
    writeFileSync(join(folder, JOURNAL_FILE), frameRecord(first) + frameRecord(second) + frameRecord(third).slice(0, 20));

    const keys = await SessionKeyFiles.open(folder);
    expect(await keys.read('session', 'a.0')).toBe('"two"');
    expect(await keys.read('pre-key', '1')).toBeNull();
    expect(await keys.read('sender-key', 'g@g.us::a::0')).toBeNull();
    // Opening compacts: the values are in their files and the journal is gone.
    expect(readFileSync(join(folder, 'keys', 'session-a.0.json'), 'utf8')).toBe('"two"');
    expect(existsSync(join(folder, 'keys', 'pre-key-1.json'))).toBe(false);
    expect(existsSync(join(folder, JOURNAL_FILE))).toBe(false);
  });

  it('replays to the same values when a compaction was cut short, however far it got', async () => {
    const folder = sessionFolder();
    const journal = frameRecord(first) + frameRecord(second) + frameRecord(third);
    const expected = async (keys: SessionKeyFiles) => [
      await keys.read('session', 'a.0'),
      await keys.read('pre-key', '1'),
      await keys.read('sender-key', 'g@g.us::a::0'),
    ];
    writeFileSync(join(folder, 'keys', 'pre-key-1.json'), '{}');
    writeFileSync(join(folder, JOURNAL_FILE), journal);
    const once = await expected(await SessionKeyFiles.open(folder));

    // The files are already written; a crash left the journal behind: replaying it again changes nothing.
    writeFileSync(join(folder, JOURNAL_FILE), journal);
    const twice = await expected(await SessionKeyFiles.open(folder));
    expect(twice).toEqual(once);
    expect(once).toEqual(['"two"', null, '{"x":1}']);
  });
});
