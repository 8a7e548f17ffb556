import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { toPage } from '../common/pagination.dto.js';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { ParseIdPipe } from '../common/validation.js';
import { CatalogService } from './catalog.service.js';
import { CreateResourceDto, ResourceDto, ResourceListQueryDto, ResourcePageDto, UpdateResourceDto } from './dto/resource.dto.js';

@ApiTags('resources')
@ApiBearerAuth()
@Controller('api/resources')
export class ResourcesController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  @ApiOperation({ summary: 'List the resources (groomers, bath stations, vets, hotel rooms), by name' })
  @ApiOkResponse({ type: ResourcePageDto })
  @ApiErrors(400, 401)
  async list(@CurrentTenant() tenant: TenantContext, @Query() query: ResourceListQueryDto): Promise<ResourcePageDto> {
    const rows = await this.catalog.listResources(
      tenant.organizationId,
      { kind: query.kind, active: query.active },
      query.limit + 1,
      query.offset,
    );
    return toPage(rows, query, ResourceDto.from);
  }

  @Post()
  @ApiOperation({ summary: 'Create a resource' })
  @ApiCreatedResponse({ type: ResourceDto })
  @ApiErrors(400, 401)
  async create(@CurrentTenant() tenant: TenantContext, @Body() body: CreateResourceDto): Promise<ResourceDto> {
    return ResourceDto.from(await this.catalog.createResource(tenant.organizationId, body));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One resource, active or retired' })
  @ApiOkResponse({ type: ResourceDto })
  @ApiErrors(400, 401, 404)
  async get(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<ResourceDto> {
    return ResourceDto.from(await this.catalog.getResource(tenant.organizationId, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a resource' })
  @ApiOkResponse({ type: ResourceDto })
  @ApiErrors(400, 401, 404)
  async update(
    @CurrentTenant() tenant: TenantContext,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdateResourceDto,
  ): Promise<ResourceDto> {
    return ResourceDto.from(await this.catalog.updateResource(tenant.organizationId, id, body));
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Retire a resource',
    description: 'Sets `active` to false: it is no longer offered for new bookings; existing bookings keep it.',
  })
  @ApiOkResponse({ type: ResourceDto })
  @ApiErrors(400, 401, 404)
  async deactivate(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<ResourceDto> {
    return ResourceDto.from(await this.catalog.deactivateResource(tenant.organizationId, id));
  }
}
