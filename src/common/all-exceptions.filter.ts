import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import { isPostgresError, PostgresErrorCode } from '../database/postgres-errors.js';
import { DomainException } from './domain.exception.js';
import { NUL_IN_TEXT_MESSAGE } from './json-body.js';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  code?: string;
  details?: unknown;
  requestId: string;
}

/**
 * Maps everything thrown to `{ statusCode, error, message, details?, requestId }`.
 * Unknown errors become a bare 500: the stack goes to the log, never to the client.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request>();
    const response = context.getResponse<Response>();
    const requestId = String(request.id ?? '');
    const body = this.toBody(exception, requestId);
    if (body.statusCode >= 500 && !(exception instanceof HttpException)) {
      this.logger.error({ err: exception, requestId, route: request.route?.path }, 'unhandled error');
    }
    if (response.headersSent) return;
    response.status(body.statusCode).json(body);
  }

  private toBody(exception: unknown, requestId: string): ErrorBody {
    if (exception instanceof DomainException) {
      return this.body(exception.status, exception.message, requestId, exception.details, exception.code);
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      // Nest wraps body-parser's errors (malformed JSON, too large, our screenJsonBody) with the parser's error as
      // the cause: its `type` is the stable code (`entity.too.deep`, `invalid_text`).
      const parserType = (exception.cause as { type?: unknown } | undefined)?.type;
      if (typeof response === 'string') return this.body(status, response, requestId, undefined, typeof parserType === 'string' ? parserType : undefined);
      if (isHealthCheckResult(response)) {
        const down = Object.keys(response.error).join(', ');
        return this.body(status, `Unhealthy: ${down}`, requestId, response);
      }
      const { message, details, code } = response as { message?: unknown; details?: unknown; code?: string };
      const text = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : exception.message;
      return this.body(status, text, requestId, details, code);
    }
    if (isPostgresError(exception, PostgresErrorCode.characterNotInRepertoire)) {
      // A NUL that came another way than a JSON body (a query string, a path): the statement stored nothing.
      return this.body(HttpStatus.BAD_REQUEST, NUL_IN_TEXT_MESSAGE, requestId, undefined, 'invalid_text');
    }
    return this.body(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error', requestId);
  }

  private body(statusCode: number, message: string, requestId: string, details?: unknown, code?: string): ErrorBody {
    return {
      statusCode,
      error: STATUS_CODES[statusCode] ?? 'Error',
      message,
      ...(code === undefined ? {} : { code }),
      ...(details === undefined ? {} : { details }),
      requestId,
    };
  }
}

/** The body @nestjs/terminus throws when an indicator is down. */
function isHealthCheckResult(response: object): response is { status: 'error'; error: Record<string, unknown> } {
  const candidate = response as { status?: unknown; error?: unknown };
  return candidate.status === 'error' && typeof candidate.error === 'object' && candidate.error !== null;
}
