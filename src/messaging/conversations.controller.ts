import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { PaginationQueryDto, toPage } from '../common/pagination.dto.js';
import { ParseIdPipe } from '../common/validation.js';
import { type ConversationAction, ConversationsService } from './conversations.service.js';
import {
  ConversationDto,
  ConversationListQueryDto,
  ConversationMessageDto,
  ConversationMessagePageDto,
  ConversationPageDto,
} from './dto/conversation.dto.js';

@ApiTags('conversations')
@ApiBearerAuth()
@Controller('api/conversations')
export class ConversationsController {
  constructor(private readonly conversations: ConversationsService) {}

  @Get()
  @ApiOperation({
    summary: 'List conversations',
    description: '`?state=waiting_human` is the staff queue (longest waiting first); otherwise the most recent first.',
  })
  @ApiOkResponse({ type: ConversationPageDto })
  @ApiErrors(400, 401)
  async list(@CurrentTenant() tenant: TenantContext, @Query() query: ConversationListQueryDto): Promise<ConversationPageDto> {
    const rows = await this.conversations.list(
      tenant.organizationId,
      { state: query.state, contactId: query.contactId },
      query.limit + 1,
      query.offset,
    );
    return toPage(rows, query, ConversationDto.from);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One conversation' })
  @ApiOkResponse({ type: ConversationDto })
  @ApiErrors(400, 401, 404)
  async get(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<ConversationDto> {
    return ConversationDto.from(await this.conversations.get(tenant.organizationId, id));
  }

  @Get(':id/messages')
  @ApiOperation({ summary: "Messages exchanged with the conversation's contact, newest first (staff sends included)" })
  @ApiOkResponse({ type: ConversationMessagePageDto })
  @ApiErrors(400, 401, 404)
  async messages(
    @CurrentTenant() tenant: TenantContext,
    @Param('id', ParseIdPipe) id: string,
    @Query() query: PaginationQueryDto,
  ): Promise<ConversationMessagePageDto> {
    const rows = await this.conversations.messages(tenant.organizationId, id, query.limit + 1, query.offset);
    return toPage(rows, query, ConversationMessageDto.from);
  }

  @Post(':id/take-over')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'A person takes the conversation (state human): the bot stops answering',
    description:
      "An assistant's reply not yet sent is not sent: it ends `failed`, its error saying a person took the conversation over. " +
      'Taking over a conversation already `human` restarts its handoff timeout (no state change, no event).',
  })
  @ApiOkResponse({ type: ConversationDto })
  @ApiErrors(400, 401, 404, 409)
  takeOver(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<ConversationDto> {
    return this.apply(tenant, id, 'take-over');
  }

  @Post(':id/release')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Give the conversation back to the bot (from waiting_human or human)' })
  @ApiOkResponse({ type: ConversationDto })
  @ApiErrors(400, 401, 404, 409)
  release(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<ConversationDto> {
    return this.apply(tenant, id, 'release');
  }

  @Post(':id/close')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: "Close the conversation; the customer's next message reopens it with the bot" })
  @ApiOkResponse({ type: ConversationDto })
  @ApiErrors(400, 401, 404, 409)
  close(@CurrentTenant() tenant: TenantContext, @Param('id', ParseIdPipe) id: string): Promise<ConversationDto> {
    return this.apply(tenant, id, 'close');
  }

  private async apply(tenant: TenantContext, id: string, action: ConversationAction): Promise<ConversationDto> {
    return ConversationDto.from(await this.conversations.apply(tenant.organizationId, id, action));
  }
}
