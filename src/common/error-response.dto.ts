import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** The one JSON shape of every error the API returns. */
export class ErrorResponseDto {
  @ApiProperty({ example: 400 })
  statusCode!: number;

  @ApiProperty({ example: 'Bad Request', description: 'HTTP reason phrase' })
  error!: string;

  @ApiProperty({ example: 'name must be a string of 1 to 120 characters' })
  message!: string;

  @ApiPropertyOptional({
    example: [{ field: 'name', problems: ['name must be a string of 1 to 120 characters'] }],
    description: 'Structured detail: the fields that failed validation, or what a dependency reported',
  })
  details?: unknown;

  @ApiProperty({ example: 'c0a8012e-3b6f-4e8e-9c57-8a6c2d1f0b11', description: 'Also in the x-request-id header' })
  requestId!: string;

  @ApiPropertyOptional({ example: 'validation_failed', description: 'Stable machine-readable code' })
  code?: string;
}
