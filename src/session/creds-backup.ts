import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PRIVATE_FOLDER_MODE, removeFile, writeFileAtomic } from './atomic-file.js';

const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const BACKUP_FILE = /^creds-(\d{13})-\d+\.bak$/;

/** Seals with AES-256-GCM: iv | tag | ciphertext. Tampering or a wrong key fails at open. */
export function seal(plain: string, key: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

export function unseal(sealed: Buffer, key: Buffer): string {
  const decipher = createDecipheriv(ALGORITHM, key, sealed.subarray(0, IV_BYTES));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

let sequence = 0;

/**
 * Encrypted generations of a session's creds in `<session>/backups/`. A creds
 * file that fails validation at load is replaced by the newest backup that opens
 * and validates.
 */
export class CredsBackups {
  constructor(
    private readonly key: Buffer,
    private readonly generations: number,
  ) {
    if (key.length !== 32) throw new Error('ENCRYPTION_KEY must be 32 bytes for AES-256-GCM session backups');
  }

  async write(sessionFolder: string, credsJson: string, now = Date.now()): Promise<void> {
    const folder = join(sessionFolder, 'backups');
    await mkdir(folder, { recursive: true, mode: PRIVATE_FOLDER_MODE });
    const sealed = seal(credsJson, this.key).toString('base64');
    await writeFileAtomic(join(folder, `creds-${now}-${sequence++}.bak`), sealed, 'create');
    const stale = (await this.list(folder)).slice(this.generations);
    await Promise.all(stale.map((name) => removeFile(join(folder, name))));
  }

  /** The newest backup that decrypts and passes `isValid`, or null. */
  async newestValid(sessionFolder: string, isValid: (json: string) => boolean): Promise<string | null> {
    const folder = join(sessionFolder, 'backups');
    for (const name of await this.list(folder)) {
      try {
        const json = unseal(Buffer.from(await readFile(join(folder, name), 'utf8'), 'base64'), this.key);
        if (isValid(json)) return json;
      } catch {
        // unreadable or sealed with another key: try the next generation
      }
    }
    return null;
  }

  /** Backup file names, newest first. */
  private async list(folder: string): Promise<string[]> {
    const names = await readdir(folder).catch(() => [] as string[]);
    return names
      .filter((name) => BACKUP_FILE.test(name))
      .sort((a, b) => b.localeCompare(a, 'en', { numeric: true }));
  }
}
