import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { PgRouteRunner, PgRouteSpec } from './sandbox.http';
import { registerPortoneBrowserRoutes } from './sandbox.browser.routes';
import { ledgerQuery } from './sandbox.control.routes';
import type { PgSandbox } from './sandbox';

type Obj = Record<string, unknown>;

/** PortOne V1 (mounted at `/sandbox/portone`), plus the buyer's PayPal RT window, settle and ledger. */
export function registerPortoneRoutes(app: FastifyInstance, sandbox: PgSandbox, runner: PgRouteRunner): void {
  const portone = sandbox.portone;
  const token = (req: FastifyRequest) => portone.authenticateToken(req);
  const pg = (method: 'GET' | 'POST' | 'DELETE', urls: string[], spec: PgRouteSpec) => {
    for (const url of urls) {
      app.route({
        method,
        url,
        handler: async (req: FastifyRequest, reply: FastifyReply) => {
          await runner.run(spec, req, reply);
          return reply;
        },
      });
    }
  };

  pg('POST', ['/users/getToken'], {
    gateway: 'portone',
    operation: 'getToken',
    authenticate: (req) => portone.authenticateKeyPair(req),
    handle: (ctx) => portone.getToken(ctx),
  });
  pg('GET', ['/payments/find/:merchant_uid', '/payments/find/:merchant_uid/:payment_status'], {
    gateway: 'portone',
    operation: 'findPayment',
    authenticate: token,
    handle: (ctx) => portone.findPayment(ctx),
  });
  pg('GET', ['/payments/findAll/:merchant_uid', '/payments/findAll/:merchant_uid/:payment_status'], {
    gateway: 'portone',
    operation: 'findAllPayments',
    authenticate: token,
    handle: (ctx) => portone.findAllPayments(ctx),
  });
  pg('GET', ['/payments/:imp_uid'], {
    gateway: 'portone',
    operation: 'getPayment',
    authenticate: token,
    handle: (ctx) => portone.getPayment(ctx),
  });
  pg('POST', ['/payments/cancel'], {
    gateway: 'portone',
    operation: 'cancel',
    authenticate: token,
    handle: (ctx) => portone.cancel(ctx),
  });
  pg('POST', ['/subscribe/payments/again'], {
    gateway: 'portone',
    operation: 'again',
    authenticate: token,
    handle: (ctx) => portone.again(ctx),
  });
  pg('GET', ['/subscribe/customers/:customer_uid'], {
    gateway: 'portone',
    operation: 'getCustomer',
    authenticate: token,
    handle: (ctx) => portone.getCustomer(ctx),
  });
  pg('DELETE', ['/subscribe/customers/:customer_uid'], {
    gateway: 'portone',
    operation: 'deleteCustomer',
    authenticate: token,
    handle: (ctx) => portone.deleteCustomer(ctx),
  });
  pg('POST', ['/buyer/billing-keys'], {
    gateway: 'portone',
    operation: 'buyerBillingKey',
    authenticate: (req) => portone.authenticateUserCode(req),
    handle: (ctx) => portone.buyerBillingKey(ctx),
  });

  app.post('/payments/:imp_uid/settle', async (req, reply) => {
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Obj;
    const answer = portone.settle((req.params as Obj).imp_uid as string, body);
    // `early` webhooks go out before this answer; the others right after it.
    await answer.after?.();
    return reply.code(answer.status).send(answer.body);
  });

  registerPortoneBrowserRoutes(app);

  app.get('/ledger', (req, reply) => {
    const q = ledgerQuery(req.query as Obj, 'merchant_uid');
    if ('error' in q) return reply.code(400).send(q);
    return reply.send(sandbox.portoneLedger.query(q));
  });
}
