import { Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { WhatsappHealthCheckService } from './whatsapp-health-check.service.js';

class HealthAlertDto {
  @ApiProperty({ example: '3f2e1d0c-9b8a-4765-8432-10fedcba9876' })
  instanceId!: string;

  @ApiProperty({ example: 'instance_failed' })
  kind!: string;

  @ApiProperty({ example: 'Instance Recepção failed: reconnect attempts exhausted' })
  message!: string;
}

class HealthRunDto {
  @ApiProperty({ example: 3 })
  totalInstances!: number;

  @ApiProperty({ example: 2 })
  healthyInstances!: number;

  @ApiProperty({ example: 1 })
  reconnectedInstances!: number;

  @ApiProperty({ example: 0 })
  failedInstances!: number;

  @ApiProperty({ example: 0, description: 'Sessions of deleted instances removed (cluster runs only)' })
  cleanedSessions!: number;

  @ApiProperty({ type: [HealthAlertDto], description: 'Alerts opened by this run (an open alert is not repeated)' })
  alerts!: HealthAlertDto[];
}

@ApiTags('whatsapp')
@ApiBearerAuth()
@Controller('api/whatsapp/health-check')
export class WhatsappHealthController {
  constructor(private readonly healthCheck: WhatsappHealthCheckService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Run the WhatsApp health check now for this organization's instances" })
  @ApiOkResponse({ type: HealthRunDto })
  @ApiErrors(401)
  run(@CurrentTenant() tenant: TenantContext): Promise<HealthRunDto> {
    return this.healthCheck.run(tenant.organizationId);
  }
}
