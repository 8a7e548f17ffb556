import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export class PaginationQueryDto {
  @ApiPropertyOptional({ example: 50, minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;

  @ApiPropertyOptional({ example: 0, minimum: 0, maximum: Number.MAX_SAFE_INTEGER, default: 0 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  // 1e300 is an integer to IsInt; PostgreSQL's OFFSET is a bigint and would fail with a 500.
  @Max(Number.MAX_SAFE_INTEGER)
  offset: number = 0;
}

export class PageMetaDto {
  @ApiProperty({ example: 50 })
  limit!: number;

  @ApiProperty({ example: 0 })
  offset!: number;

  @ApiProperty({ example: false, description: 'True when another page may follow' })
  hasMore!: boolean;
}

/**
 * A page from rows fetched with `limit + 1`: the extra row only tells whether
 * another page follows, without a COUNT query.
 */
export function toPage<Row, Item>(
  rows: Row[],
  query: PaginationQueryDto,
  toItem: (row: Row) => Item,
): { data: Item[]; page: PageMetaDto } {
  return {
    data: rows.slice(0, query.limit).map((row) => toItem(row)),
    page: { limit: query.limit, offset: query.offset, hasMore: rows.length > query.limit },
  };
}
