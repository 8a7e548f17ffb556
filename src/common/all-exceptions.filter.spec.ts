import type { ArgumentsHost } from '@nestjs/common';
import { NotFoundException } from '@nestjs/common';
import { describe, expect, it } from 'vitest';
import { AllExceptionsFilter } from './all-exceptions.filter.js';
import { ResourceNotFoundException } from './domain.exception.js';

function respond(exception: unknown): { status: number; body: Record<string, unknown> } {
  const sent = { status: 0, body: {} as Record<string, unknown> };
  const response = {
    headersSent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    json(body: Record<string, unknown>) {
      sent.body = body;
    },
  };
  const host = {
    switchToHttp: () => ({ getRequest: () => ({ id: 'req-123' }), getResponse: () => response }),
  } as unknown as ArgumentsHost;
  const filter = new AllExceptionsFilter();
  Object.defineProperty(filter, 'logger', { value: { error: () => undefined } });
  filter.catch(exception, host);
  return sent;
}

describe('AllExceptionsFilter', () => {
  it('turns an unknown error into a bare 500 with the request id and no internals', () => {
    const { status, body } = respond(new Error('connection to 10.0.0.5 refused: password=hunter2'));
    expect(status).toBe(500);
    expect(body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
      requestId: 'req-123',
    });
  });

  it('keeps a typed exception code and message', () => {
    const { status, body } = respond(new ResourceNotFoundException('API key', 'abc'));
    expect(status).toBe(404);
    expect(body).toMatchObject({ statusCode: 404, error: 'Not Found', code: 'not_found', message: 'API key abc was not found' });
  });

  it('maps Nest HTTP exceptions to the same shape', () => {
    const { body } = respond(new NotFoundException('Cannot GET /nope'));
    expect(body).toEqual({ statusCode: 404, error: 'Not Found', message: 'Cannot GET /nope', requestId: 'req-123' });
  });
});
