import { BadRequestException, Body, Controller, Get, Patch } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import type { BusinessHours } from '../database/schema.js';
import { businessHoursProblems } from './dto/business-hours.dto.js';
import { OrganizationDto, UpdateOrganizationDto } from './dto/organization.dto.js';
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

  @Patch('me')
  @ApiOperation({
    summary:
      "Update the shop settings: name, time zone, opening hours, slot grid, notice, owner numbers, campaigns outside the 24-hour window, Aurora's proactive messages",
    description:
      "`campaignsOutsideWindow: true` lets campaigns reach customers who have not written in the last 24 hours; the response then carries a `warning` about WhatsApp's rules on unsolicited messages. `proactive` fields left out keep their value.",
  })
  @ApiOkResponse({ type: OrganizationDto })
  @ApiErrors(400, 401)
  async update(@CurrentTenant() tenant: TenantContext, @Body() body: UpdateOrganizationDto): Promise<OrganizationDto> {
    const problems = body.businessHours === undefined ? [] : businessHoursProblems(body.businessHours);
    if (problems.length > 0) {
      throw new BadRequestException({
        message: problems.join('; '),
        code: 'validation_failed',
        details: problems.map((problem) => ({ field: problem.split(':')[0], problems: [problem] })),
      });
    }
    const { businessHours, campaignsOutsideWindow, proactive, ...rest } = body;
    const changes = {
      ...rest,
      ...(campaignsOutsideWindow === undefined ? {} : { settings: { campaignsOutsideWindow } }),
      ...(businessHours === undefined ? {} : { businessHours: JSON.parse(JSON.stringify(businessHours)) as BusinessHours }),
    };
    // A plain object: the DTO instance would carry its class into the JSON merge.
    const proactiveChanges = proactive === undefined ? undefined : { ...proactive };
    return OrganizationDto.from(await this.organizations.update(tenant.organizationId, changes, proactiveChanges));
  }
}
