import { Body, Controller, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { toPage } from '../common/pagination.dto.js';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { ParseIdPipe } from '../common/validation.js';
import { CatalogService } from './catalog.service.js';
import { CreateServiceDto, ServiceDto, ServiceListQueryDto, ServicePageDto, UpdateServiceDto } from './dto/service.dto.js';

@ApiTags('services')
@ApiBearerAuth()
@Controller('api/services')
export class ServicesController {
  constructor(private readonly catalog: CatalogService) {}

  @Get()
  @ApiOperation({ summary: 'List the services the shop offers, by name' })
  @ApiOkResponse({ type: ServicePageDto })
  @ApiErrors(400, 401)
  async list(@CurrentTenant() tenant: TenantContext, @Query() query: ServiceListQueryDto): Promise<ServicePageDto> {
    const rows = await this.catalog.listServices(tenant.organizationId, { active: query.active }, query.limit + 1, query.offset);
    return toPage(rows, query, ServiceDto.from);
  }

  @Post()
  @ApiOperation({ summary: 'Create a service' })
  @ApiCreatedResponse({ type: ServiceDto })
  @ApiErrors(400, 401)
  async create(@CurrentTenant() tenant: TenantContext, @Body() body: CreateServiceDto): Promise<ServiceDto> {
    return ServiceDto.from(await this.catalog.createService(tenant.organizationId, body));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One service, active or retired' })
  @ApiOkResponse({ type: ServiceDto })
  @ApiErrors(400, 401, 404)
  async get(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<ServiceDto> {
    return ServiceDto.from(await this.catalog.getService(tenant.organizationId, id));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a service; existing bookings keep the price they were made at' })
  @ApiOkResponse({ type: ServiceDto })
  @ApiErrors(400, 401, 404)
  async update(
    @CurrentTenant() tenant: TenantContext,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: UpdateServiceDto,
  ): Promise<ServiceDto> {
    return ServiceDto.from(await this.catalog.updateService(tenant.organizationId, id, body));
  }

  @Delete(':id')
  @ApiOperation({
    summary: 'Retire a service',
    description: 'Sets `active` to false: it can no longer be booked, and existing bookings keep it. PATCH `active: true` brings it back.',
  })
  @ApiOkResponse({ type: ServiceDto })
  @ApiErrors(400, 401, 404)
  async deactivate(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<ServiceDto> {
    return ServiceDto.from(await this.catalog.deactivateService(tenant.organizationId, id));
  }
}
