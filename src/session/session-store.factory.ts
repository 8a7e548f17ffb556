import { pino, type Logger } from 'pino';
import { type AppConfig, fallbackDirectory } from '../config/app-config.js';
import type { Database } from '../database/database.js';
import type { AuthStateStore } from './auth-state-store.js';
import { CredsBackups } from './creds-backup.js';
import { FileAuthStateStore } from './file-auth-state.store.js';
import { PostgresAuthStateStore } from './postgres-auth-state.store.js';
import type { SessionStoreEvents } from './session-events.js';

export const BACKUP_GENERATIONS = 5;

/** The store SESSION_STORE selects; the CLI and the Nest module both build it here. */
export async function createAuthStateStore(
  config: Pick<AppConfig, 'sessionStore' | 'whatsappSessionPath' | 'encryptionKey'>,
  database: Database,
  events?: SessionStoreEvents,
  logger: Logger = pino({ level: 'silent' }),
): Promise<AuthStateStore> {
  if (config.sessionStore === 'postgres') return new PostgresAuthStateStore(database, { events });
  if (config.encryptionKey === null) {
    logger.warn('ENCRYPTION_KEY is not set: session creds are not backed up');
  }
  return FileAuthStateStore.create(config.whatsappSessionPath, fallbackDirectory('sessions'), {
    backups: config.encryptionKey === null ? null : new CredsBackups(config.encryptionKey, BACKUP_GENERATIONS),
    logger,
    events,
  });
}
