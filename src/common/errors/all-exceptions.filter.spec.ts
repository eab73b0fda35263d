import type { ArgumentsHost } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { AllExceptionsFilter } from './all-exceptions.filter';
import { DomainError, GatewayDomainError } from './domain.error';

function hostFor(sent: { status?: number; body?: unknown }): ArgumentsHost {
  const reply = {
    status: (s: number) => ((sent.status = s), reply),
    header: () => reply,
    send: (b: unknown) => ((sent.body = b), reply),
  };
  const request = { id: 'req_1', url: '/v1/webhooks/portone/mch_1' };
  return { switchToHttp: () => ({ getResponse: () => reply, getRequest: () => request }) } as unknown as ArgumentsHost;
}

describe('AllExceptionsFilter', () => {
  let error: jest.SpyInstance;
  let debug: jest.SpyInstance;
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    error = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    debug = jest.spyOn(Logger.prototype, 'debug').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('answers a domain 5xx with its code and logs the code at warn, without the stack', () => {
    const sent: { status?: number; body?: unknown } = {};
    new AllExceptionsFilter().catch(new DomainError('GATEWAY_UNAVAILABLE', 'PG unreachable'), hostFor(sent));
    expect(sent).toEqual({
      status: 503,
      body: { statusCode: 503, code: 'GATEWAY_UNAVAILABLE', message: 'PG unreachable', requestId: 'req_1' },
    });
    expect(error).not.toHaveBeenCalled();
    expect(warn).toHaveBeenCalledWith(
      { code: 'GATEWAY_UNAVAILABLE', requestId: 'req_1' },
      'answered with a server error',
    );
  });

  it('logs a quiet domain 5xx (a burst the service counted) only at debug', () => {
    const sent: { status?: number; body?: unknown } = {};
    const retry = new GatewayDomainError('WEBHOOK_RETRY', 503, 'retry later').quietly();
    new AllExceptionsFilter().catch(retry, hostFor(sent));
    expect(sent.status).toBe(503);
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
    expect(debug).toHaveBeenCalledWith({ code: 'WEBHOOK_RETRY', requestId: 'req_1' }, 'answered with a server error');
  });

  it('answers anything else 500 INTERNAL_ERROR and logs the cause as an unhandled error', () => {
    const sent: { status?: number; body?: unknown } = {};
    const boom = new Error('db gone');
    new AllExceptionsFilter().catch(boom, hostFor(sent));
    expect(sent.body).toEqual({
      statusCode: 500,
      code: 'INTERNAL_ERROR',
      message: 'Internal error',
      requestId: 'req_1',
    });
    expect(error).toHaveBeenCalledWith(expect.objectContaining({ err: boom, requestId: 'req_1' }), 'unhandled error');
  });

  it('logs nothing for a 4xx domain error', () => {
    const sent: { status?: number; body?: unknown } = {};
    new AllExceptionsFilter().catch(new DomainError('VALIDATION_FAILED', 'bad'), hostFor(sent));
    expect(sent.status).toBe(400);
    expect(error).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
    expect(debug).not.toHaveBeenCalled();
  });
});
