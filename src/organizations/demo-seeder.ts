import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { APP_CONFIG, type AppConfig } from '../config/app-config.js';
import { DATABASE, type Database } from '../database/database.js';
import { OrganizationsRepository } from './organizations.repository.js';
import { ApiKeysService } from '../auth/api-keys.service.js';

export const DEMO_ORGANIZATION_ID = '00000000-0000-4000-8000-00000000d3e0';
/** Where, under DATA_DIR, the demo shop's key is kept for `npm run chat` (src/chat.ts reads it). */
export const DEMO_API_KEY_FILE = 'demo-api-key';
const SEED_FILE = fileURLToPath(new URL('../../supabase/seed.sql', import.meta.url));

/**
 * First start in development against an empty database: load the demo shop
 * from supabase/seed.sql and log an API key for it, once, so a newcomer can
 * call the API right away. The key is also kept in DATA_DIR/demo-api-key
 * (owner-only), so `npm run chat` works without scrolling back for it.
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
    const keyFile = await this.saveKey(key);
    this.logger.warn(
      `Demo shop created (organization ${DEMO_ORGANIZATION_ID}). Its API key, shown only now: ${key} ` +
        `(try: curl -H "Authorization: Bearer ${key}" http://localhost:${this.config.port}/api/organizations/me` +
        (keyFile === null ? ')' : `; it is also in ${keyFile}, which npm run chat reads)`),
    );
  }

  /**
   * Writes the key to DATA_DIR/demo-api-key, readable by its owner only. A temp
   * file created 0600 and renamed over, so the key is never in a file anyone
   * else can read, even when an older demo-api-key had looser permissions.
   * Returns the path, or null when it could not be written (the log still shows the key).
   */
  private async saveKey(key: string): Promise<string | null> {
    const path = join(this.config.dataDir, DEMO_API_KEY_FILE);
    const temporary = `${path}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(this.config.dataDir, { recursive: true });
      await writeFile(temporary, `${key}\n`, { mode: 0o600, flag: 'wx' });
      await rename(temporary, path);
      return path;
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      this.logger.warn(`Could not save the demo API key to ${path}: ${(error as Error).message}`);
      return null;
    }
  }
}
