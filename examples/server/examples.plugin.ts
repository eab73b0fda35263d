import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { BrowserAssets, sendAsset } from '@app/pg-sandbox';
import { ApiCallError, type BuyerInput, DemoMerchantBackend } from './examples.backend';

export interface ExamplesOptions {
  /** Where the API is reached (the app's public base URL). */
  apiBase: string;
  /** The admin key, to create the demo merchant once. */
  adminApiKey: string;
  /** Refuses to register when true: the examples exist only beside the PG sandbox. */
  production: boolean;
}

/**
 * The example checkout pages (`/examples/`, sources in examples/public: HTML and TypeScript served as ES modules) and
 * the merchant backend stand-in they call (`/examples/backend/…`). Mounted by bootstrap in sandbox mode only.
 */
export const examplesPlugin: FastifyPluginAsync<ExamplesOptions> = async (app: FastifyInstance, options) => {
  if (options.production) throw new Error('the example pages refuse to run in production');
  const assets = new BrowserAssets('examples/public');
  const backend = new DemoMerchantBackend(options.apiBase, options.adminApiKey);

  app.get('/', async (req, reply) => {
    // Relative links need the trailing slash.
    if (!req.url.endsWith('/')) return reply.redirect(`${req.url}/`, 308);
    return sendAsset(reply, 'html', assets.html('index'));
  });
  app.get<{ Params: { file: string } }>('/:file', async (req, reply) => {
    const m = /^([a-z0-9-]+)\.(html|js|css)$/.exec(req.params.file);
    const source = m && (m[2] === 'js' ? `${m[1]}.ts` : req.params.file);
    if (!m || !source || !assets.has(source)) return notFound(reply);
    if (m[2] === 'html') return sendAsset(reply, 'html', assets.html(m[1]));
    if (m[2] === 'css') return sendAsset(reply, 'css', assets.css(m[1]));
    return sendAsset(reply, 'js', await assets.script(m[1]));
  });

  // ---- the merchant backend stand-in ------------------------------------------------------------------------------
  const route =
    (handler: (req: FastifyRequest) => Promise<unknown>) => async (req: FastifyRequest, reply: FastifyReply) => {
      try {
        return reply.send(await handler(req));
      } catch (e) {
        if (e instanceof ApiCallError) return reply.code(e.answer.status).send(e.answer.body);
        if (e instanceof BadInput)
          return reply.code(400).send({ statusCode: 400, code: 'VALIDATION_FAILED', message: e.message });
        throw e;
      }
    };
  const origin = (req: FastifyRequest) => `${req.protocol}://${req.host}`;

  app.post(
    '/backend/paypal-subscriptions',
    route((req) => backend.startPaypalSubscription(buyer(req.body))),
  );
  app.post(
    '/backend/card-subscriptions',
    route((req) => backend.startCardSubscription(buyer(req.body), origin(req))),
  );
  app.post(
    '/backend/subscriptions',
    route((req) => backend.subscribe(field(req.body, 'billingKeyId'))),
  );
  app.get<{ Params: { id: string } }>(
    '/backend/subscriptions/:id',
    route((req) => backend.subscription(param(req, 'id'))),
  );
  app.post(
    '/backend/purchases',
    route((req) => backend.startPurchase(buyer(req.body))),
  );
  app.post<{ Params: { id: string } }>(
    '/backend/purchases/:id/refund',
    route((req) => backend.refund(param(req, 'id'))),
  );

  // Reads with the merchant key, for the return pages: a client secret expires once its object has moved on.
  app.get(
    '/backend/billing-keys/:id',
    route((req) => backend.api('GET', `/v1/billing-keys/${encodeURIComponent(param(req, 'id'))}`)),
  );
  app.get(
    '/backend/purchases/:id',
    route((req) => backend.api('GET', `/v1/toss/orders/${encodeURIComponent(param(req, 'id'))}`)),
  );
};

class BadInput extends Error {}

function notFound(reply: FastifyReply): FastifyReply {
  return reply.code(404).send({ statusCode: 404, code: 'NOT_FOUND', message: 'no such example page' });
}

function param(req: FastifyRequest, name: string): string {
  return String((req.params as Record<string, string>)[name] ?? '');
}

function field(body: unknown, name: string): string {
  const v = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > 100) throw new BadInput(`${name} is required`);
  return v;
}

function buyer(body: unknown): BuyerInput {
  const country = field(body, 'country');
  if (!/^[A-Z]{2}$/.test(country)) throw new BadInput('country is an ISO 3166-1 alpha-2 code');
  return {
    email: field(body, 'email'),
    firstName: field(body, 'firstName'),
    lastName: field(body, 'lastName'),
    country,
  };
}
