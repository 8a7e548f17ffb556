import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageMetaDto, PaginationQueryDto } from '../../common/pagination.dto.js';
import { AI_OUTCOMES, type AiOutcome, CONVERSATION_AGENTS, type ConversationAgentKind } from '../../database/schema.js';
import type { AiInteractionRow } from '../ai-interactions.repository.js';

export class AiInteractionListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ example: '9b2f4c1e-6a7d-4e8f-9a0b-1c2d3e4f5a6b', description: 'Only the turns of this conversation' })
  @IsOptional()
  @IsUUID('all', { message: 'conversationId must be a UUID' })
  conversationId?: string;

  @ApiPropertyOptional({ enum: CONVERSATION_AGENTS, example: 'client', description: 'client: the customers\' assistant; aurora: the owner\'s' })
  @IsOptional()
  @IsIn(CONVERSATION_AGENTS, { message: `agent must be one of ${CONVERSATION_AGENTS.join(', ')}` })
  agent?: ConversationAgentKind;

  @ApiPropertyOptional({ enum: AI_OUTCOMES, example: 'fallback' })
  @IsOptional()
  @IsIn(AI_OUTCOMES, { message: `outcome must be one of ${AI_OUTCOMES.join(', ')}` })
  outcome?: AiOutcome;
}

export class AiToolCallDto {
  @ApiProperty({ example: 'agendar_servico' })
  name!: string;

  @ApiProperty({ example: { pet_nome: 'Rex', servico: 'Banho', data_hora: '2026-11-27T10:00' }, description: 'As the model wrote them (parsed when JSON)' })
  arguments!: unknown;

  @ApiProperty({ example: true, description: 'False when the tool refused (the result says why)' })
  ok!: boolean;

  @ApiProperty({ example: { agendamento: { servico: 'Banho', pet: 'Rex', data: '2026-11-27', hora: '10:00' } }, type: Object })
  result!: Record<string, unknown>;

  @ApiProperty({ example: 35 })
  durationMs!: number;
}

export class AiInteractionDto {
  @ApiProperty({ example: '0d1e2f3a-4b5c-4d6e-8f7a-9b0c1d2e3f4a' })
  id!: string;

  @ApiPropertyOptional({ example: '9b2f4c1e-6a7d-4e8f-9a0b-1c2d3e4f5a6b', nullable: true, type: String })
  conversationId!: string | null;

  @ApiPropertyOptional({ example: '5f0c8a7e-1b2c-4d3e-8f9a-0b1c2d3e4f5a', nullable: true, type: String })
  contactId!: string | null;

  @ApiProperty({ enum: CONVERSATION_AGENTS, example: 'client' })
  agent!: string;

  @ApiPropertyOptional({ example: 'gpt-4o-mini', nullable: true, type: String })
  model!: string | null;

  @ApiProperty({
    enum: AI_OUTCOMES,
    example: 'answered',
    description:
      'answered: the model replied; handoff: it passed the chat to a person; tool_limit: stopped at the cap on tool rounds (a person was offered); fallback: the model failed and the offline menu answered; offline: no OpenAI key, the menu answered; failed: an internal error ended the turn (the pipeline retries it)',
  })
  outcome!: string;

  @ApiProperty({ example: 2, description: 'Model calls made in the turn' })
  rounds!: number;

  @ApiProperty({ example: 812 })
  promptTokens!: number;

  @ApiProperty({ example: 64 })
  completionTokens!: number;

  @ApiProperty({ type: [AiToolCallDto] })
  toolCalls!: AiToolCallDto[];

  @ApiProperty({ example: 1430, description: 'Wall time of the turn, model and tools' })
  latencyMs!: number;

  @ApiPropertyOptional({ example: 'llm_timeout: No answer within 20000 ms', nullable: true, type: String })
  error!: string | null;

  @ApiProperty({ example: '2026-11-26T12:30:00.000Z' })
  createdAt!: string;

  static from(row: AiInteractionRow): AiInteractionDto {
    return {
      id: row.id,
      conversationId: row.conversationId,
      contactId: row.contactId,
      agent: row.agent,
      model: row.model,
      outcome: row.outcome,
      rounds: row.rounds,
      promptTokens: row.promptTokens,
      completionTokens: row.completionTokens,
      toolCalls: row.toolCalls,
      latencyMs: row.latencyMs,
      error: row.error,
      createdAt: row.createdAt.toISOString(),
    };
  }
}

export class AiInteractionPageDto {
  @ApiProperty({ type: [AiInteractionDto] })
  data!: AiInteractionDto[];

  @ApiProperty({ type: PageMetaDto })
  page!: PageMetaDto;
}
