import { Injectable } from '@nestjs/common';
import { ResourceNotFoundException } from '../common/domain.exception.js';
import type { ResourceKind } from '../database/schema.js';
import {
  type NewResource,
  type ResourceChanges,
  type ResourceFilter,
  type ResourceRow,
  ResourcesRepository,
} from './resources.repository.js';
import {
  type NewService,
  type ServiceChanges,
  type ServiceFilter,
  type ServiceRow,
  ServicesRepository,
} from './services.repository.js';

/**
 * What the shop sells (services) and who or what performs it (resources).
 * Both are retired, never deleted: bookings keep pointing at them.
 */
@Injectable()
export class CatalogService {
  constructor(
    private readonly services: ServicesRepository,
    private readonly resources: ResourcesRepository,
  ) {}

  listServices(organizationId: string, filter: ServiceFilter, limit: number, offset: number): Promise<ServiceRow[]> {
    return this.services.list(organizationId, filter, limit, offset);
  }

  /** Active or not: callers that book decide whether a retired service is acceptable. */
  async getService(organizationId: string, id: string): Promise<ServiceRow> {
    const service = await this.services.findById(organizationId, id);
    if (service === null) throw new ResourceNotFoundException('Service', id);
    return service;
  }

  createService(organizationId: string, service: NewService): Promise<ServiceRow> {
    return this.services.insert(organizationId, service);
  }

  async updateService(organizationId: string, id: string, changes: ServiceChanges): Promise<ServiceRow> {
    const service = await this.services.update(organizationId, id, changes);
    if (service === null) throw new ResourceNotFoundException('Service', id);
    return service;
  }

  deactivateService(organizationId: string, id: string): Promise<ServiceRow> {
    return this.updateService(organizationId, id, { active: false });
  }

  listResources(organizationId: string, filter: ResourceFilter, limit: number, offset: number): Promise<ResourceRow[]> {
    return this.resources.list(organizationId, filter, limit, offset);
  }

  async getResource(organizationId: string, id: string): Promise<ResourceRow> {
    const resource = await this.resources.findById(organizationId, id);
    if (resource === null) throw new ResourceNotFoundException('Resource', id);
    return resource;
  }

  createResource(organizationId: string, resource: NewResource): Promise<ResourceRow> {
    return this.resources.insert(organizationId, resource);
  }

  async updateResource(organizationId: string, id: string, changes: ResourceChanges): Promise<ResourceRow> {
    const resource = await this.resources.update(organizationId, id, changes);
    if (resource === null) throw new ResourceNotFoundException('Resource', id);
    return resource;
  }

  deactivateResource(organizationId: string, id: string): Promise<ResourceRow> {
    return this.updateResource(organizationId, id, { active: false });
  }

  /** The resources able to perform a service of this kind, in the order they are offered; empty when none. */
  activeResourcesOfKind(organizationId: string, kind: ResourceKind): Promise<ResourceRow[]> {
    return this.resources.activeOfKind(organizationId, kind);
  }
}
