import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

let sequence = 0;

/**
 * Writes a whole file or nothing: a temp file in the same folder, renamed over
 * the target. A process killed mid-write leaves the old file intact (and maybe a
 * stray temp file). With `durable`, the data and the rename are fsynced too, so
 * the write also survives a power cut; that is what creds need, not every key.
 */
export async function writeFileAtomic(path: string, data: string | Buffer, durable: boolean): Promise<void> {
  const temporary = `${path}.${process.pid}.${sequence++}.tmp`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  if (durable) await syncDirectory(dirname(path));
}

async function syncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function removeFile(path: string): Promise<void> {
  await unlink(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/** Runs writes to the same path one after another, in call order, so the last call wins. */
export class PathQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run(path: string, work: () => Promise<void>): Promise<void> {
    const previous = this.tails.get(path) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.tails.set(path, tail);
    void tail.then(() => {
      if (this.tails.get(path) === tail) this.tails.delete(path);
    });
    return next;
  }
}
