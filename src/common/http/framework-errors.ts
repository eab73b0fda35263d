import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AllExceptionsFilter, type ErrorBody } from '../errors/all-exceptions.filter';
import { ERROR_STATUS, type ErrorCode } from '../errors/error-codes';

/**
 * Fastify's `frameworkErrors` option: the router refuses a badly encoded URL (400) or an over-long path parameter
 * (414) before any hook or Nest's error layer runs, and answered with Fastify's own body. This answers with ours,
 * with the request id and the headers every other response carries.
 */
export function frameworkErrorResponder(headers: Readonly<Record<string, string>>) {
  const filter = new AllExceptionsFilter();
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const body = filter.toBody(error);
    body.requestId = String(request.id);
    void reply
      .headers(headers)
      .header('x-request-id', request.id)
      .status(body.statusCode)
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify(body));
  };
}

function clientErrorBody(err: NodeJS.ErrnoException): ErrorBody {
  const [code, message]: [ErrorCode, string] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? ['HEADERS_TOO_LARGE', 'Request headers too large']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? ['REQUEST_TIMEOUT', 'The request was not received in time']
        : ['MALFORMED_REQUEST', 'The request is not valid HTTP'];
  return { statusCode: ERROR_STATUS[code], code, message, requestId: randomUUID() };
}

/**
 * Fastify's `clientErrorHandler` option: Node's HTTP parser refuses a request (bytes a URL or header cannot carry,
 * oversized headers, a timeout) before Fastify sees it. Fastify's default answered in its own body and closed the
 * socket without saying so, so a keep-alive client sent its next request into a closed connection.
 */
export function clientErrorResponder(headers: Readonly<Record<string, string>>) {
  return (err: NodeJS.ErrnoException, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    if (socket.writable) {
      const body = clientErrorBody(err);
      const json = JSON.stringify(body);
      const lines = [
        `HTTP/1.1 ${body.statusCode} ${STATUS_CODES[body.statusCode] ?? 'Error'}`,
        ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
        `x-request-id: ${body.requestId}`,
        'content-type: application/json; charset=utf-8',
        `content-length: ${Buffer.byteLength(json)}`,
        'connection: close',
      ];
      socket.write(`${lines.join('\r\n')}\r\n\r\n${json}`);
    }
    socket.destroy(err);
  };
}
