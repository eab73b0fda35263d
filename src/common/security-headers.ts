import helmet, { type HelmetOptions } from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';

/** Swagger UI needs inline scripts/styles; everything else gets helmet's defaults. */
export const HELMET_OPTIONS: Readonly<HelmetOptions> = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'", "'unsafe-inline'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
    },
  },
};

type RawMiddleware = (req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void) => void;

/**
 * Helmet's middleware, built once: it sets its headers on the raw response of every request (an onRequest hook).
 * Kept over @fastify/helmet: that plugin rebuilds helmet (directive parsing included) on every request, ≈ 15× the
 * work of applying a built one. Options helmet refuses fail here, at boot.
 */
export function securityHeadersMiddleware(options: Readonly<HelmetOptions> = HELMET_OPTIONS): RawMiddleware {
  return helmet(options) as RawMiddleware;
}

/**
 * The same headers as a record, for the answers written before any hook runs (router and HTTP-parser refusals):
 * read back from a response helmet has set them on.
 */
export function securityHeaders(options: Readonly<HelmetOptions> = HELMET_OPTIONS): Readonly<Record<string, string>> {
  const req = new IncomingMessage(new Socket());
  const res = new ServerResponse(req);
  let failed: unknown;
  securityHeadersMiddleware(options)(req, res, (err?: Error) => (failed = err));
  if (failed) throw failed instanceof Error ? failed : new Error(String(failed));
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.getHeaders()))
    headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
  return Object.freeze(headers);
}
