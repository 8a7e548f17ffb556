import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

let sequence = 0;

/**
 * Session files hold a WhatsApp identity's private keys: readable by the
 * server's user only, and so are the folders that hold them.
 */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_FOLDER_MODE = 0o700;

/**
 * How far an atomic write must survive:
 * - `false`: a killed process (the rename alone gives that); keys, metadata.
 * - `'replace'`: also a power cut, for a file that already exists (creds.json after
 *   its first save). The data is fdatasynced before the rename, so whichever file
 *   the folder names after a power cut is complete. The folder is not fsynced:
 *   until the filesystem commits the rename (seconds on ext4 and xfs), a power cut
 *   can bring back the previous file. That loses the newest save, never the file:
 *   the previous version is whole and stays valid.
 * - `'create'`: also a power cut, for a new file (first creds, each backup): there
 *   is no previous version to fall back to, so the folder entry is fsynced too.
 */
export type Durability = false | 'replace' | 'create';

/**
 * Writes a whole file or nothing: a temp file in the same folder, renamed over
 * the target. A process killed mid-write leaves the old file intact (and maybe a
 * stray temp file).
 */
export async function writeFileAtomic(path: string, data: string | Buffer, durability: Durability): Promise<void> {
  const temporary = `${path}.${process.pid}.${sequence++}.tmp`;
  const handle = await open(temporary, 'w', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(data);
    if (durability !== false) await handle.datasync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temporary, path);
  } catch (error) {
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  if (durability === 'create') await syncDirectory(dirname(path));
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
