import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import { INSTANCE_STATUSES, type InstanceStatus } from '../../database/schema.js';
import { PageMetaDto } from '../../common/pagination.dto.js';
import { IsName } from '../../common/validation.js';
import type { InstanceRow } from '../instances.repository.js';

const PAIRING_PHONE = /^\d{10,15}$/;
const PAIRING_PHONE_MESSAGE = 'phoneNumber must be digits with the country code, no "+" or spaces, such as 5511987654321';

export class CreateInstanceDto {
  @ApiProperty({ example: 'Recepção', minLength: 1, maxLength: 60, description: 'Trimmed; spaces alone are refused' })
  @IsName(60)
  name!: string;

  @ApiPropertyOptional({ example: 'baileys', enum: ['baileys', 'sandbox'], default: 'baileys' })
  @IsOptional()
  @IsIn(['baileys', 'sandbox'])
  provider?: 'baileys' | 'sandbox';

  @ApiPropertyOptional({
    example: '5511987654321',
    description: 'The number to link. With it, an 8-character pairing code is issued; without, a QR code.',
  })
  @IsOptional()
  @Matches(PAIRING_PHONE, { message: PAIRING_PHONE_MESSAGE })
  phoneNumber?: string;
}

export class PairingCodeRequestDto {
  @ApiProperty({ example: '5511987654321' })
  @Matches(PAIRING_PHONE, { message: PAIRING_PHONE_MESSAGE })
  phoneNumber!: string;
}

export class InstanceDto {
  @ApiProperty({ example: '3f2e1d0c-9b8a-4765-8432-10fedcba9876' })
  id!: string;

  @ApiProperty({ example: 'Recepção' })
  name!: string;

  @ApiProperty({ example: 'baileys', enum: ['baileys', 'sandbox'] })
  provider!: 'baileys' | 'sandbox';

  @ApiPropertyOptional({ example: '5511987654321', nullable: true, type: String })
  phoneNumber!: string | null;

  @ApiProperty({ example: 'connected', enum: INSTANCE_STATUSES })
  status!: InstanceStatus;

  @ApiPropertyOptional({ example: '2026-11-25T12:00:00.000Z', nullable: true, type: String })
  lastConnectedAt!: string | null;

  @ApiProperty({ example: 0 })
  reconnectAttempts!: number;

  @ApiPropertyOptional({ example: 'connection lost (408)', nullable: true, type: String })
  lastDisconnectReason!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  static from(row: InstanceRow): InstanceDto {
    return {
      id: row.id,
      name: row.name,
      provider: row.provider,
      phoneNumber: row.phoneNumber,
      status: row.status,
      lastConnectedAt: row.lastConnectedAt?.toISOString() ?? null,
      reconnectAttempts: row.reconnectAttempts,
      lastDisconnectReason: row.lastDisconnectReason,
      createdAt: row.createdAt.toISOString(),
    };
  }
}

export class InstanceStatusDto extends InstanceDto {
  @ApiPropertyOptional({ example: 'K7M2QX9D', nullable: true, type: String, description: 'Current pairing code while valid' })
  pairingCode!: string | null;

  @ApiPropertyOptional({ example: '2026-11-25T12:01:00.000Z', nullable: true, type: String })
  pairingCodeExpiresAt!: string | null;

  @ApiPropertyOptional({ example: '2@AbCdEf...', nullable: true, type: String, description: 'Raw QR string while valid' })
  qr!: string | null;

  @ApiPropertyOptional({ example: 'data:image/png;base64,iVBORw0...', nullable: true, type: String })
  qrDataUrl!: string | null;

  @ApiPropertyOptional({ example: '2026-11-25T12:00:20.000Z', nullable: true, type: String })
  qrExpiresAt!: string | null;

  @ApiProperty({ example: true, description: 'Whether this deployment holds a live socket for the instance' })
  live!: boolean;
}

export class InstanceSessionDto {
  @ApiProperty({ example: '00000000-0000-4000-8000-00000000d3e0' })
  organizationId!: string;

  @ApiProperty({ example: '3f2e1d0c-9b8a-4765-8432-10fedcba9876' })
  instanceId!: string;

  @ApiPropertyOptional({ example: '5511987654321', nullable: true, type: String })
  phoneNumber!: string | null;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  @ApiProperty({ example: '2026-11-25T12:30:00.000Z' })
  lastUsedAt!: string;

  @ApiProperty({ example: 1, description: 'Version of the stored auth-state format' })
  formatVersion!: number;
}

export class InstanceHealthDto extends InstanceDto {
  @ApiProperty({ example: true, description: 'Whether this deployment holds a live socket for the instance' })
  live!: boolean;

  @ApiPropertyOptional({
    type: InstanceSessionDto,
    nullable: true,
    description: 'The stored session; null while none is stored (before the first connection, after a logout wiped it)',
  })
  session!: InstanceSessionDto | null;
}

export class InstancePageDto {
  @ApiProperty({ type: [InstanceDto] })
  data!: InstanceDto[];

  @ApiProperty({ type: PageMetaDto })
  page!: PageMetaDto;
}
