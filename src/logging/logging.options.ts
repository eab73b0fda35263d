import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Paths pino replaces with [REDACTED]: authorization headers, our API keys and every PG secret field name, at the
 * depths our log objects use. Secrets should never be logged in the first place; this is the second line.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  ...[
    'apiKey',
    'secretKey',
    'impSecret',
    'imp_secret',
    'imp_key',
    'impKey',
    'access_token',
    'accessToken',
    'password',
    'authorization',
    'Authorization',
    'adminApiKey',
    'secretsKey',
  ].flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]),
];

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Request ids: the caller's X-Request-Id when it is sane, else a fresh UUID (Fastify's genReqId). */
export function requestIdFor(req: IncomingMessage & { id?: string }): string {
  if (req.id) return req.id;
  const header = req.headers['x-request-id'];
  const id = typeof header === 'string' && REQUEST_ID.test(header) ? header : randomUUID();
  req.id = id;
  return id;
}

/** Query strings can carry PG references (paymentKey): never logged. Paths are capped. */
export function pathOnly(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return path.length > 256 ? `${path.slice(0, 256)}…` : path;
}
