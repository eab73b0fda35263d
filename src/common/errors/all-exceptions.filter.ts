import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, ReplayedErrorResponse, statusOf } from './domain.error';
import { ERROR_STATUS, ErrorCode } from './error-codes';

export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: unknown[];
  requestId?: string;
}

/**
 * The one place errors become HTTP: domain codes map through ERROR_STATUS; framework errors (validation, bad JSON,
 * unknown route, rate limit) get their contract codes; anything else is a 500 that carries the request id and is
 * logged with its cause, never returned.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    if (exception instanceof ReplayedErrorResponse) {
      void reply
        .status(exception.status)
        .header('content-type', 'application/json; charset=utf-8')
        .send(exception.body);
      return;
    }
    const body = this.toBody(exception);
    body.requestId = String(request.id);
    if (body.statusCode >= 500) {
      // A domain error is an answer a service chose (a gateway down, a 503 asking a PG to retry): its code, no stack.
      // Quiet ones (a webhook burst refused while the budget is spent: thousands) only at debug.
      if (exception instanceof DomainError) {
        const line = { code: body.code, requestId: request.id };
        if (exception.quiet) this.logger.debug(line, 'answered with a server error');
        else this.logger.warn(line, 'answered with a server error');
      } else this.logger.error({ err: exception, requestId: request.id, path: request.url }, 'unhandled error');
    }
    void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      return {
        statusCode: statusOf(exception),
        code: exception.code,
        message: exception.message,
        ...(exception.details ? { details: exception.details } : {}),
      };
    }
    if (exception instanceof ThrottlerException) return this.of('RATE_LIMITED', 'Too many requests');
    // Fastify's own errors (body parsing, content type, size) reach us wrapped in an HttpException by the adapter.
    const fastifyError = fastifyErrorOf(exception);
    if (fastifyError) {
      const known = FASTIFY_ERRORS[fastifyError.code];
      if (known) return this.of(known[0], known[1]);
      const code = byStatus[fastifyError.statusCode];
      return code
        ? this.of(code, 'Invalid request')
        : { statusCode: fastifyError.statusCode, code: 'BAD_REQUEST', message: 'Invalid request' };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === HttpStatus.NOT_FOUND) return this.of('ROUTE_NOT_FOUND', 'No such route');
      const code = byStatus[status];
      if (code) return this.of(code, exception.message);
      if (status < 500) return { statusCode: status, code: 'BAD_REQUEST', message: exception.message };
    }
    if (exception instanceof SyntaxError) return this.of('MALFORMED_JSON', 'Request body is not valid JSON');
    return this.of('INTERNAL_ERROR', 'Internal error');
  }

  private of(code: ErrorCode, message: string): ErrorBody {
    return { statusCode: ERROR_STATUS[code], code, message };
  }
}

function fastifyErrorOf(exception: unknown): { code: string; statusCode: number } | undefined {
  for (const e of [exception, (exception as { cause?: unknown })?.cause]) {
    const f = e as { code?: unknown; statusCode?: unknown } | undefined;
    if (
      typeof f?.code === 'string' &&
      f.code.startsWith('FST_') &&
      typeof f.statusCode === 'number' &&
      f.statusCode < 500
    ) {
      return { code: f.code, statusCode: f.statusCode };
    }
  }
  return undefined;
}

/** Fastify's own client errors (router, content-type parsing) by their code; any other 4xx one maps by status. */
const FASTIFY_ERRORS: Partial<Record<string, [ErrorCode, string]>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type'],
  FST_ERR_CTP_INVALID_TYPE: ['UNSUPPORTED_MEDIA_TYPE', 'Unsupported content type'],
  FST_ERR_CTP_BODY_TOO_LARGE: ['PAYLOAD_TOO_LARGE', 'Request body too large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['MALFORMED_JSON', 'Request body is empty but the content type is JSON'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['MALFORMED_REQUEST', 'Content-Length does not match the body'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['MALFORMED_JSON', 'Request body is not valid JSON'],
  FST_ERR_BAD_URL: ['MALFORMED_URL', 'The URL is not validly encoded'],
  FST_ERR_MAX_PARAM_LENGTH: ['URI_TOO_LONG', 'A path segment is too long'],
};

const byStatus: Partial<Record<number, ErrorCode>> = {
  [HttpStatus.BAD_REQUEST]: 'VALIDATION_FAILED',
  [HttpStatus.UNAUTHORIZED]: 'UNAUTHORIZED',
  [HttpStatus.FORBIDDEN]: 'FORBIDDEN',
  [HttpStatus.METHOD_NOT_ALLOWED]: 'METHOD_NOT_ALLOWED',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'UNSUPPORTED_MEDIA_TYPE',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'PAYLOAD_TOO_LARGE',
  [HttpStatus.URI_TOO_LONG]: 'URI_TOO_LONG',
  [HttpStatus.CONFLICT]: 'CONFLICT',
};
