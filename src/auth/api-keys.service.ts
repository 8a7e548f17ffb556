import { Inject, Injectable } from '@nestjs/common';
import { ResourceNotFoundException } from '../common/domain.exception.js';
import { DATABASE, type Database, type Db } from '../database/database.js';
import { generateApiKey } from './api-key.js';
import { ApiKeyEvents } from './api-key-events.js';
import { type ApiKeyRow, ApiKeysRepository } from './api-keys.repository.js';

export interface IssuedApiKey {
  row: ApiKeyRow;
  /** The plain key, returned once to whoever created it. */
  key: string;
}

@Injectable()
export class ApiKeysService {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly apiKeys: ApiKeysRepository,
    private readonly events: ApiKeyEvents,
  ) {}

  issue(organizationId: string, name: string): Promise<IssuedApiKey> {
    return this.database.withTenant(organizationId, (tx) => this.issueIn(tx, organizationId, name));
  }

  /** Within a transaction the caller already holds (creating an organization with its first key). */
  async issueIn(tx: Db, organizationId: string, name: string): Promise<IssuedApiKey> {
    const generated = generateApiKey();
    const row = await this.apiKeys.insert(tx, {
      organizationId,
      name,
      prefix: generated.prefix,
      keyHash: generated.hash,
      scopes: [],
    });
    return { row, key: generated.key };
  }

  list(organizationId: string, limit: number, offset: number): Promise<ApiKeyRow[]> {
    return this.apiKeys.list(organizationId, limit, offset);
  }

  async revoke(organizationId: string, id: string): Promise<ApiKeyRow> {
    const row = await this.apiKeys.revoke(organizationId, id);
    if (row === null) throw new ResourceNotFoundException('API key', id);
    // Sockets opened with the key are closed by whoever listens (the gateway), in every process.
    const at = (row.revokedAt ?? new Date()).toISOString();
    this.events.emit('api_key:revoked', { organizationId, apiKeyId: row.id, at });
    return row;
  }
}
