import { randomUUID } from 'node:crypto';
import { createClient } from '@supabase/supabase-js';
import { BootError } from '../common/domain.exception.js';
import { MediaMissingError, type MediaStore } from './media-store.js';

const SUPABASE_REF = /^supabase:([0-9a-f-]{36})\/([0-9a-f-]{36})$/;

/** What Storage answered, in the fields its errors carry (StorageApiError: HTTP status, and the service's own code). */
interface StorageFailure {
  message: string;
  status?: number;
  statusCode?: string;
}

/** Storage says "404" in its body even where the HTTP status is 400 (older servers), so both are read. */
function answered(error: StorageFailure, code: number): boolean {
  return error.status === code || error.statusCode === String(code);
}

/**
 * Media in a private Supabase Storage bucket, under {organization}/{uuid} (MEDIA_STORE=supabase): the store to use
 * when several processes serve the API or host sockets, since each reads what another stored, and a redeploy keeps it.
 * Reached with the service-role key, on the server only; nothing is ever public.
 */
export class SupabaseMediaStore implements MediaStore {
  private constructor(private readonly bucket: ReturnType<ReturnType<typeof createClient>['storage']['from']>) {}

  /** Checks the key and the bucket at boot, creating the bucket (private) when the project has none by that name. */
  static async open(url: string, serviceRoleKey: string, bucketName: string): Promise<SupabaseMediaStore> {
    const storage = createClient(url, serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false } }).storage;
    const found = await storage.getBucket(bucketName).catch((error: Error) => ({ data: null, error }));
    if (found.error !== null) {
      const error = found.error as StorageFailure;
      if (answered(error, 401) || answered(error, 403)) {
        throw new BootError(`Supabase Storage at ${url} refused SUPABASE_SERVICE_ROLE_KEY (${error.message}): copy the service_role key from Project Settings > API`);
      }
      if (!answered(error, 404)) {
        throw new BootError(`Supabase Storage is not reachable at ${url} (${error.message}): check SUPABASE_URL, or use MEDIA_STORE=local`);
      }
      const created = await storage.createBucket(bucketName, { public: false });
      if (created.error !== null) {
        throw new BootError(`Supabase Storage could not create the bucket "${bucketName}" (${created.error.message}): create it, private, in the dashboard`);
      }
    } else if (found.data.public) {
      // Media are customers' photos and voice notes: a public bucket would serve them to anyone with the link.
      throw new BootError(`The Supabase Storage bucket "${bucketName}" is public: make it private, or name another in SUPABASE_STORAGE_BUCKET`);
    }
    return new SupabaseMediaStore(storage.from(bucketName));
  }

  async put(organizationId: string, data: Buffer): Promise<string> {
    const id = randomUUID();
    // The MIME type is kept beside the reference (messages.media_mimetype); the object is just bytes.
    const { error } = await this.bucket.upload(`${organizationId}/${id}`, data, { contentType: 'application/octet-stream', upsert: false });
    if (error !== null) throw new Error(`Supabase Storage did not store the media: ${error.message}`);
    return `supabase:${organizationId}/${id}`;
  }

  async get(ref: string): Promise<Buffer> {
    const match = SUPABASE_REF.exec(ref);
    // Another store's reference (media kept on the disk before MEDIA_STORE changed): not here.
    if (match === null) throw new MediaMissingError(ref);
    const { data, error } = await this.bucket.download(`${match[1]}/${match[2]}`);
    if (error !== null) {
      if (answered(error as StorageFailure, 404)) throw new MediaMissingError(ref);
      throw new Error(`Supabase Storage did not return the media: ${error.message}`);
    }
    return Buffer.from(await data.arrayBuffer());
  }
}
