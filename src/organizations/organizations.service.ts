import { Inject, Injectable } from '@nestjs/common';
import { ApiKeysService, type IssuedApiKey } from '../auth/api-keys.service.js';
import { ResourceNotFoundException } from '../common/domain.exception.js';
import { DATABASE, type Database } from '../database/database.js';
import type { ProactiveSettings } from './proactive-settings.js';
import { type OrganizationChanges, OrganizationsRepository, type OrganizationRow } from './organizations.repository.js';

export interface CreateOrganizationInput {
  name: string;
  timezone?: string;
  ownerNumbers?: string[];
}

@Injectable()
export class OrganizationsService {
  constructor(
    @Inject(DATABASE) private readonly database: Database,
    private readonly organizations: OrganizationsRepository,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /** An organization and its first API key, in one transaction (admin API, CLI). */
  createWithFirstKey(input: CreateOrganizationInput): Promise<{ organization: OrganizationRow; apiKey: IssuedApiKey }> {
    // Creating an organization is cross-tenant by nature: there is no tenant yet.
    return this.database.systemDb.transaction(async (tx) => {
      const organization = await this.organizations.insert(tx, {
        name: input.name,
        timezone: input.timezone ?? 'America/Sao_Paulo',
        authorizedOwnerNumbers: input.ownerNumbers ?? [],
      });
      const apiKey = await this.apiKeys.issueIn(tx, organization.id, 'Initial key');
      return { organization, apiKey };
    });
  }

  async update(organizationId: string, changes: OrganizationChanges, proactive?: Partial<ProactiveSettings>): Promise<OrganizationRow> {
    const organization = await this.organizations.update(organizationId, changes, proactive);
    if (organization === null) throw new ResourceNotFoundException('Organization', organizationId);
    return organization;
  }

  async get(organizationId: string): Promise<OrganizationRow> {
    const organization = await this.organizations.findById(organizationId);
    if (organization === null) throw new ResourceNotFoundException('Organization', organizationId);
    return organization;
  }
}
