import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { OrganizationDto } from './dto/organization.dto.js';
import { OrganizationsService } from './organizations.service.js';

@ApiTags('organizations')
@ApiBearerAuth()
@Controller('api/organizations')
export class OrganizationsController {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get('me')
  @ApiOperation({ summary: 'The organization the credentials belong to' })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrors(401)
  async me(@CurrentTenant() tenant: TenantContext): Promise<OrganizationDto> {
    return OrganizationDto.from(await this.organizations.get(tenant.organizationId));
  }
}
