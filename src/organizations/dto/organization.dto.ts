import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsInt, IsObject, IsOptional, Max, Min, ValidateNested } from 'class-validator';
import type { BusinessHours } from '../../database/schema.js';
import { BusinessHoursDto } from './business-hours.dto.js';
import { IsPhoneNumber } from '../../common/phone-number.js';
import { IsTimeZone } from '../../common/time-zone.js';
import { IsName, IsOptionalNotNull } from '../../common/validation.js';
import type { OrganizationRow } from '../organizations.repository.js';
import { type ProactiveSettings, proactiveSettingsOf } from '../proactive-settings.js';
import { ApiKeyCreatedDto } from '../../auth/dto/api-key.dto.js';

/** Returned whenever campaigns may reach customers outside WhatsApp's 24-hour window. */
export const OUTSIDE_WINDOW_WARNING =
  "Campaigns will also go to customers who have not written to the shop in the last 24 hours. WhatsApp's rules allow " +
  'businesses to start conversations outside that window only with approved templates through the official Business API; ' +
  'unsolicited messages from a regular number can be reported as spam and get the number restricted or banned. ' +
  'Send only to customers who agreed to hear from the shop.';

const OUTSIDE_WINDOW_DESCRIPTION =
  "Campaigns also go to customers who have not written in the last 24 hours (default false). Turning it on risks the number: see `warning`.";

export class CreateOrganizationDto {
  @ApiProperty({ example: 'Pet Shop Bom Banho', minLength: 1, maxLength: 120 })
  @IsName(120)
  name!: string;

  @ApiPropertyOptional({ example: 'America/Sao_Paulo', default: 'America/Sao_Paulo' })
  @IsOptional()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({
    example: ['+5511987654321'],
    description: 'Numbers that talk to Aurora, the owner agent (E.164; Brazilian numbers may omit +55; a mobile is kept with its ninth digit)',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(20)
  @IsPhoneNumber({ each: true })
  ownerNumbers?: string[];
}

/** What Aurora sends the owner on her own; each field optional in an update, the rest kept. */
export class ProactiveSettingsDto {
  @ApiPropertyOptional({ example: 8, minimum: 0, maximum: 23, default: 8, description: "Hour of the shop's clock (its time zone) for the daily summary" })
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(23)
  dailySummaryHour?: number;

  @ApiPropertyOptional({ example: true, default: true, description: "Today's bookings, yesterday's results and open handoffs, every day" })
  @IsOptionalNotNull()
  @IsBoolean()
  dailySummary?: boolean;

  @ApiPropertyOptional({ example: true, default: true, description: 'An alert when a booking is marked no-show or cancelled' })
  @IsOptionalNotNull()
  @IsBoolean()
  alerts?: boolean;

  @ApiPropertyOptional({ example: true, default: true, description: "Pets' birthdays and round numbers of bookings" })
  @IsOptionalNotNull()
  @IsBoolean()
  celebrations?: boolean;
}

export class ProactiveSettingsViewDto implements ProactiveSettings {
  @ApiProperty({ example: 8, minimum: 0, maximum: 23 })
  dailySummaryHour!: number;

  @ApiProperty({ example: true })
  dailySummary!: boolean;

  @ApiProperty({ example: true })
  alerts!: boolean;

  @ApiProperty({ example: true })
  celebrations!: boolean;
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

  @ApiProperty({ type: BusinessHoursDto })
  businessHours!: BusinessHours;

  @ApiProperty({ example: 30 })
  slotGranularityMin!: number;

  @ApiProperty({ example: 60 })
  minimumNoticeMin!: number;

  @ApiProperty({ example: false, description: OUTSIDE_WINDOW_DESCRIPTION })
  campaignsOutsideWindow!: boolean;

  @ApiPropertyOptional({ example: OUTSIDE_WINDOW_WARNING, description: 'Present while a setting puts the number at risk' })
  warning?: string;
  @ApiProperty({ type: ProactiveSettingsViewDto, description: 'Messages Aurora sends the owner on her own (WhatsApp and aurora:proactive)' })
  proactive!: ProactiveSettingsViewDto;

  @ApiProperty({ example: '2026-11-25T12:00:00.000Z' })
  createdAt!: string;

  static from(row: OrganizationRow): OrganizationDto {
    const campaignsOutsideWindow = row.settings.campaignsOutsideWindow === true;
    return {
      id: row.id,
      name: row.name,
      timezone: row.timezone,
      authorizedOwnerNumbers: row.authorizedOwnerNumbers,
      businessHours: row.businessHours,
      slotGranularityMin: row.slotGranularityMin,
      minimumNoticeMin: row.minimumNoticeMin,
      campaignsOutsideWindow,
      ...(campaignsOutsideWindow ? { warning: OUTSIDE_WINDOW_WARNING } : {}),
      proactive: proactiveSettingsOf(row.settings),
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

export class UpdateOrganizationDto {
  @ApiPropertyOptional({ example: 'Pet Shop Bom Banho', minLength: 1, maxLength: 120 })
  @IsOptionalNotNull()
  @IsName(120)
  name?: string;

  @ApiPropertyOptional({ example: 'America/Sao_Paulo' })
  @IsOptionalNotNull()
  @IsTimeZone()
  timezone?: string;

  @ApiPropertyOptional({
    type: BusinessHoursDto,
    example: { '1': { open: '08:00', close: '18:00', breaks: [{ start: '12:00', end: '13:00' }] }, '6': { open: '08:00', close: '12:00' } },
    description: 'Replaces the whole week; a missing weekday is closed',
  })
  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => BusinessHoursDto)
  businessHours?: BusinessHoursDto;

  @ApiPropertyOptional({ example: 30, minimum: 5, maximum: 240, description: 'Start times are offered every N minutes' })
  @IsOptionalNotNull()
  @IsInt()
  @Min(5)
  @Max(240)
  slotGranularityMin?: number;

  @ApiPropertyOptional({ example: 60, minimum: 0, maximum: 10080, description: 'Minimum minutes between now and a booking' })
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(10080)
  minimumNoticeMin?: number;

  @ApiPropertyOptional({
    example: ['+5511987654321'],
    description: 'Numbers that talk to Aurora (E.164; a Brazilian mobile is kept with its ninth digit, and matches an account that writes without it)',
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(20)
  @IsPhoneNumber({ each: true })
  authorizedOwnerNumbers?: string[];

  @ApiPropertyOptional({ example: false, description: OUTSIDE_WINDOW_DESCRIPTION })
  @IsOptionalNotNull()
  @IsBoolean()
  campaignsOutsideWindow?: boolean;
  @ApiPropertyOptional({
    type: ProactiveSettingsDto,
    example: { dailySummaryHour: 7, celebrations: false },
    description: "Aurora's own messages to the owner numbers; fields left out keep their value",
  })
  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => ProactiveSettingsDto)
  proactive?: ProactiveSettingsDto;
}
