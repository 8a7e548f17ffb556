import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { IsName, IsOptionalNotNull } from '../../common/validation.js';
import { PageMetaDto, PaginationQueryDto } from '../../common/pagination.dto.js';
import { PET_SIZES } from '../../database/schema.js';
import type { PetRow } from '../pets.repository.js';

type PetSize = (typeof PET_SIZES)[number];

const DAY_MESSAGE = 'birthDate must be a day as YYYY-MM-DD';

export class CreatePetDto {
  @ApiProperty({ example: '5f0c8a7e-1b2c-4d3e-8f9a-0b1c2d3e4f5a', description: 'The owner' })
  @IsUUID()
  contactId!: string;

  @ApiProperty({ example: 'Rex', minLength: 1, maxLength: 80 })
  @IsName(80)
  name!: string;

  @ApiProperty({ example: 'cachorro', minLength: 1, maxLength: 40 })
  @IsString()
  @Length(1, 40)
  species!: string;

  @ApiPropertyOptional({ example: 'Shih-tzu', minLength: 1, maxLength: 80 })
  @IsOptional()
  @IsString()
  @Length(1, 80)
  breed?: string;

  @ApiPropertyOptional({ example: 'pequeno', enum: PET_SIZES })
  @IsOptional()
  @IsIn(PET_SIZES)
  size?: PetSize;

  @ApiPropertyOptional({ example: '2021-03-15', description: 'A day (YYYY-MM-DD), not in the future' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: DAY_MESSAGE })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: DAY_MESSAGE })
  birthDate?: string;

  @ApiPropertyOptional({ example: 'Alérgico a shampoo perfumado', maxLength: 2000 })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  notes?: string;
}

export class UpdatePetDto {
  @ApiPropertyOptional({ example: 'Rex', minLength: 1, maxLength: 80 })
  @IsOptionalNotNull()
  @IsName(80)
  name?: string;

  @ApiPropertyOptional({ example: 'cachorro', minLength: 1, maxLength: 40 })
  @IsOptionalNotNull()
  @IsString()
  @Length(1, 40)
  species?: string;

  @ApiPropertyOptional({ example: 'Shih-tzu', minLength: 1, maxLength: 80, nullable: true, type: String, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @Length(1, 80)
  breed?: string | null;

  @ApiPropertyOptional({ example: 'pequeno', enum: PET_SIZES, nullable: true, description: 'null clears it' })
  @IsOptional()
  @IsIn(PET_SIZES)
  size?: PetSize | null;

  @ApiPropertyOptional({ example: '2021-03-15', nullable: true, type: String, description: 'A day (YYYY-MM-DD), not in the future; null clears it' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: DAY_MESSAGE })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: DAY_MESSAGE })
  birthDate?: string | null;

  @ApiPropertyOptional({ example: 'Alérgico a shampoo perfumado', maxLength: 2000, nullable: true, type: String, description: 'null clears it' })
  @IsOptional()
  @IsString()
  @Length(0, 2000)
  notes?: string | null;
}

export class PetListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ example: '5f0c8a7e-1b2c-4d3e-8f9a-0b1c2d3e4f5a', description: "Only this contact's pets" })
  @IsOptional()
  @IsUUID()
  contactId?: string;
}

export class PetDto {
  @ApiProperty({ example: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' })
  id!: string;

  @ApiProperty({ example: '5f0c8a7e-1b2c-4d3e-8f9a-0b1c2d3e4f5a' })
  contactId!: string;

  @ApiProperty({ example: 'Rex' })
  name!: string;

  @ApiProperty({ example: 'cachorro' })
  species!: string;

  @ApiPropertyOptional({ example: 'Shih-tzu', nullable: true, type: String })
  breed!: string | null;

  @ApiPropertyOptional({ example: 'pequeno', enum: PET_SIZES, nullable: true })
  size!: PetSize | null;

  @ApiPropertyOptional({ example: '2021-03-15', nullable: true, type: String })
  birthDate!: string | null;

  @ApiPropertyOptional({ example: 'Alérgico a shampoo perfumado', nullable: true, type: String })
  notes!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-11-25T12:30:00.000Z' })
  updatedAt!: string;

  static from(row: PetRow): PetDto {
    return {
      id: row.id,
      contactId: row.contactId,
      name: row.name,
      species: row.species,
      breed: row.breed,
      size: row.size,
      birthDate: row.birthDate,
      notes: row.notes,
      createdAt: row.createdAt.toISOString(),
      updatedAt: row.updatedAt.toISOString(),
    };
  }
}

export class PetPageDto {
  @ApiProperty({ type: [PetDto] })
  data!: PetDto[];

  @ApiProperty({ type: PageMetaDto })
  page!: PageMetaDto;
}
