import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Param, Post, Query, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { ResourceNotFoundException } from '../common/domain.exception.js';
import { PaginationQueryDto, toPage } from '../common/pagination.dto.js';
import { ParseIdPipe } from '../common/validation.js';
import {
  CreateInstanceDto,
  InstanceDto,
  InstanceHealthDto,
  InstancePageDto,
  InstanceStatusDto,
  PairingCodeRequestDto,
} from './dto/instance.dto.js';
import { InstancesService, type InstanceStatusView } from './instances.service.js';

@ApiTags('whatsapp')
@ApiBearerAuth()
@Controller('api/whatsapp/instances')
export class InstancesController {
  constructor(private readonly instances: InstancesService) {}

  @Post()
  @ApiOperation({
    summary: 'Create a WhatsApp instance and start connecting',
    description: 'With phoneNumber, an 8-character pairing code appears at the status endpoint after the first QR; without, scan the QR.',
  })
  @ApiCreatedResponse({ type: InstanceStatusDto })
  @ApiErrors(400, 401, 409)
  async create(@CurrentTenant() tenant: TenantContext, @Body() body: CreateInstanceDto): Promise<InstanceStatusDto> {
    const instance = await this.instances.create(tenant.organizationId, body);
    return this.statusDto(await this.instances.status(tenant.organizationId, instance.id));
  }

  @Get()
  @ApiOperation({ summary: "List the organization's WhatsApp instances" })
  @ApiOkResponse({ type: InstancePageDto })
  @ApiErrors(400, 401)
  async list(@CurrentTenant() tenant: TenantContext, @Query() query: PaginationQueryDto) {
    return toPage(await this.instances.list(tenant.organizationId, query.limit + 1, query.offset), query, InstanceDto.from);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One instance' })
  @ApiOkResponse({ type: InstanceDto })
  @ApiErrors(400, 401, 404)
  async get(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<InstanceDto> {
    return InstanceDto.from(await this.instances.get(tenant.organizationId, id));
  }

  @Get(':id/status')
  @ApiOperation({ summary: 'Status, phone, last connection, and the current pairing code or QR while valid' })
  @ApiOkResponse({ type: InstanceStatusDto })
  @ApiErrors(400, 401, 404)
  async status(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<InstanceStatusDto> {
    return this.statusDto(await this.instances.status(tenant.organizationId, id));
  }

  @Get(':id/qr')
  @ApiOperation({ summary: 'The current QR code as a PNG image' })
  // The PNG type goes on the 200 alone: @ApiProduces would declare the JSON errors as PNG too.
  @ApiOkResponse({ description: 'PNG image', content: { 'image/png': { schema: { type: 'string', format: 'binary' } } } })
  @ApiErrors(400, 401, 404)
  async qr(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string, @Res() response: Response): Promise<void> {
    const png = await this.instances.qrPng(tenant.organizationId, id);
    if (png === null) throw new ResourceNotFoundException('Current QR code of instance', id);
    response.type('png').set('cache-control', 'no-store').send(png);
  }

  @Post(':id/pairing-code')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Request a new pairing code for a phone number',
    description:
      'The number is stored once the code is issued. 409 `instance_already_connected` when the instance is connected ' +
      '(delete it to link another number); 409 `instance_not_connected` when it has no socket to ask with.',
  })
  @ApiOkResponse({ type: InstanceStatusDto })
  @ApiErrors(400, 401, 404, 409)
  async pairingCode(
    @CurrentTenant() tenant: TenantContext,
    @Param('id', ParseIdPipe) id: string,
    @Body() body: PairingCodeRequestDto,
  ): Promise<InstanceStatusDto> {
    await this.instances.requestPairingCode(tenant.organizationId, id, body.phoneNumber);
    return this.statusDto(await this.instances.status(tenant.organizationId, id));
  }

  @Post(':id/reconnect')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Close and reopen the socket now (the session is kept)' })
  @ApiOkResponse({ type: InstanceDto })
  @ApiErrors(400, 401, 404)
  async reconnect(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<InstanceDto> {
    return InstanceDto.from(await this.instances.reconnect(tenant.organizationId, id));
  }

  @Get(':id/health')
  @ApiOperation({ summary: 'Whether the socket is live here, and the stored session (created, last used)' })
  @ApiOkResponse({ type: InstanceHealthDto })
  @ApiErrors(400, 401, 404)
  async health(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<InstanceHealthDto> {
    const { instance, live, session } = await this.instances.health(tenant.organizationId, id);
    return { ...InstanceDto.from(instance), live, session };
  }

  @Delete(':id')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiOperation({
    summary: 'Log the device out, then delete the instance and its stored session',
    description:
      "The conversations and their messages stay (a message's instanceId becomes null); messages still waiting for the " +
      "instance, a customer's message not yet answered or a send not yet sent, end failed with 'the WhatsApp instance was deleted'.",
  })
  @ApiNoContentResponse()
  @ApiErrors(400, 401, 404)
  async delete(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<void> {
    await this.instances.delete(tenant.organizationId, id);
  }

  private async statusDto(view: InstanceStatusView): Promise<InstanceStatusDto> {
    return {
      ...InstanceDto.from(view.instance),
      pairingCode: view.pairing.pairingCode,
      pairingCodeExpiresAt: view.pairing.pairingCodeExpiresAt,
      qr: view.pairing.qr,
      qrDataUrl: view.pairing.qr === null ? null : await this.instances.qrDataUrl(view.pairing.qr),
      qrExpiresAt: view.pairing.qrExpiresAt,
      live: view.live,
    };
  }
}
