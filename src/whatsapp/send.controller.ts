import { Body, Controller, HttpCode, HttpStatus, Post } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { MessageAcceptedDto, SendAudioDto, SendImageDto, SendTextDto } from './dto/send.dto.js';
import { OutboundService } from './outbound/outbound.service.js';

@ApiTags('whatsapp')
@ApiBearerAuth()
@Controller('api/whatsapp/send')
export class SendController {
  constructor(private readonly outbound: OutboundService) {}

  @Post('text')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Queue a text message',
    description: 'Stored and queued (by the sweeper, if Redis is away); sent paced per instance, in order per recipient. 409 when the instance is not connected.',
  })
  @ApiAcceptedResponse({ type: MessageAcceptedDto })
  @ApiErrors(400, 401, 404, 409)
  async text(@CurrentTenant() tenant: TenantContext, @Body() body: SendTextDto): Promise<MessageAcceptedDto> {
    const row = await this.outbound.accept(tenant.organizationId, body.instanceId, body.to, { kind: 'text', text: body.text });
    return { messageId: row.id, status: row.status };
  }

  @Post('image')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Queue an image (url or base64), with an optional caption', description: 'Stored and queued, as a text. 413 beyond MEDIA_MAX_BYTES.' })
  @ApiAcceptedResponse({ type: MessageAcceptedDto })
  @ApiErrors(400, 401, 404, 409, 413)
  async image(@CurrentTenant() tenant: TenantContext, @Body() body: SendImageDto): Promise<MessageAcceptedDto> {
    const { instanceId, to, ...media } = body;
    const row = await this.outbound.accept(tenant.organizationId, instanceId, to, { kind: 'image', ...media });
    return { messageId: row.id, status: row.status };
  }

  @Post('audio')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Queue an audio (url or base64), as a voice note with ptt', description: 'Stored and queued, as a text. 413 beyond MEDIA_MAX_BYTES.' })
  @ApiAcceptedResponse({ type: MessageAcceptedDto })
  @ApiErrors(400, 401, 404, 409, 413)
  async audio(@CurrentTenant() tenant: TenantContext, @Body() body: SendAudioDto): Promise<MessageAcceptedDto> {
    const { instanceId, to, ...media } = body;
    const row = await this.outbound.accept(tenant.organizationId, instanceId, to, { kind: 'audio', ...media });
    return { messageId: row.id, status: row.status };
  }
}
