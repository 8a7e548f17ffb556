import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import { PageMetaDto, PaginationQueryDto } from '../../common/pagination.dto.js';
import { RESOURCE_KINDS, type ResourceKind } from '../../database/schema.js';
import type { ResourceRow } from '../resources.repository.js';
import { IsBooleanQuery, IsName, IsOptionalNotNull } from '../../common/validation.js';

export class CreateResourceDto {
  @ApiProperty({ example: 'Box 1', minLength: 1, maxLength: 120 })
  @IsName(120)
  name!: string;

  @ApiProperty({ example: 'bath_station', enum: RESOURCE_KINDS })
  @IsIn(RESOURCE_KINDS)
  kind!: ResourceKind;
}

export class UpdateResourceDto {
  @ApiPropertyOptional({ example: 'Box 2', minLength: 1, maxLength: 120 })
  @IsOptionalNotNull()
  @IsName(120)
  name?: string;

  @ApiPropertyOptional({ example: 'groomer', enum: RESOURCE_KINDS })
  @IsOptionalNotNull()
  @IsIn(RESOURCE_KINDS)
  kind?: ResourceKind;

  @ApiPropertyOptional({ example: true, description: 'False retires the resource: it is no longer offered for bookings' })
  @IsOptionalNotNull()
  @IsBoolean()
  active?: boolean;
}

export class ResourceListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ example: 'groomer', enum: RESOURCE_KINDS })
  @IsOptional()
  @IsIn(RESOURCE_KINDS)
  kind?: ResourceKind;

  @ApiPropertyOptional({ example: true, type: Boolean, description: 'Only active (true) or only retired (false) resources' })
  @IsOptional()
  @IsBooleanQuery()
  active?: boolean;
}

export class ResourceDto {
  @ApiProperty({ example: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f' })
  id!: string;

  @ApiProperty({ example: 'Box 1' })
  name!: string;

  @ApiProperty({ example: 'bath_station', enum: RESOURCE_KINDS })
  kind!: ResourceKind;

  @ApiProperty({ example: 1, description: 'Bookings it can hold at once' })
  capacity!: number;

  @ApiProperty({ example: true })
  active!: boolean;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  static from(row: ResourceRow): ResourceDto {
    return {
      id: row.id,
      name: row.name,
      kind: row.kind,
      capacity: row.capacity,
      active: row.active,
      createdAt: row.createdAt.toISOString(),
    };
  }
}

export class ResourcePageDto {
  @ApiProperty({ type: [ResourceDto] })
  data!: ResourceDto[];

  @ApiProperty({ type: PageMetaDto })
  page!: PageMetaDto;
}
