import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import type { AppLogger } from './app-logger';

/** Probes and docs: logged at debug, so they do not drown the request log. */
const QUIET_ROUTES = new Set(['/health', '/health/live', '/health/ready', '/metrics', '/docs', '/docs-json']);

/** What the auth guard leaves on the request (src/auth/api-key.guard.ts). */
interface Authenticated {
  principal?: 'admin' | 'merchant' | 'client_secret';
  merchant?: { id: string };
  clientSecret?: { merchantId: string };
}

/**
 * One line per answered request: method, route template, status, duration, request id, client address, and who
 * called (admin, or the merchant id). Never the URL itself (query strings carry PG references such as paymentKey),
 * headers or bodies, so no key can reach it.
 */
export function accessLogLine(
  request: FastifyRequest & Authenticated,
  statusCode: number,
  elapsedMs: number,
): Record<string, unknown> {
  return {
    msg: 'request',
    requestId: String(request.id),
    method: request.method,
    route: request.routeOptions?.url ?? '(unmatched)',
    status: statusCode,
    durationMs: Math.round(elapsedMs * 10) / 10,
    ip: request.ip,
    ...(request.principal ? { principal: request.principal } : {}),
    ...(request.merchant ? { merchantId: request.merchant.id } : {}),
    ...(request.clientSecret ? { merchantId: request.clientSecret.merchantId } : {}),
  };
}

export function installAccessLog(app: NestFastifyApplication, log: AppLogger): void {
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      const line = accessLogLine(request, reply.statusCode, reply.elapsedTime);
      if (QUIET_ROUTES.has(line.route as string)) log.debug(line);
      else log.log(line);
      done();
    });
}
