import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiCreatedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiKeyDto } from '../auth/dto/api-key.dto.js';
import { AdminOnly } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { CreateOrganizationDto, OrganizationCreatedDto, OrganizationDto } from './dto/organization.dto.js';
import { OrganizationsService } from './organizations.service.js';

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/admin/organizations')
export class AdminController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Post()
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Create an organization and its first API key',
    description: 'Needs the deployment ADMIN_API_KEY as bearer token; disabled (403) when ADMIN_API_KEY is unset.',
  })
  @ApiCreatedResponse({ type: OrganizationCreatedDto })
  @ApiErrors(400, 401, 403)
  async create(@Body() body: CreateOrganizationDto): Promise<OrganizationCreatedDto> {
    const { organization, apiKey } = await this.organizations.createWithFirstKey(body);
    return {
      organization: OrganizationDto.from(organization),
      apiKey: { ...ApiKeyDto.from(apiKey.row), key: apiKey.key },
    };
  }
}
