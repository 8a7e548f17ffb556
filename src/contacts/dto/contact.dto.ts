import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length } from 'class-validator';
import { IsBooleanQuery, IsName, IsOptionalNotNull } from '../../common/validation.js';
import { PageMetaDto, PaginationQueryDto } from '../../common/pagination.dto.js';
import { IsPhoneNumber } from '../../common/phone-number.js';
import type { ContactRow } from '../contacts.repository.js';

export class CreateContactDto {
  @ApiProperty({
    example: '+5511987654321',
    description: 'E.164; Brazilian numbers may omit +55, as in (11) 98765-4321; a mobile is kept with its ninth digit',
  })
  @IsPhoneNumber()
  phone!: string;

  @ApiPropertyOptional({ example: 'Ana Souza', minLength: 1, maxLength: 120, description: 'Trimmed; spaces alone are refused' })
  @IsOptional()
  @IsName(120)
  name?: string;

  @ApiPropertyOptional({ example: 'Prefere atendimento pela manhã', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  notes?: string;
}

export class UpdateContactDto {
  @ApiPropertyOptional({
    example: 'Ana Souza',
    minLength: 1,
    maxLength: 120,
    nullable: true,
    type: String,
    description: 'Trimmed; spaces alone are refused; null clears it',
  })
  @IsOptional()
  @IsName(120)
  name?: string | null;

  @ApiPropertyOptional({ example: 'Prefere atendimento pela manhã', maxLength: 2000, nullable: true, type: String, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  notes?: string | null;

  @ApiPropertyOptional({
    example: true,
    description: 'True records that the contact asked not to receive messages (the first time is kept); false clears it',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  optedOut?: boolean;
}

export class ContactListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ example: 'ana', minLength: 1, maxLength: 100, description: 'Part of the name or phone, case-insensitive' })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  q?: string;

  @ApiPropertyOptional({ example: false, type: Boolean, description: 'Only contacts that opted out (true) or that did not (false)' })
  @IsOptional()
  @IsBooleanQuery()
  optedOut?: boolean;
}

export class ContactDto {
  @ApiProperty({ example: '5f0c8a7e-1b2c-4d3e-8f9a-0b1c2d3e4f5a' })
  id!: string;

  @ApiProperty({ example: '+5511987654321' })
  phone!: string;

  @ApiPropertyOptional({ example: 'Ana Souza', nullable: true, type: String })
  name!: string | null;

  @ApiPropertyOptional({ example: 'Prefere atendimento pela manhã', nullable: true, type: String })
  notes!: string | null;

  @ApiPropertyOptional({
    example: '3a4b5c6d-7e8f-4a9b-8c0d-1e2f3a4b5c6d',
    nullable: true,
    type: String,
    description: 'The WhatsApp instance the contact last wrote to',
  })
  instanceId!: string | null;

  @ApiPropertyOptional({ example: '2026-11-25T12:30:00.000Z', nullable: true, type: String })
  lastMessageAt!: string | null;

  @ApiPropertyOptional({ example: null, nullable: true, type: String, description: 'When the contact asked not to receive messages' })
  optedOutAt!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-11-25T12:30:00.000Z' })
  updatedAt!: string;

  static from(row: ContactRow): ContactDto {
    return {
      id: row.id,
      phone: row.phone,
      name: row.name,
      notes: row.notes,
      instanceId: row.instanceId,
      lastMessageAt: row.lastMessageAt?.toISOString() ?? null,
      optedOutAt: row.optedOutAt?.toISOString() ?? null,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}

export class ContactPageDto {
  @ApiProperty({ type: [ContactDto] })
  data!: ContactDto[];

  @ApiProperty({ type: PageMetaDto })
  page!: PageMetaDto;
}
