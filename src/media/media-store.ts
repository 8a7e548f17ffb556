import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../session/atomic-file.js';

export const MEDIA_STORE = Symbol('MEDIA_STORE');

export interface MediaStore {
  /** Stores bytes for an organization; returns the reference kept in messages.media_ref. */
  put(organizationId: string, data: Buffer): Promise<string>;
  get(ref: string): Promise<Buffer>;
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
    if (match === null) throw new Error(`not a local media reference: ${ref}`);
    return readFile(join(this.root, match[1], match[2]));
  }
}
