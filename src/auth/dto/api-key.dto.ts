import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsName } from '../../common/validation.js';
import { PageMetaDto } from '../../common/pagination.dto.js';
import type { ApiKeyRow } from '../api-keys.repository.js';

export class CreateApiKeyDto {
  @ApiProperty({ example: 'Front desk dashboard', minLength: 1, maxLength: 80 })
  @IsName(80)
  name!: string;
}

export class ApiKeyDto {
  @ApiProperty({ example: '0b5c7c1e-2f7e-4f3a-8f0e-6a1d2c3b4a59' })
  id!: string;

  @ApiProperty({ example: 'Front desk dashboard' })
  name!: string;

  @ApiProperty({ example: 'oxy_Q2hhdmVz', description: 'First characters of the key, to tell keys apart' })
  prefix!: string;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  @ApiPropertyOptional({ example: '2026-11-25T12:30:00.000Z', nullable: true, type: String })
  lastUsedAt!: string | null;

  @ApiPropertyOptional({ example: null, nullable: true, type: String })
  revokedAt!: string | null;

  static from(row: ApiKeyRow): ApiKeyDto {
    return {
      id: row.id,
      name: row.name,
      prefix: row.prefix,
      createdAt: row.createdAt.toISOString(),
      lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
      revokedAt: row.revokedAt?.toISOString() ?? null,
    };
  }
}

export class ApiKeyCreatedDto extends ApiKeyDto {
  @ApiProperty({
    example: 'oxy_Q2hhdmVzUmFuZG9tQnl0ZXNCYXNlNjRVcmxFbmNvZGVk',
    description: 'The key itself. Shown only in this response: store it now.',
  })
  key!: string;
}

export class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyDto] })
  data!: ApiKeyDto[];

  @ApiProperty({ type: PageMetaDto })
  page!: PageMetaDto;
}
