import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; `details` names each bad field',
  401: 'Missing, invalid or revoked credentials',
  403: 'Not allowed with these credentials',
  404: 'Not found in this organization',
  409: 'Conflicts with the current state',
  413: 'The media is larger than MEDIA_MAX_BYTES',
  503: 'A dependency is down; `details` says which',
};

/** Documents the error responses of a route, all in the one error shape. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) => ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto })),
  );
}
