import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../session/atomic-file.js';

export const MEDIA_STORE = Symbol('MEDIA_STORE');

export interface MediaStore {
  /** Stores bytes for an organization; returns the reference kept in messages.media_ref. */
  put(organizationId: string, data: Buffer): Promise<string>;
  /** The bytes of a reference; MediaMissingError when the store no longer has them. */
  get(ref: string): Promise<Buffer>;
}

/** The store has nothing under a reference it issued (removed from the disk or the bucket by hand). */
export class MediaMissingError extends Error {
  constructor(ref: string) {
    super(`the media store has nothing under ${ref}`);
    this.name = 'MediaMissingError';
  }
}

const LOCAL_REF = /^local:([0-9a-f-]{36})\/([0-9a-f-]{36})$/;

/** Media on local disk under DATA_DIR/media/{organization}/{uuid} (MEDIA_STORE=local). */
export class LocalMediaStore implements MediaStore {
  constructor(private readonly root: string) {}

  async put(organizationId: string, data: Buffer): Promise<string> {
    const id = randomUUID();
    await mkdir(join(this.root, organizationId), { recursive: true });
    await writeFileAtomic(join(this.root, organizationId, id), data, false);
    return `local:${organizationId}/${id}`;
  }

  async get(ref: string): Promise<Buffer> {
    const match = LOCAL_REF.exec(ref);
    // Another store's reference (media kept before MEDIA_STORE changed): not here.
    if (match === null) throw new MediaMissingError(ref);
    return readFile(join(this.root, match[1], match[2])).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'ENOENT' ? new MediaMissingError(ref) : error;
    });
  }
}
