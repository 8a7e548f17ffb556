import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsUUID } from 'class-validator';
import { PageMetaDto, PaginationQueryDto } from '../../common/pagination.dto.js';
import { CONVERSATION_AGENTS, CONVERSATION_STATES, type ConversationState, MESSAGE_DIRECTIONS, MESSAGE_ORIGINS, MESSAGE_TYPES } from '../../database/schema.js';
import type { MessageRow } from '../../whatsapp/messages.repository.js';
import type { ConversationView } from '../conversations.repository.js';

export class ConversationListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({
    enum: CONVERSATION_STATES,
    example: 'waiting_human',
    description: 'Only conversations in this state; `waiting_human` is the staff queue, longest waiting first',
  })
  @IsOptional()
  @IsIn(CONVERSATION_STATES, { message: `state must be one of ${CONVERSATION_STATES.join(', ')}` })
  state?: ConversationState;

  @ApiPropertyOptional({ example: '5f0c8a7e-1b2c-4d3e-8f9a-0b1c2d3e4f5a', description: 'Only the conversation of this contact' })
  @IsOptional()
  @IsUUID('all', { message: 'contactId must be a UUID' })
  contactId?: string;
}

export class ConversationLastMessageDto {
  @ApiProperty({ enum: MESSAGE_DIRECTIONS, example: 'inbound', description: 'inbound: the customer wrote it; outbound: the shop sent it' })
  direction!: string;

  @ApiPropertyOptional({ enum: MESSAGE_ORIGINS, example: 'customer', nullable: true, type: String, description: 'api: a staff send' })
  origin!: string | null;

  @ApiProperty({ enum: MESSAGE_TYPES, example: 'text' })
  type!: string;

  @ApiPropertyOptional({ example: 'Meu cachorro está com a pata machucada', nullable: true, type: String, description: 'The text or caption' })
  text!: string | null;

  @ApiProperty({ example: '2026-11-25T12:31:00.000Z' })
  at!: string;
}

export class ConversationDto {
  @ApiProperty({ example: '9b2f4c1e-6a7d-4e8f-9a0b-1c2d3e4f5a6b' })
  id!: string;

  @ApiProperty({ example: '5f0c8a7e-1b2c-4d3e-8f9a-0b1c2d3e4f5a' })
  contactId!: string;

  @ApiProperty({ example: '+5511912345678', description: 'The customer, E.164' })
  contactPhone!: string;

  @ApiPropertyOptional({ example: 'Ana', nullable: true, type: String, description: "The contact's name (staff's, or else WhatsApp's push name)" })
  contactName!: string | null;

  @ApiPropertyOptional({ example: '3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d', nullable: true, type: String })
  instanceId!: string | null;

  @ApiProperty({ enum: CONVERSATION_AGENTS, example: 'client', description: 'client: a customer; aurora: an owner number' })
  agent!: string;

  @ApiProperty({
    enum: CONVERSATION_STATES,
    example: 'waiting_human',
    description: 'bot answers; waiting_human: a person was asked for; human: staff is answering; closed: ended (the next message reopens it with the bot)',
  })
  state!: string;

  @ApiPropertyOptional({
    example: 'o cliente pediu um atendente',
    nullable: true,
    type: String,
    description: 'Why the conversation was handed to a person; kept while a person has it, cleared when it goes back to the bot or closes',
  })
  handoffReason!: string | null;

  @ApiProperty({
    example: '2026-11-25T12:30:00.000Z',
    description: "When the state last changed; with a person, HANDOFF_TIMEOUT_HOURS after it and staff's last message the bot takes over again",
  })
  stateChangedAt!: string;

  @ApiPropertyOptional({ example: '2026-11-25T12:31:00.000Z', nullable: true, type: String, description: "When the customer last wrote" })
  lastMessageAt!: string | null;

  @ApiPropertyOptional({
    type: ConversationLastMessageDto,
    nullable: true,
    description:
      'The last message exchanged with the customer, either way (a staff reply included; a failed send, which the customer never got, is not): what a queue shows',
  })
  lastMessage!: ConversationLastMessageDto | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  static from({ conversation: row, contact, lastMessage }: ConversationView): ConversationDto {
    return {
      id: row.id,
      contactId: row.contactId,
      contactPhone: contact.phone,
      contactName: contact.name,
      instanceId: row.instanceId,
      agent: row.agent,
      state: row.state,
      handoffReason: row.handoffReason,
      stateChangedAt: row.stateChangedAt.toISOString(),
      lastMessageAt: row.lastMessageAt?.toISOString() ?? null,
      lastMessage: lastMessage === null ? null : { ...lastMessage, at: new Date(lastMessage.at).toISOString() },
      createdAt: row.createdAt.toISOString(),
    };
  }
}

export class ConversationPageDto {
  @ApiProperty({ type: [ConversationDto] })
  data!: ConversationDto[];

  @ApiProperty({ type: PageMetaDto })
  page!: PageMetaDto;
}

export class ConversationMessageDto {
  @ApiProperty({ example: '0c1d2e3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f' })
  id!: string;

  @ApiProperty({ enum: ['inbound', 'outbound'], example: 'inbound' })
  direction!: string;

  @ApiPropertyOptional({ enum: MESSAGE_ORIGINS, example: 'customer', nullable: true, type: String })
  origin!: string | null;

  @ApiProperty({ example: 'text' })
  type!: string;

  @ApiPropertyOptional({ example: 'Quero agendar banho para o Rex', nullable: true, type: String })
  text!: string | null;

  @ApiProperty({ example: 'processed' })
  status!: string;

  @ApiPropertyOptional({ example: null, nullable: true, type: String, description: 'Why an inbound message was not answered, or a send failed' })
  error!: string | null;

  @ApiProperty({ example: '2026-11-25T12:30:00.000Z' })
  createdAt!: string;

  static from(row: MessageRow): ConversationMessageDto {
    return {
      id: row.id,
      direction: row.direction,
      origin: row.origin,
      type: row.type,
      text: row.body,
      status: row.status,
      error: row.error,
      createdAt: row.createdAt.toISOString(),
    };
  }
}

export class ConversationMessagePageDto {
  @ApiProperty({ type: [ConversationMessageDto] })
  data!: ConversationMessageDto[];

  @ApiProperty({ type: PageMetaDto })
  page!: PageMetaDto;
}
