import { constants } from 'node:fs';
import { access, chmod, mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pino, type Logger } from 'pino';
import { forEachLimited } from '../common/concurrency.js';
import { KeyedQueue } from '../common/keyed-queue.js';
import {
  type AuthenticationCreds,
  initAuthCreds,
  type SignalDataSet,
  type SignalDataTypeMap,
  type SignalKeyStore,
} from '../whatsapp/transport/baileys-auth.js';
import { type Durability, PRIVATE_FOLDER_MODE, removeFile, writeFileAtomic } from './atomic-file.js';
import {
  type AuthStateStore,
  type OpenOptions,
  type OpenSession,
  SESSION_FORMAT_VERSION,
  type SessionMetadata,
  type SessionRef,
} from './auth-state-store.js';
import type { CredsBackups } from './creds-backup.js';
import { CachedKeyStore } from './cached-key-store.js';
import { parseCreds } from './creds-validation.js';
import { PARALLEL_FILE_OPERATIONS, SessionKeyFiles } from './key-journal.js';
import { assertKeyId, assertSessionRef, decodeValue, encodeKeyChanges, encodeValue } from './session-codec.js';
import { SessionCorruptedError, type SessionStoreEvents } from './session-events.js';

const DAY_MS = 24 * 3600 * 1000;
const FOLDER_NAME = /^([0-9a-f-]{36})_([0-9a-f-]{36})$/;

/**
 * The key files of every session open in this process, by folder, with how many
 * opens use them. Process-wide, not per store: a journal must have one writer, and
 * tests and the CLI create several stores over the same root.
 */
const openKeyFiles = new Map<string, OpenKeyFiles>();

interface OpenKeyFiles {
  path: string;
  keys: Promise<SessionKeyFiles>;
  users: number;
}

export interface FileStoreOptions {
  backups: CredsBackups | null;
  logger?: Logger;
  events?: SessionStoreEvents;
}

/**
 * Sessions as folders: `{root}/{org}_{instance}/creds.json`, `keys/{type}-{id}.json`,
 * `metadata.json`, `backups/`. Every write is atomic; creds are also fsynced. Key
 * rewrites go through a journal first (key-journal.ts), so `keys/` can lag behind
 * until the session is closed or opened again.
 */
export class FileAuthStateStore implements AuthStateStore {
  readonly kind = 'file';
  private readonly writes = new KeyedQueue();
  private readonly logger: Logger;

  private constructor(
    readonly root: string,
    /** True when the configured folder was not writable and the OS temp dir is used instead. */
    readonly usingFallback: boolean,
    private readonly options: FileStoreOptions,
  ) {
    this.logger = options.logger ?? pino({ level: 'silent' });
  }

  /** Uses `preferredRoot`, or `fallbackRoot` with a warning when the preferred one cannot be written. */
  static async create(preferredRoot: string, fallbackRoot: string, options: FileStoreOptions): Promise<FileAuthStateStore> {
    if (await isWritableFolder(preferredRoot)) return new FileAuthStateStore(preferredRoot, false, options);
    await mkdir(fallbackRoot, { recursive: true, mode: PRIVATE_FOLDER_MODE });
    options.logger?.warn(
      { preferredRoot, fallbackRoot },
      'WHATSAPP_SESSION_PATH is not writable: sessions go to the OS temp dir and will not survive a machine change',
    );
    return new FileAuthStateStore(fallbackRoot, true, options);
  }

  folderOf(ref: SessionRef): string {
    assertSessionRef(ref);
    return join(this.root, `${ref.organizationId}_${ref.instanceId}`);
  }

  async open(ref: SessionRef, options: OpenOptions = {}): Promise<OpenSession> {
    const folder = this.folderOf(ref);
    await mkdir(join(folder, 'keys'), { recursive: true, mode: PRIVATE_FOLDER_MODE });
    // A folder made by an older version (or by Baileys) may be world-readable; closing it closes every file in it.
    await chmod(folder, PRIVATE_FOLDER_MODE);
    await removeStrayTemporaryFiles(folder);
    const creds = await this.loadCreds(ref, folder);
    const metadata = await this.touchMetadata(ref, folder, options.phoneNumber);
    const keyFiles = acquireKeyFiles(folder);
    const keys = new CachedKeyStore(this.keyStore(await keyFiles.keys));
    let lastUsedWritten = Date.parse(metadata.lastUsedAt);
    let closed = false;
    return {
      state: { creds, keys },
      saveCreds: async () => {
        await this.writeCreds(folder, creds, 'replace');
        // last-used matters by the day (idle cleanup), so it is not rewritten on every save.
        if (Date.now() - lastUsedWritten > 60_000) {
          lastUsedWritten = Date.now();
          await this.touchMetadata(ref, folder, undefined);
        }
      },
      close: async () => {
        if (closed) return;
        closed = true;
        await releaseKeyFiles(keyFiles);
      },
    };
  }

  /** Writes an encrypted generation of the creds; the connection manager calls it after each successful connection. */
  async backup(ref: SessionRef): Promise<boolean> {
    if (this.options.backups === null) return false;
    const folder = this.folderOf(ref);
    const json = await readFile(join(folder, 'creds.json'), 'utf8').catch(() => null);
    if (json === null || parseCreds(json) === null) return false;
    await this.options.backups.write(folder, json);
    return true;
  }

  async exists(ref: SessionRef): Promise<boolean> {
    return (await stat(join(this.folderOf(ref), 'creds.json')).catch(() => null)) !== null;
  }

  async metadata(ref: SessionRef): Promise<SessionMetadata | null> {
    return readMetadata(this.folderOf(ref));
  }

  async listIdle(days: number): Promise<SessionMetadata[]> {
    const cutoff = Date.now() - days * DAY_MS;
    const names = (await readdir(this.root).catch(() => [] as string[])).filter((name) => FOLDER_NAME.test(name));
    const all = await Promise.all(names.map((name) => readMetadata(join(this.root, name))));
    return all.filter((metadata): metadata is SessionMetadata => metadata !== null && Date.parse(metadata.lastUsedAt) < cutoff);
  }

  async delete(ref: SessionRef): Promise<void> {
    const folder = this.folderOf(ref);
    const open = openKeyFiles.get(resolve(folder));
    openKeyFiles.delete(resolve(folder));
    await (await open?.keys.catch(() => null))?.discard();
    // A write still landing (a temp file renamed in) can make the folder non-empty between rm's steps: Node retries those.
    await rm(folder, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 });
  }

  private async loadCreds(ref: SessionRef, folder: string): Promise<AuthenticationCreds> {
    const path = join(folder, 'creds.json');
    const json = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (json === null) {
      const creds = initAuthCreds();
      await this.writeCreds(folder, creds, 'create');
      return creds;
    }
    const creds = parseCreds(json);
    if (creds !== null) return creds;

    const restored = this.options.backups === null ? null : await this.options.backups.newestValid(folder, (candidate) => parseCreds(candidate) !== null);
    if (restored === null) {
      this.options.events?.credsUnrecoverable(ref);
      throw new SessionCorruptedError(ref, 'creds.json is unreadable and no valid backup exists');
    }
    await this.writes.run(path, () => writeFileAtomic(path, restored, 'replace'));
    this.logger.warn({ instanceId: ref.instanceId }, 'session creds were unreadable: restored from the newest valid backup');
    this.options.events?.credsRestored(ref);
    return parseCreds(restored)!;
  }

  private writeCreds(folder: string, creds: AuthenticationCreds, durability: Durability): Promise<void> {
    const path = join(folder, 'creds.json');
    return this.writes.run(path, () => writeFileAtomic(path, encodeValue(creds), durability));
  }

  private async touchMetadata(ref: SessionRef, folder: string, phoneNumber: string | null | undefined): Promise<SessionMetadata> {
    const now = new Date().toISOString();
    const existing = await readMetadata(folder);
    const metadata: SessionMetadata = {
      organizationId: ref.organizationId,
      instanceId: ref.instanceId,
      phoneNumber: phoneNumber === undefined ? (existing?.phoneNumber ?? null) : phoneNumber,
      createdAt: existing?.createdAt ?? now,
      lastUsedAt: now,
      formatVersion: SESSION_FORMAT_VERSION,
    };
    const path = join(folder, 'metadata.json');
    await this.writes.run(path, () => writeFileAtomic(path, JSON.stringify(metadata, null, 2), false));
    return metadata;
  }

  /** The raw key store; Baileys' cache sits in front of it. */
  private keyStore(keyFiles: SessionKeyFiles): SignalKeyStore {
    return {
      get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
        const found: { [id: string]: SignalDataTypeMap[T] } = {};
        ids.forEach(assertKeyId);
        await forEachLimited(ids, PARALLEL_FILE_OPERATIONS, async (id) => {
          const text = await keyFiles.read(type, id);
          if (text === null) return;
          try {
            found[id] = decodeValue(type, text) as SignalDataTypeMap[T];
          } catch {
            // Atomic writes make this unexpected; a missing key is recoverable, a crash is not.
            this.logger.warn({ type, id }, 'unreadable session key ignored');
            this.options.events?.keyUnreadable();
          }
        });
        return found;
      },
      set: async (data: SignalDataSet) => {
        await keyFiles.write(encodeKeyChanges(data));
      },
    };
  }
}

/** The key files of a session folder, shared by every open of it in this process. */
function acquireKeyFiles(folder: string): OpenKeyFiles {
  const path = resolve(folder);
  let open = openKeyFiles.get(path);
  if (open === undefined) {
    const created: OpenKeyFiles = { path, keys: SessionKeyFiles.open(folder), users: 0 };
    openKeyFiles.set(path, created);
    // A failed open is not kept: the next open tries again.
    created.keys.catch(() => {
      if (openKeyFiles.get(path) === created) openKeyFiles.delete(path);
    });
    open = created;
  }
  open.users++;
  return open;
}

/** The last close of a session compacts its journal into the key files. */
async function releaseKeyFiles(open: OpenKeyFiles): Promise<void> {
  if (--open.users > 0) return;
  if (openKeyFiles.get(open.path) === open) openKeyFiles.delete(open.path);
  await (await open.keys).close();
}

/**
 * A process killed mid-write leaves its temp file behind (the target is intact).
 * Nothing reads them, but they would pile up with every crash; this process's own
 * in-flight writes are left alone.
 */
async function removeStrayTemporaryFiles(folder: string): Promise<void> {
  const ownSuffix = new RegExp(`\\.${process.pid}\\.\\d+\\.tmp$`);
  for (const directory of [folder, join(folder, 'keys')]) {
    const names = await readdir(directory).catch(() => [] as string[]);
    await Promise.all(
      names.filter((name) => name.endsWith('.tmp') && !ownSuffix.test(name)).map((name) => removeFile(join(directory, name))),
    );
  }
}

async function readMetadata(folder: string): Promise<SessionMetadata | null> {
  try {
    return JSON.parse(await readFile(join(folder, 'metadata.json'), 'utf8')) as SessionMetadata;
  } catch {
    return null;
  }
}

async function isWritableFolder(path: string): Promise<boolean> {
  try {
    await mkdir(path, { recursive: true, mode: PRIVATE_FOLDER_MODE });
    await access(path, constants.W_OK);
    const probe = join(path, `.write-probe-${process.pid}`);
    await writeFileAtomic(probe, 'ok', false);
    await removeFile(probe);
    return true;
  } catch {
    return false;
  }
}
