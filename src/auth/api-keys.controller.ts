import { Body, Controller, Delete, Get, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { PaginationQueryDto, toPage } from '../common/pagination.dto.js';
import { ParseIdPipe } from '../common/validation.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeyCreatedDto, ApiKeyDto, ApiKeyPageDto, CreateApiKeyDto } from './dto/api-key.dto.js';
import { CurrentTenant, type TenantContext } from './tenant-context.js';

@ApiTags('api-keys')
@ApiBearerAuth()
@Controller('api/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Get()
  @ApiOperation({ summary: "List the organization's API keys (never the keys themselves)" })
  @ApiOkResponse({ type: ApiKeyPageDto })
  @ApiErrors(400, 401)
  async list(@CurrentTenant() tenant: TenantContext, @Query() query: PaginationQueryDto): Promise<ApiKeyPageDto> {
    const rows = await this.apiKeys.list(tenant.organizationId, query.limit + 1, query.offset);
    return toPage(rows, query, ApiKeyDto.from);
  }

  @Post()
  @ApiOperation({ summary: 'Create an API key', description: 'The key is in this response only; it is stored hashed.' })
  @ApiCreatedResponse({ type: ApiKeyCreatedDto })
  @ApiErrors(400, 401)
  async create(@CurrentTenant() tenant: TenantContext, @Body() body: CreateApiKeyDto): Promise<ApiKeyCreatedDto> {
    const { row, key } = await this.apiKeys.issue(tenant.organizationId, body.name);
    return { ...ApiKeyDto.from(row), key };
  }

  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an API key', description: 'Requests with a revoked key get 401 from then on.' })
  @ApiOkResponse({ type: ApiKeyDto })
  @ApiErrors(400, 401, 404)
  async revoke(
    @CurrentTenant() tenant: TenantContext,
    @Param('id', ParseIdPipe) id: string,
  ): Promise<ApiKeyDto> {
    return ApiKeyDto.from(await this.apiKeys.revoke(tenant.organizationId, id));
  }
}
