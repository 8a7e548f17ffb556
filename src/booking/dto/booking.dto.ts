import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { PageMetaDto, PaginationQueryDto } from '../../common/pagination.dto.js';
import { BOOKING_STATUSES, type BookingStatus } from '../../database/schema.js';
import type { Slot } from '../availability.js';
import type { BookingRow } from '../bookings.repository.js';
import { formatInZone } from '../zoned-time.js';

/**
 * A calendar date-time with its offset. IsISO8601 alone also passes week dates (2026-W48-4T10:00:00-03:00),
 * which Date cannot read: an Invalid Date would reach the database as a 500.
 */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const OFFSET_MESSAGE = 'startsAt must be an ISO 8601 date-time with an offset, such as 2026-11-26T10:00:00-03:00';
/**
 * A list bound: a calendar date-time with its offset, or a bare day. IsISO8601 alone also passes week
 * (2026-W48-4) and ordinal (2026-330) forms that Date cannot read, and a date-time without an offset that
 * Date would read in the server's zone, which is nobody's.
 */
const LIST_BOUND = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const listBoundMessage = (name: string, example: string) =>
  `${name} must be a day as YYYY-MM-DD (its midnight in the shop time zone) or an ISO 8601 date-time with an offset, such as ${example}`;

export class CreateBookingDto {
  @ApiProperty({ example: '5f0c8a7e-1b2c-4d3e-8f9a-0b1c2d3e4f5a' })
  @IsUUID()
  contactId!: string;

  @ApiPropertyOptional({ example: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' })
  @IsOptional()
  @IsUUID()
  petId?: string;

  @ApiProperty({ example: '1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6' })
  @IsUUID()
  serviceId!: string;

  @ApiProperty({ example: '2026-11-26T10:00:00-03:00', description: 'Start, ISO 8601 with offset' })
  @IsISO8601({ strict: true }, { message: OFFSET_MESSAGE })
  @Matches(ISO_WITH_OFFSET, { message: OFFSET_MESSAGE })
  startsAt!: string;

  @ApiPropertyOptional({ example: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f', description: 'A specific resource; any free one of the service kind when absent' })
  @IsOptional()
  @IsUUID()
  resourceId?: string;

  @ApiPropertyOptional({ example: 'Cão com medo de secador', maxLength: 500 })
  @IsOptional()
  @IsString()
  @Length(0, 500)
  notes?: string;
}

export class RescheduleBookingDto {
  @ApiProperty({ example: '2026-11-27T14:00:00-03:00' })
  @IsISO8601({ strict: true }, { message: OFFSET_MESSAGE })
  @Matches(ISO_WITH_OFFSET, { message: OFFSET_MESSAGE })
  startsAt!: string;

  @ApiPropertyOptional({ example: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f' })
  @IsOptional()
  @IsUUID()
  resourceId?: string;
}

export class BookingStatusChangeDto {
  @ApiPropertyOptional({ example: 'Cliente pediu para cancelar', maxLength: 300 })
  @IsOptional()
  @IsString()
  @Length(0, 300)
  reason?: string;
}

export class BookingListQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({
    example: '2026-11-26T00:00:00-03:00',
    description: 'Bookings that end after this instant; a bare day (2026-11-26) is its midnight in the shop time zone',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: listBoundMessage('from', '2026-11-26T00:00:00-03:00') })
  @Matches(LIST_BOUND, { message: listBoundMessage('from', '2026-11-26T00:00:00-03:00') })
  from?: string;

  @ApiPropertyOptional({
    example: '2026-11-27T00:00:00-03:00',
    description: 'Bookings that start before this instant, not before `from`; a bare day (2026-11-27) is its midnight in the shop time zone',
  })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: listBoundMessage('to', '2026-11-27T00:00:00-03:00') })
  @Matches(LIST_BOUND, { message: listBoundMessage('to', '2026-11-27T00:00:00-03:00') })
  to?: string;

  @ApiPropertyOptional({ example: 'scheduled', enum: BOOKING_STATUSES })
  @IsOptional()
  @IsIn(BOOKING_STATUSES)
  status?: BookingStatus;

  @ApiPropertyOptional({ example: '5f0c8a7e-1b2c-4d3e-8f9a-0b1c2d3e4f5a' })
  @IsOptional()
  @IsUUID()
  contactId?: string;
}

export class AvailabilityQueryDto {
  @ApiProperty({ example: '1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6' })
  @IsUUID()
  serviceId!: string;

  @ApiProperty({ example: '2026-11-26', description: "A day in the shop's time zone (YYYY-MM-DD)" })
  @Type(() => String)
  @IsISO8601({ strict: true }, { message: 'date must be a day as YYYY-MM-DD' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'date must be a day as YYYY-MM-DD' })
  date!: string;
}

export class SlotDto {
  @ApiProperty({ example: '2026-11-26T10:00:00-03:00' })
  start!: string;

  @ApiProperty({ example: '2026-11-26T11:00:00-03:00' })
  end!: string;

  @ApiProperty({ example: ['2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f'], description: 'Resources free for the whole slot' })
  resourceIds!: string[];

  static from(slot: Slot, timeZone: string): SlotDto {
    return { start: formatInZone(slot.start, timeZone), end: formatInZone(slot.end, timeZone), resourceIds: slot.resourceIds };
  }
}

export class AvailabilityDto {
  @ApiProperty({ example: '1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6' })
  serviceId!: string;

  @ApiProperty({ example: '2026-11-26' })
  date!: string;

  @ApiProperty({ example: 'America/Sao_Paulo' })
  timezone!: string;

  @ApiProperty({ example: 60 })
  durationMin!: number;

  @ApiProperty({ type: [SlotDto] })
  slots!: SlotDto[];
}

export class BookingDto {
  @ApiProperty({ example: '9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a' })
  id!: string;

  @ApiProperty({ example: '5f0c8a7e-1b2c-4d3e-8f9a-0b1c2d3e4f5a' })
  contactId!: string;

  @ApiPropertyOptional({ example: '7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d', nullable: true, type: String })
  petId!: string | null;

  @ApiProperty({ example: '1e2d3c4b-5a69-4788-9a0b-c1d2e3f4a5b6' })
  serviceId!: string;

  @ApiProperty({ example: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f' })
  resourceId!: string;

  @ApiProperty({ example: '2026-11-26T10:00:00-03:00' })
  startsAt!: string;

  @ApiProperty({ example: '2026-11-26T11:00:00-03:00' })
  endsAt!: string;

  @ApiProperty({ example: 'scheduled', enum: BOOKING_STATUSES })
  status!: BookingStatus;

  @ApiProperty({ example: 8000, description: 'Price at booking time, in cents' })
  priceCents!: number;

  @ApiPropertyOptional({ example: 'Cão com medo de secador', nullable: true, type: String })
  notes!: string | null;

  static from(row: BookingRow, timeZone: string): BookingDto {
    return {
      id: row.id,
      contactId: row.contactId,
      petId: row.petId,
      serviceId: row.serviceId,
      resourceId: row.resourceId,
      startsAt: formatInZone(row.during.start, timeZone),
      endsAt: formatInZone(row.during.end, timeZone),
      status: row.status,
      priceCents: row.priceCents,
      notes: row.notes,
    };
  }
}

export class BookingPageDto {
  @ApiProperty({ type: [BookingDto] })
  data!: BookingDto[];

  @ApiProperty({ type: PageMetaDto })
  page!: PageMetaDto;
}
