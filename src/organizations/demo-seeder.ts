import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE, type Database } from '../database/database.js';
import { OrganizationsRepository } from './organizations.repository.js';
import { ApiKeysService } from '../auth/api-keys.service.js';

export const DEMO_ORGANIZATION_ID = '00000000-0000-4000-8000-00000000d3e0';
const SEED_FILE = fileURLToPath(new URL('../../supabase/seed.sql', import.meta.url));

/**
 * First start in development against an empty database: load the demo shop
 * from supabase/seed.sql and log an API key for it, once, so a newcomer can
 * call the API right away.
 */
@Injectable()
export class DemoSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoSeed');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(DATABASE) private readonly database: Database,
    private readonly organizationsRepository: OrganizationsRepository,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.nodeEnv === 'production' || !this.config.seedDemo) return;
    if ((await this.organizationsRepository.countAll()) > 0) return;
    const seed = await readFile(SEED_FILE, 'utf8');
    await this.database.withConnection((runner) => runner.exec(seed));
    const { key } = await this.apiKeys.issue(DEMO_ORGANIZATION_ID, 'Demo key');
    this.logger.warn(
      `Demo shop created (organization ${DEMO_ORGANIZATION_ID}). Its API key, shown only now: ${key} ` +
        `(try: curl -H "Authorization: Bearer ${key}" http://localhost:${this.config.port}/api/organizations/me)`,
    );
  }
}
