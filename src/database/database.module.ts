import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { BootError } from '../common/domain.exception.js';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE, type Database } from './database.js';
import { migrate } from './migrator.js';
import { PgliteDatabase } from './pglite-database.js';
import { PostgresDatabase } from './postgres-database.js';

/** PostgreSQL when DATABASE_URL is set, the embedded database in DATA_DIR otherwise. */
export async function openDatabase(config: Pick<AppConfig, 'databaseUrl' | 'databasePoolSize' | 'dataDir'>) {
  return config.databaseUrl === null
    ? PgliteDatabase.open(join(config.dataDir, 'pglite'))
    : PostgresDatabase.connect(config.databaseUrl, config.databasePoolSize);
}

const CONNECTION_ERRORS = new Set(['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN', '28P01', '3D000']);

function describeStartupFailure(config: Pick<AppConfig, 'databaseUrl'>, error: Error & { code?: string }): Error {
  if (config.databaseUrl === null || !CONNECTION_ERRORS.has(error.code ?? '')) return error;
  const url = new URL(config.databaseUrl);
  return new BootError(
    `PostgreSQL is not reachable at ${url.hostname}:${url.port || 5432}${url.pathname} (${error.message}). ` +
      'Check DATABASE_URL, or unset it to use the embedded database.',
  );
}

@Global()
@Module({
  providers: [
    {
      provide: DATABASE,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<Database> => {
        const logger = new Logger('Database');
        const database = await openDatabase(config);
        try {
          const { applied } = await migrate(database);
          logger.log({ kind: database.kind, applied }, 'database ready');
        } catch (error) {
          await database.close().catch(() => undefined);
          throw describeStartupFailure(config, error as Error & { code?: string });
        }
        return database;
      },
    },
  ],
  exports: [DATABASE],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(DATABASE) private readonly database: Database) {}

  async onApplicationShutdown(): Promise<void> {
    await this.database.close();
  }
}
