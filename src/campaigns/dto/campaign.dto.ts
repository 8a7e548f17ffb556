import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateIf, ValidateNested } from 'class-validator';
import { PageMetaDto, PaginationQueryDto } from '../../common/pagination.dto.js';
import { IsOptionalNotNull } from '../../common/validation.js';
import { ACTOR_KINDS, CAMPAIGN_STATUSES, type CampaignAudience, type CampaignStatus } from '../../database/schema.js';
import {
  MAX_CAMPAIGN_OBJECTIVE_LENGTH,
  MAX_CAMPAIGN_TEXT_LENGTH,
  MAX_INACTIVE_DAYS,
  MIN_INACTIVE_DAYS,
} from '../campaign-rules.js';
import { campaignCounts, type CampaignRow } from '../campaigns.repository.js';

export class CampaignAudienceDto {
  @ApiProperty({
    enum: ['all', 'inactive'],
    example: 'inactive',
    description: '`all`: every contact (the owner numbers excepted); `inactive`: contacts with neither a booking nor a message in the last `days` days',
  })
  @IsIn(['all', 'inactive'])
  kind!: 'all' | 'inactive';

  @ApiPropertyOptional({ example: 60, minimum: MIN_INACTIVE_DAYS, maximum: MAX_INACTIVE_DAYS, description: 'Required for `inactive`' })
  @ValidateIf((audience: CampaignAudienceDto) => audience.kind === 'inactive' || audience.days !== undefined)
  @IsInt()
  @Min(MIN_INACTIVE_DAYS)
  @Max(MAX_INACTIVE_DAYS)
  days?: number;
}

export class CreateCampaignDto {
  @ApiProperty({ example: 'Trazer de volta clientes sumidos com 10% no banho', minLength: 1, maxLength: MAX_CAMPAIGN_OBJECTIVE_LENGTH })
  @IsString()
  @Length(1, MAX_CAMPAIGN_OBJECTIVE_LENGTH)
  objective!: string;

  @ApiProperty({ type: CampaignAudienceDto, example: { kind: 'inactive', days: 60 } })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => CampaignAudienceDto)
  audience!: CampaignAudienceDto;

  @ApiProperty({
    example: 'Oi, {nome}! Faz tempo que não vemos {pet} por aqui 🐶 Nesta semana o banho está com 10% de desconto. Quer agendar? (Responda SAIR para não receber mais)',
    minLength: 1,
    maxLength: MAX_CAMPAIGN_TEXT_LENGTH,
    description:
      "The message every recipient gets. `{nome}` becomes the customer's first name (left out, with the comma before it, when unknown) " +
      'and `{pet}` their pet\'s name ("seu pet" when they have none or several); any other `{...}` is a 400 `invalid_campaign`',
  })
  @IsString()
  @Length(1, MAX_CAMPAIGN_TEXT_LENGTH)
  text!: string;

  @ApiPropertyOptional({ example: '3b1f6a0e-4c2d-4e8f-9a7b-5d6c7e8f9a0b', description: "The WhatsApp instance that sends it; default: the organization's connected one at approval" })
  @IsOptionalNotNull()
  @IsUUID()
  instanceId?: string;
}

export class CampaignActorDto {
  @ApiProperty({ enum: ACTOR_KINDS, example: 'api_key' })
  kind!: string;

  @ApiProperty({ type: String, nullable: true, example: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a' })
  id!: string | null;
}

export class CampaignCountsDto {
  @ApiProperty({ example: 42, description: 'Contacts that matched the audience when it was approved' })
  audienceSize!: number;

  @ApiProperty({ example: 30, description: 'Messages WhatsApp accepted' })
  sent!: number;

  @ApiProperty({ example: 1, description: 'Messages that could not be sent' })
  failed!: number;

  @ApiProperty({ example: 3, description: 'Recipients who had opted out (wrote SAIR)' })
  skippedOptedOut!: number;

  @ApiProperty({ example: 8, description: "Recipients outside WhatsApp's 24-hour window (not sent unless the organization allows it)" })
  skippedOutsideWindow!: number;

  @ApiProperty({
    example: 0,
    description:
      'Recipients not reached (not yet, or their message is in flight); the five counts add up to `audienceSize`. ' +
      'On a `cancelled` campaign: the recipients who got nothing',
  })
  pending!: number;
}

export class CampaignDto {
  @ApiProperty({ example: '2c9f1e7a-3b4d-4e5f-8a9b-0c1d2e3f4a5b' })
  id!: string;

  @ApiProperty({ example: 'K7P2QX', description: 'What the owner types to approve it on WhatsApp: CONFIRMAR K7P2QX' })
  code!: string;

  @ApiProperty({ example: 'Trazer de volta clientes sumidos com 10% no banho' })
  objective!: string;

  @ApiProperty({ type: CampaignAudienceDto, example: { kind: 'inactive', days: 60 } })
  audience!: CampaignAudience;

  @ApiProperty({ example: 'Oi! Faz tempo que não vemos seu pet por aqui 🐶 …' })
  text!: string;

  @ApiProperty({
    enum: CAMPAIGN_STATUSES,
    example: 'draft',
    description:
      '`draft -> approved -> sending -> sent`; `cancelled` when stopped before the end; `failed` when its WhatsApp number was deleted ' +
      'before every recipient was reached (those recipients count in `counts.failed`)',
  })
  status!: CampaignStatus;

  @ApiProperty({ type: String, nullable: true, example: '3b1f6a0e-4c2d-4e8f-9a7b-5d6c7e8f9a0b' })
  instanceId!: string | null;

  @ApiProperty({ type: CampaignActorDto })
  createdBy!: CampaignActorDto;

  @ApiProperty({ type: CampaignActorDto, nullable: true })
  approvedBy!: CampaignActorDto | null;

  @ApiProperty({ type: String, nullable: true, example: '2026-11-26T12:00:00.000Z' })
  approvedAt!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null })
  cancelledAt!: string | null;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'When the last recipient was done (status sent)' })
  finishedAt!: string | null;

  @ApiProperty({ type: CampaignCountsDto })
  counts!: CampaignCountsDto;

  @ApiProperty({ example: '2026-11-26T11:58:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-11-26T12:03:10.000Z' })
  updatedAt!: string;

  static from(row: CampaignRow): CampaignDto {
    return {
      id: row.id,
      code: row.code,
      objective: row.objective,
      audience: row.audience,
      text: row.text,
      status: row.status,
      instanceId: row.instanceId,
      createdBy: { kind: row.createdByKind, id: row.createdById },
      approvedBy: row.approvedByKind === null ? null : { kind: row.approvedByKind, id: row.approvedById },
      approvedAt: row.approvedAt?.toISOString() ?? null,
      cancelledAt: row.cancelledAt?.toISOString() ?? null,
      finishedAt: row.finishedAt?.toISOString() ?? null,
      counts: campaignCounts(row),
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}

export class CampaignListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: CAMPAIGN_STATUSES, example: 'draft' })
  @IsOptional()
  @IsIn(CAMPAIGN_STATUSES)
  status?: CampaignStatus;
}

export class CampaignPageDto {
  @ApiProperty({ type: [CampaignDto] })
  data!: CampaignDto[];

  @ApiProperty({ type: PageMetaDto })
  page!: PageMetaDto;
}
