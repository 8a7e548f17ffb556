import { Controller, Get, Inject, Param, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { ResourceNotFoundException } from '../common/domain.exception.js';
import { ParseIdPipe } from '../common/validation.js';
import { MediaNotAvailableException } from './media.exceptions.js';
import { MEDIA_STORE, MediaMissingError, type MediaStore } from './media-store.js';
import { MessageMediaRepository } from './message-media.repository.js';

@ApiTags('media')
@ApiBearerAuth()
@Controller('api/messages')
export class MediaController {
  constructor(
    private readonly messages: MessageMediaRepository,
    @Inject(MEDIA_STORE) private readonly store: MediaStore,
  ) {}

  @Get(':id/media')
  @ApiOperation({
    summary: "The bytes of a message's image, voice note or document (a customer's or one the shop sent)",
    description:
      'Served with the MIME type WhatsApp gave it. 404 `not_found` when the organization has no such message; ' +
      '404 `media_not_available` when the message has no stored media (a text, or media that was too large or ' +
      'failed to download: `details.reason` says which).',
  })
  @ApiOkResponse({ description: 'The media bytes', content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } } })
  @ApiErrors(400, 401, 404)
  async media(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string, @Res() response: Response): Promise<void> {
    const message = await this.messages.find(tenant.organizationId, id);
    if (message === null) throw new ResourceNotFoundException('Message', id);
    if (message.mediaRef === null) {
      throw new MediaNotAvailableException(id, message.error ?? (message.type === 'text' ? 'it is a text message' : 'its media has not been stored'));
    }
    const data = await this.store.get(message.mediaRef).catch((error: unknown) => {
      if (error instanceof MediaMissingError) throw new MediaNotAvailableException(id, 'its media is no longer in the media store');
      throw error;
    });
    response
      // The type is the sender's word: nosniff and a sandboxing CSP keep an "image" that is HTML from running on this origin.
      .type(message.mediaMimetype ?? 'application/octet-stream')
      .set({
        'x-content-type-options': 'nosniff',
        'content-security-policy': "default-src 'none'; sandbox",
        'cache-control': 'private, max-age=3600',
      })
      .send(data);
  }
}
