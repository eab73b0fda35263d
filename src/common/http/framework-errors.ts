import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AllExceptionsFilter } from '../errors/all-exceptions.filter';

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
