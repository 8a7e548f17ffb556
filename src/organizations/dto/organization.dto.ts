import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional, IsString, Length } from 'class-validator';
import { IsPhoneNumber } from '../../common/phone-number.js';
import { IsTimeZone } from '../../common/time-zone.js';
import type { OrganizationRow } from '../organizations.repository.js';
import { ApiKeyCreatedDto } from '../../auth/dto/api-key.dto.js';

export class CreateOrganizationDto {
  @ApiProperty({ example: 'Pet Shop Bom Banho', minLength: 1, maxLength: 120 })
  @IsString()
  @Length(1, 120)
  name!: string;

  @ApiPropertyOptional({ example: 'America/Sao_Paulo', default: 'America/Sao_Paulo' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({
    example: ['+5511987654321'],
    description: 'Numbers that talk to Aurora, the owner agent (E.164; Brazilian numbers may omit +55)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsPhoneNumber({ each: true })
  ownerNumbers?: string[];
}

export class OrganizationDto {
  @ApiProperty({ example: '6f1c2b9e-8a4d-4c1e-9a57-3d2f0e1b7c44' })
  id!: string;

  @ApiProperty({ example: 'Pet Shop Bom Banho' })
  name!: string;

  @ApiProperty({ example: 'America/Sao_Paulo' })
  timezone!: string;

  @ApiProperty({ example: ['+5511987654321'] })
  authorizedOwnerNumbers!: string[];

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  static from(row: OrganizationRow): OrganizationDto {
    return {
      id: row.id,
      name: row.name,
      timezone: row.timezone,
      authorizedOwnerNumbers: row.authorizedOwnerNumbers,
      createdAt: row.createdAt.toISOString(),
    };
  }
}

export class OrganizationCreatedDto {
  @ApiProperty({ type: OrganizationDto })
  organization!: OrganizationDto;

  @ApiProperty({ type: ApiKeyCreatedDto })
  apiKey!: ApiKeyCreatedDto;
}
