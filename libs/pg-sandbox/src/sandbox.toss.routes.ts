import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PgRouteRunner, PgRouteSpec } from './sandbox.http';
import { registerTossBrowserRoutes } from './sandbox.browser.routes';
import { ledgerQuery } from './sandbox.control.routes';
import type { PgSandbox } from './sandbox';

type Obj = Record<string, unknown>;

/** Toss Payments v1 (mounted at `/sandbox/toss`), plus the buyer's checkout, the console's webhook URL, settle and ledger. */
export function registerTossRoutes(app: FastifyInstance, sandbox: PgSandbox, runner: PgRouteRunner): void {
  const toss = sandbox.toss;
  const secret = (req: FastifyRequest) => toss.authenticateSecret(req);
  const pg = (method: 'GET' | 'POST', url: string, spec: PgRouteSpec) =>
    app.route({
      method,
      url,
      handler: async (req: FastifyRequest, reply: FastifyReply) => {
        await runner.run(spec, req, reply);
        return reply;
      },
    });

  pg('POST', '/v1/payments/confirm', {
    gateway: 'toss',
    operation: 'confirm',
    authenticate: secret,
    idempotent: true,
    handle: (ctx) => toss.confirm(ctx),
  });
  pg('GET', '/v1/payments/orders/:orderId', {
    gateway: 'toss',
    operation: 'retrieveByOrderId',
    authenticate: secret,
    handle: (ctx) => toss.retrieveByOrderId(ctx),
  });
  pg('GET', '/v1/payments/:paymentKey', {
    gateway: 'toss',
    operation: 'retrievePayment',
    authenticate: secret,
    handle: (ctx) => toss.retrieve(ctx),
  });
  pg('POST', '/v1/payments/:paymentKey/cancel', {
    gateway: 'toss',
    operation: 'cancel',
    authenticate: secret,
    idempotent: true,
    handle: (ctx) => toss.cancel(ctx),
  });
  pg('POST', '/buyer/payments', {
    gateway: 'toss',
    operation: 'buyerPayment',
    authenticate: (req) => toss.authenticateClient(req),
    handle: (ctx) => toss.buyerPayment(ctx),
  });

  // The webhook URL Toss's console registers per MID; authenticated like the API.
  const withAccount = (
    req: FastifyRequest,
    reply: FastifyReply,
    act: (account: string) => { status: number; body: unknown },
  ) => {
    const auth = toss.authenticateSecret(req);
    const answer = 'reject' in auth ? auth.reject : act(auth.account);
    return reply.code(answer.status).send(answer.body);
  };
  app.put('/console/webhook', (req, reply) =>
    withAccount(req, reply, (account) => {
      const url = (req.body as Obj | undefined)?.url;
      if (!isHttpUrl(url))
        return { status: 400, body: { code: 'INVALID_REQUEST', message: 'url must be an absolute http(s) URL' } };
      toss.setWebhookUrl(account, url);
      return { status: 200, body: { url } };
    }),
  );
  app.get('/console/webhook', (req, reply) =>
    withAccount(req, reply, (account) => ({ status: 200, body: { url: toss.webhookUrl(account) } })),
  );
  app.delete('/console/webhook', (req, reply) =>
    withAccount(req, reply, (account) => {
      toss.setWebhookUrl(account, null);
      return { status: 200, body: { url: null } };
    }),
  );

  app.post('/payments/:paymentKey/settle', (req, reply) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Obj;
    const answer = toss.settle((req.params as Obj).paymentKey as string, body);
    return reply.code(answer.status).send(answer.body);
  });

  registerTossBrowserRoutes(app);

  app.get('/ledger', (req, reply) => {
    const q = ledgerQuery(req.query as Obj, 'orderId');
    if ('error' in q) return reply.code(400).send(q);
    return reply.send(sandbox.tossLedger.query(q));
  });
}

function isHttpUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
