import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentTenant, type TenantContext } from '../auth/tenant-context.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { toPage } from '../common/pagination.dto.js';
import { AiInteractionsRepository } from './ai-interactions.repository.js';
import { AiInteractionDto, AiInteractionListQueryDto, AiInteractionPageDto } from './dto/ai-interaction.dto.js';

@ApiTags('ai')
@ApiBearerAuth()
@Controller('api/ai-interactions')
export class AiInteractionsController {
  constructor(private readonly interactions: AiInteractionsRepository) {}

  @Get()
  @ApiOperation({
    summary: 'Agent turns, newest first',
    description: 'What the assistants did: model, tokens, each tool call with its arguments and result, latency, outcome and error.',
  })
  @ApiOkResponse({ type: AiInteractionPageDto })
  @ApiErrors(400, 401)
  async list(@CurrentTenant() tenant: TenantContext, @Query() query: AiInteractionListQueryDto): Promise<AiInteractionPageDto> {
    const rows = await this.interactions.list(
      tenant.organizationId,
      { conversationId: query.conversationId, agent: query.agent, outcome: query.outcome },
      query.limit + 1,
      query.offset,
    );
    return toPage(rows, query, AiInteractionDto.from);
  }
}
