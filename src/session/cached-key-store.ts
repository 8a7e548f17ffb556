import { GroupCommit } from '../common/group-commit.js';
import type { SignalDataSet, SignalDataTypeMap, SignalKeyStore } from '../whatsapp/transport/baileys-auth.js';
import { assertKeyId } from './session-codec.js';

const DEFAULT_MAX_ENTRIES = 20_000;

/**
 * The in-memory layer in front of a session's key store (in place of Baileys'
 * makeCacheableSignalKeyStore, which caches a write before the store accepts it
 * and returns deleted keys as null).
 *
 * - Reads are served from a bounded LRU; misses go to the store.
 * - Writes reach the store first and the cache only once the store took them.
 * - Group commit: while one write is in flight, later ones queue and are merged,
 *   in call order, into the next single store write (one statement, or one
 *   journal append). A caller's promise settles when its data is stored.
 */
export class CachedKeyStore implements SignalKeyStore {
  private readonly cache = new Map<string, unknown>();
  private readonly writes = new GroupCommit<SignalDataSet>((batches) => this.write(mergeInOrder(batches)), {
    maxInFlight: 1,
    keyOf: () => 'session',
  });
  /** Bumped by each completed write, so a read that raced with one does not cache a stale value. */
  private writeEpoch = 0;

  constructor(
    private readonly store: SignalKeyStore,
    private readonly maxEntries = DEFAULT_MAX_ENTRIES,
  ) {}

  async get<T extends keyof SignalDataTypeMap>(type: T, ids: string[]): Promise<{ [id: string]: SignalDataTypeMap[T] }> {
    ids.forEach(assertKeyId);
    const found: { [id: string]: SignalDataTypeMap[T] } = {};
    const missing: string[] = [];
    for (const id of ids) {
      const key = cacheKey(type, id);
      if (this.cache.has(key)) {
        const value = this.cache.get(key) as SignalDataTypeMap[T];
        this.remember(key, value);
        found[id] = value;
      } else {
        missing.push(id);
      }
    }
    if (missing.length === 0) return found;
    const epoch = this.writeEpoch;
    const fetched = await this.store.get(type, missing);
    for (const id of missing) {
      const value = fetched[id];
      if (value === undefined || value === null) continue;
      found[id] = value;
      if (epoch === this.writeEpoch) this.remember(cacheKey(type, id), value);
    }
    return found;
  }

  async set(data: SignalDataSet): Promise<void> {
    for (const entries of Object.values(data)) Object.keys(entries ?? {}).forEach(assertKeyId);
    return this.writes.submit(data);
  }

  private async write(data: SignalDataSet): Promise<void> {
    try {
      await this.store.set(data);
    } catch (error) {
      // What the store refused may be half-applied elsewhere; forget it so reads go back to the store.
      this.forget(data);
      throw error;
    }
    this.writeEpoch++;
    this.applyToCache(data);
  }

  private applyToCache(data: SignalDataSet): void {
    for (const [type, entries] of Object.entries(data)) {
      for (const [id, value] of Object.entries(entries ?? {})) {
        const key = cacheKey(type, id);
        if (value === null || value === undefined) this.cache.delete(key);
        else this.remember(key, value);
      }
    }
  }

  private forget(data: SignalDataSet): void {
    for (const [type, entries] of Object.entries(data)) {
      for (const id of Object.keys(entries ?? {})) this.cache.delete(cacheKey(type, id));
    }
  }

  private remember(key: string, value: unknown): void {
    this.cache.delete(key);
    this.cache.set(key, value);
    if (this.cache.size > this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
  }
}

function cacheKey(type: string, id: string): string {
  return `${type}\0${id}`;
}

/** Later writes of the same key override earlier ones, as if applied one after another. */
function mergeInOrder(batches: SignalDataSet[]): SignalDataSet {
  if (batches.length === 1) return batches[0];
  const merged: Record<string, Record<string, unknown>> = {};
  for (const batch of batches) {
    for (const [type, entries] of Object.entries(batch)) Object.assign((merged[type] ??= {}), entries);
  }
  return merged as SignalDataSet;
}
