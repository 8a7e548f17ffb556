import type { AuthenticationState, SignalDataTypeMap } from '../whatsapp/transport/baileys-auth.js';

/** Which session: an instance always belongs to one organization. */
export interface SessionRef {
  organizationId: string;
  instanceId: string;
}

export interface SessionMetadata extends SessionRef {
  phoneNumber: string | null;
  createdAt: string;
  lastUsedAt: string;
  formatVersion: number;
}

/** An open session: Baileys' state, plus what a connection calls when creds change and when it ends. */
export interface OpenSession {
  state: AuthenticationState;
  /** Persists `state.creds` (Baileys mutates it in place, then emits creds.update). */
  saveCreds(): Promise<void>;
  /** Flushes and releases what the session holds; the store can open it again later. */
  close(): Promise<void>;
}

export interface OpenOptions {
  phoneNumber?: string | null;
}

/**
 * Where WhatsApp auth state lives. Two adapters (file, postgres) pass one
 * conformance suite; both encode values with Baileys' BufferJSON.
 */
export interface AuthStateStore {
  readonly kind: 'file' | 'postgres';
  /** Opens (creating when absent) the session of an instance. */
  open(ref: SessionRef, options?: OpenOptions): Promise<OpenSession>;
  exists(ref: SessionRef): Promise<boolean>;
  metadata(ref: SessionRef): Promise<SessionMetadata | null>;
  /** Sessions not used for `days` days or more. */
  listIdle(days: number): Promise<SessionMetadata[]>;
  delete(ref: SessionRef): Promise<void>;
  /**
   * Keeps a recoverable copy of the creds after a successful connection; false
   * when this store has nothing to do (PostgreSQL is its own durable copy).
   */
  backup(ref: SessionRef): Promise<boolean>;
}

export const AUTH_STATE_STORE = Symbol('AUTH_STATE_STORE');

/** Every key type Baileys 7 stores (SignalDataTypeMap); new ones fail the type check here. */
export const KEY_TYPES = [
  'pre-key',
  'session',
  'sender-key',
  'sender-key-memory',
  'app-state-sync-key',
  'app-state-sync-version',
  'lid-mapping',
  'device-list',
  'tctoken',
  'identity-key',
] as const satisfies readonly (keyof SignalDataTypeMap)[];
export type KeyType = (typeof KEY_TYPES)[number];

type MissingKeyTypes = Exclude<keyof SignalDataTypeMap, KeyType>;
// Compile-time guard: if Baileys adds a key type, this line stops compiling until KEY_TYPES lists it.
export const ALL_KEY_TYPES_LISTED: MissingKeyTypes extends never ? true : never = true;

export const SESSION_FORMAT_VERSION = 1;
