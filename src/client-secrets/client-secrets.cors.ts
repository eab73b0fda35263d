import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClientSecretObject } from './client-secret';
import { ClientSecretsService } from './client-secrets.service';

/** A route a client secret may call (each handler carries @ClientSecretAllowed; client-secrets.cors.spec checks both agree). */
export interface BrowserRoute {
  readonly path: RegExp;
  readonly object: ClientSecretObject;
  readonly method: 'GET' | 'PATCH' | 'POST';
}

export const BROWSER_ROUTES: readonly BrowserRoute[] = [
  { path: /^\/v1\/billing-keys\/([^/?#]+)$/, object: 'billing_key', method: 'GET' },
  { path: /^\/v1\/billing-keys\/([^/?#]+)\/request$/, object: 'billing_key', method: 'PATCH' },
  { path: /^\/v1\/billing-keys\/([^/?#]+)\/complete$/, object: 'billing_key', method: 'POST' },
  { path: /^\/v1\/orders\/([^/?#]+)$/, object: 'order', method: 'GET' },
  { path: /^\/v1\/toss\/orders\/([^/?#]+)$/, object: 'order', method: 'GET' },
];

const ALLOW_HEADERS = 'authorization, content-type, idempotency-key';
const EXPOSE_HEADERS = 'x-request-id, idempotent-replayed';
const PREFLIGHT_MAX_AGE_SECONDS = '600';

/** The browser route and object id a request names, if any. */
export function browserRouteOf(method: string, url: string): { route: BrowserRoute; objectId: string } | null {
  const path = url.split('?', 1)[0];
  for (const route of BROWSER_ROUTES) {
    if (route.method !== method) continue;
    const match = route.path.exec(path);
    if (match) {
      try {
        return { route, objectId: decodeURIComponent(match[1]) };
      } catch {
        return null;
      }
    }
  }
  return null;
}

/**
 * CORS for the client-secret routes only, and only for the origins the object's merchant allowed: the origin is
 * echoed (never `*`), found from the object id in the path, because a preflight cannot carry the secret. Everything
 * else (other routes, other origins, unknown ids) gets no CORS headers, and an unanswered preflight falls through to
 * the router's 404, so it cannot tell an unknown id from a refused origin.
 */
export function installClientSecretCors(app: NestFastifyApplication): void {
  const secrets = app.get(ClientSecretsService);
  const fastify = app.getHttpAdapter().getInstance();
  // A callback hook: most requests leave at the first check, without a promise.
  fastify.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    const origin = request.headers.origin;
    const preflight = request.method === 'OPTIONS';
    const asked = preflight ? request.headers['access-control-request-method'] : request.method;
    const named =
      typeof origin === 'string' && typeof asked === 'string' ? browserRouteOf(asked.toUpperCase(), request.url) : null;
    if (!named) return done();
    void reply.header('vary', 'Origin');
    secrets.originsFor(named.route.object, named.objectId).then((allowed) => {
      if (!allowed.includes(origin!)) return done();
      void reply.header('access-control-allow-origin', origin!);
      if (!preflight) {
        void reply.header('access-control-expose-headers', EXPOSE_HEADERS);
        return done();
      }
      // Answered here: done() is not called, so the request goes no further.
      void reply
        .code(204)
        .headers({
          'access-control-allow-methods': named.route.method,
          'access-control-allow-headers': ALLOW_HEADERS,
          'access-control-max-age': PREFLIGHT_MAX_AGE_SECONDS,
        })
        .send();
    }, done);
  });
}
