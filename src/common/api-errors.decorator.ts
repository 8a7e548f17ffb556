import { applyDecorators } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/internal';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto.js';

const DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid; `details` names each bad field',
  401: 'Missing, invalid or revoked credentials',
  403: 'Not allowed with these credentials',
  404: 'Not found in this organization',
  409: 'Conflicts with the current state',
  413: 'The body is larger than HTTP_BODY_LIMIT, or (media routes) its media larger than MEDIA_MAX_BYTES (`code` media_too_large)',
  422: 'Well formed, but it can never be done as asked; `code` says why (e.g. invalid_slot, with `details.alternatives`)',
  429: 'Too many requests from this credential or address (`code` rate_limited); `Retry-After` says when to try again',
  503: 'A dependency is down; `details` says which',
};

const RETRY_AFTER_HEADER = {
  'Retry-After': { description: 'Seconds until the limit lets requests through again', schema: { type: 'integer', example: 42 } },
};

/**
 * Documents the error responses of a route, all in the one error shape. Two are
 * added here rather than by each caller, since they come from layers every route
 * sits behind: 429 on a route that checks credentials (the rate limits count every
 * route but the public /health probes), and 413 on a route with a body (the body
 * parser's HTTP_BODY_LIMIT).
 */
export function ApiErrors(...statuses: number[]): MethodDecorator {
  return (target, key, descriptor) => {
    const documented = new Set(statuses);
    if (documented.has(401)) documented.add(429);
    // Parameter decorators run before method decorators: @Body() is already recorded here.
    if (takesBody(target, key)) documented.add(413);
    const responses = [...documented]
      .sort((first, second) => first - second)
      .map((status) =>
        ApiResponse({ status, description: DESCRIPTIONS[status], type: ErrorResponseDto, ...(status === 429 ? { headers: RETRY_AFTER_HEADER } : {}) }),
      );
    applyDecorators(...responses)(target, key, descriptor);
  };
}

function takesBody(target: object, key: string | symbol): boolean {
  const routeArguments = (Reflect.getMetadata(ROUTE_ARGS_METADATA, target.constructor, key) ?? {}) as Record<string, unknown>;
  return Object.keys(routeArguments).some((argument) => argument.startsWith(`${RouteParamtypes.BODY}:`));
}
