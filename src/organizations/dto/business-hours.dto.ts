import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsObject, IsOptional, Matches, ValidateNested } from 'class-validator';

const CLOCK = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const CLOCK_MESSAGE = '$property must be a time as HH:MM (00:00 to 24:00)';

export class BreakDto {
  @ApiProperty({ example: '12:00' })
  @Matches(CLOCK, { message: CLOCK_MESSAGE })
  start!: string;

  @ApiProperty({ example: '13:00' })
  @Matches(CLOCK, { message: CLOCK_MESSAGE })
  end!: string;
}

export class DayHoursDto {
  @ApiProperty({ example: '08:00' })
  @Matches(CLOCK, { message: CLOCK_MESSAGE })
  open!: string;

  @ApiProperty({ example: '18:00' })
  @Matches(CLOCK, { message: CLOCK_MESSAGE })
  close!: string;

  @ApiPropertyOptional({ type: [BreakDto], example: [{ start: '12:00', end: '13:00' }] })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(5)
  @ValidateNested({ each: true })
  @Type(() => BreakDto)
  breaks?: BreakDto[];
}

const day = (name: string) =>
  [
    ApiPropertyOptional({ type: DayHoursDto, description: `${name}; absent = closed` }),
    IsOptional(),
    IsObject(),
    ValidateNested(),
    Type(() => DayHoursDto),
  ] as PropertyDecorator[];

function apply(decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, key) => decorators.forEach((decorator) => decorator(target, key));
}

/** Opening hours per weekday, keyed 0 (Sunday) to 6 (Saturday), in the shop's time zone. */
export class BusinessHoursDto {
  @apply(day('Sunday')) '0'?: DayHoursDto;
  @apply(day('Monday')) '1'?: DayHoursDto;
  @apply(day('Tuesday')) '2'?: DayHoursDto;
  @apply(day('Wednesday')) '3'?: DayHoursDto;
  @apply(day('Thursday')) '4'?: DayHoursDto;
  @apply(day('Friday')) '5'?: DayHoursDto;
  @apply(day('Saturday')) '6'?: DayHoursDto;
}

/** Problems a field validator cannot see: a day that closes before it opens, a break outside the day. */
export function businessHoursProblems(hours: BusinessHoursDto): string[] {
  const problems: string[] = [];
  for (const [weekday, dayHours] of Object.entries(hours) as [string, DayHoursDto | undefined][]) {
    if (dayHours === undefined) continue;
    if (dayHours.open >= dayHours.close) problems.push(`businessHours.${weekday}: open must be before close`);
    for (const [index, pause] of (dayHours.breaks ?? []).entries()) {
      if (pause.start >= pause.end || pause.start < dayHours.open || pause.end > dayHours.close) {
        problems.push(`businessHours.${weekday}.breaks.${index}: a break must start before it ends, within opening hours`);
      }
    }
  }
  return problems;
}
