import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageMetaDto, PaginationQueryDto } from '../../common/pagination.dto.js';
import { RESOURCE_KINDS, type ResourceKind } from '../../database/schema.js';
import type { ServiceRow } from '../services.repository.js';
import { IsBooleanQuery, IsName, IsOptionalNotNull } from '../../common/validation.js';

const MAX_DURATION_MIN = 20160;
/** The column is a 32-bit integer; larger values would fail in the database instead of here. */
const MAX_PRICE_CENTS = 2_147_483_647;

export class CreateServiceDto {
  @ApiProperty({ example: 'Banho e tosa', minLength: 1, maxLength: 120 })
  @IsName(120)
  name!: string;

  @ApiProperty({ example: 60, minimum: 5, maximum: MAX_DURATION_MIN, description: 'How long the service takes, in minutes' })
  @IsInt()
  @Min(5)
  @Max(MAX_DURATION_MIN)
  durationMin!: number;

  @ApiProperty({ example: 8000, minimum: 0, description: 'Price in cents (R$ 80,00)' })
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_CENTS)
  priceCents!: number;

  @ApiProperty({ example: 'bath_station', enum: RESOURCE_KINDS, description: 'The kind of resource that performs it' })
  @IsIn(RESOURCE_KINDS)
  resourceKind!: ResourceKind;
}

export class UpdateServiceDto {
  @ApiPropertyOptional({ example: 'Banho e tosa', minLength: 1, maxLength: 120 })
  @IsOptionalNotNull()
  @IsName(120)
  name?: string;

  @ApiPropertyOptional({ example: 90, minimum: 5, maximum: MAX_DURATION_MIN })
  @IsOptionalNotNull()
  @IsInt()
  @Min(5)
  @Max(MAX_DURATION_MIN)
  durationMin?: number;

  @ApiPropertyOptional({ example: 9500, minimum: 0 })
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(MAX_PRICE_CENTS)
  priceCents?: number;

  @ApiPropertyOptional({ example: 'groomer', enum: RESOURCE_KINDS })
  @IsOptionalNotNull()
  @IsIn(RESOURCE_KINDS)
  resourceKind?: ResourceKind;

  @ApiPropertyOptional({ example: true, description: 'False retires the service: it can no longer be booked' })
  @IsOptionalNotNull()
  @IsBoolean()
  active?: boolean;
}

export class ServiceListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ example: true, type: Boolean, description: 'Only active (true) or only retired (false) services' })
  @IsOptional()
  @IsBooleanQuery()
  active?: boolean;
}

export class ServiceDto {
  @ApiProperty({ example: '1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6' })
  id!: string;

  @ApiProperty({ example: 'Banho e tosa' })
  name!: string;

  @ApiProperty({ example: 60 })
  durationMin!: number;

  @ApiProperty({ example: 8000 })
  priceCents!: number;

  @ApiProperty({ example: 'bath_station', enum: RESOURCE_KINDS })
  resourceKind!: ResourceKind;

  @ApiProperty({ example: true })
  active!: boolean;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-11-25T12:30:00.000Z' })
  updatedAt!: string;

  static from(row: ServiceRow): ServiceDto {
    return {
      id: row.id,
      name: row.name,
      durationMin: row.durationMin,
      priceCents: row.priceCents,
      resourceKind: row.resourceKind,
      active: row.active,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}

export class ServicePageDto {
  @ApiProperty({ type: [ServiceDto] })
  data!: ServiceDto[];

  @ApiProperty({ type: PageMetaDto })
  page!: PageMetaDto;
}
