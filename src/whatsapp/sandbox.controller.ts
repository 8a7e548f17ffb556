import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { ParseIdPipe } from '../common/validation.js';
import {
  SandboxDisconnectDto,
  SandboxDisconnectedDto,
  SandboxInboundAcceptedDto,
  SandboxInboundDto,
  SandboxOutboundListDto,
  SandboxPairDto,
  SandboxPairedDto,
} from './dto/sandbox.dto.js';
import { InstancesService } from './instances.service.js';
import { SandboxTransport } from './transport/sandbox.transport.js';
import { SandboxOnlyException } from './whatsapp.exceptions.js';

/** Drives the simulated phone of a `provider: sandbox` instance (tests, demos, local development). */
@ApiTags('sandbox')
@ApiBearerAuth()
@Controller('api/sandbox/instances')
export class SandboxController {
  constructor(
    private readonly instances: InstancesService,
    private readonly sandbox: SandboxTransport,
  ) {}

  @Post(':id/pair')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Pair the simulated phone, as scanning the QR or typing the code would' })
  @ApiOkResponse({ type: SandboxPairedDto })
  @ApiErrors(400, 401, 404, 409)
  async pair(
    @CurrentTenant() tenant: TenantContext,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: SandboxPairDto,
  ): Promise<SandboxPairedDto> {
    await this.requireSandbox(tenant, id);
    return { phoneNumber: this.sandbox.pair(id, body.phoneNumber?.replace(/^\+/, '')) };
  }

  @Post(':id/inbound')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Deliver a customer message to the instance, in Baileys message shape',
    description:
      'Answers once the server has stored (or, with the database down, spooled) the message, as WhatsApp waits for the ' +
      "device's acknowledgement. A 5xx or a broken connection means it was not acknowledged: deliver it again with the same messageId.",
  })
  @ApiOkResponse({ type: SandboxInboundAcceptedDto })
  @ApiErrors(400, 401, 404, 409)
  async inbound(
    @CurrentTenant() tenant: TenantContext,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: SandboxInboundDto,
  ): Promise<SandboxInboundAcceptedDto> {
    await this.requireSandbox(tenant, id);
    const { media, ...message } = body;
    // null is "no media", as validation lets an optional field be null.
    const delivered = media == null ? message : { ...message, media: { ...media, data: Buffer.from(media.base64, 'base64') } };
    return { messageId: await this.sandbox.inboundAcknowledged(id, delivered) };
  }

  @Get(':id/outbound')
  @ApiOperation({ summary: 'What the instance sent through the sandbox (its latest 500 messages), with receipt status' })
  @ApiOkResponse({ type: SandboxOutboundListDto })
  @ApiErrors(400, 401, 404, 409)
  async outbound(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<SandboxOutboundListDto> {
    await this.requireSandbox(tenant, id);
    return { data: this.sandbox.outbound(id) };
  }

  @Post(':id/disconnect')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Drop the connection with a WhatsApp close code, to watch the reconnect policy' })
  @ApiOkResponse({ type: SandboxDisconnectedDto })
  @ApiErrors(400, 401, 404, 409)
  async disconnect(
    @CurrentTenant() tenant: TenantContext,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: SandboxDisconnectDto,
  ): Promise<SandboxDisconnectedDto> {
    await this.requireSandbox(tenant, id);
    this.sandbox.disconnect(id, body.statusCode);
    return { statusCode: body.statusCode };
  }

  private async requireSandbox(tenant: TenantContext, id: string): Promise<void> {
    const instance = await this.instances.get(tenant.organizationId, id);
    if (instance.provider !== 'sandbox') throw new SandboxOnlyException(id);
  }
}
