import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BrowserAssets, sandboxAccountOf, sendAsset, type SandboxPlugin } from '@app/pg-sandbox';
import {
  CUSTOMER_KEY,
  TOSS_BILLING_OPERATIONS,
  TossBillingSandboxState,
  tossError,
  type Answer,
  type TossBillingFault,
  type TossBillingOperation,
} from './toss-billing.sandbox.state';
import type { TossBillingCredentials } from './toss-billing.types';

/**
 * The sandbox plugin toss-billing brings. Toss serves both products from one host, so the plugin shares the `toss`
 * prefix with the foreign-easy-pay double: the buyer endpoint is where the REST contract names it
 * (`/sandbox/toss/buyer/billing-auth`), while Toss's API paths that both products use (`/v1/payments/...`) would collide
 * there, so this product's API and control routes live under `/sandbox/toss/billing` (the adapter's sandbox base URL):
 * `/v1/billing/...`, `/v1/payments/...` at their real paths, `/faults`, `/ledger`, `/clock`, settle.
 * Sources of each behaviour: toss-billing.sandbox.state.ts and README.md.
 */

/** The prefix shared with the foreign-easy-pay double, and where this product's API sits under it. */
export const TOSS_BILLING_SANDBOX_PREFIX = 'toss';
export const TOSS_BILLING_SANDBOX_API_PATH = '/billing';

/** What the plugin function takes. */
export interface TossBillingSandboxContext {
  /** The sandbox clock's now, in ms (the shared sandbox clock when mounted by the app; the system clock otherwise). */
  readonly now?: () => number;
}

const SECRET_PREFIX = 'test_sk_tbill_';
const CLIENT_PREFIX = 'test_ck_tbill_';
const ACCOUNT = /^[A-Za-z0-9-]{1,40}$/;

/** The account name a merchant id gets (the sandbox's convention): the credentials derive from it, no provisioning. */
export function tossBillingSandboxAccount(merchantId: string): string {
  return sandboxAccountOf(merchantId);
}

/** Sandbox keys of a sandbox account: a separate MID from foreign easy pay (`tbill`), test keys. */
export function tossBillingAccountCredentials(account: string): TossBillingCredentials {
  return { clientKey: `${CLIENT_PREFIX}${account}`, secretKey: `${SECRET_PREFIX}${account}` };
}

/** Sandbox keys of a merchant without its own. */
export function tossBillingSandboxCredentials(merchantId: string): TossBillingCredentials {
  return tossBillingAccountCredentials(tossBillingSandboxAccount(merchantId));
}

function accountAfter(prefix: string, value: unknown): string | undefined {
  if (typeof value !== 'string' || !value.startsWith(prefix)) return undefined;
  const account = value.slice(prefix.length);
  return ACCOUNT.test(account) ? account : undefined;
}

/** AUTH: `Authorization: Basic base64(secretKey + ':')`; the colon (empty password) is required. */
function accountOfRequest(req: FastifyRequest): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(String(req.headers.authorization ?? ''));
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  if (!decoded.endsWith(':') || decoded.indexOf(':') !== decoded.length - 1) return undefined;
  return accountAfter(SECRET_PREFIX, decoded.slice(0, -1));
}

const body = (req: FastifyRequest): Record<string, unknown> =>
  typeof req.body === 'object' && req.body !== null ? (req.body as Record<string, unknown>) : {};
const param = (req: FastifyRequest, name: string): string => String((req.params as Record<string, string>)[name] ?? '');
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, Math.min(Math.max(ms, 0), 60_000)));

/** Appends query parameters to a URL, keeping the ones it has. */
function withQuery(url: string, params: Record<string, string>): string {
  const u = new URL(url);
  for (const [k, v] of Object.entries(params)) u.searchParams.set(k, v);
  return u.toString();
}

function isAbsoluteUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}

/**
 * The plugin function: owns its state; mounted at `/sandbox/toss`, it serves the buyer endpoint there and the API and
 * control routes under {@link TOSS_BILLING_SANDBOX_API_PATH}.
 */
export async function tossBillingSandboxPlugin(
  app: FastifyInstance,
  ctx: TossBillingSandboxContext = {},
): Promise<void> {
  const state = new TossBillingSandboxState(ctx.now ?? (() => Date.now()));
  registerBuyerRoute(app, state);
  registerWindowRoutes(app);
  await app.register(async (api) => registerApiRoutes(api, state), { prefix: TOSS_BILLING_SANDBOX_API_PATH });
}

/** Toss's billing API at its real paths, plus the control routes, relative to where they are mounted. */
function registerApiRoutes(app: FastifyInstance, state: TossBillingSandboxState): void {
  // Replies a timeout_after_commit fault holds open: dropped when the server closes, so close() never waits on them.
  const held = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const res of held) res.destroy();
    held.clear();
  });

  /**
   * Runs one PG operation with its fault: `reset_before` drops the connection before anything is done;
   * `http_error` answers without doing the work; `latency` waits; `timeout_after_commit` does the work and never
   * answers; `decline` and `pending` are passed to the operation.
   */
  const run = async (
    req: FastifyRequest,
    reply: FastifyReply,
    operation: TossBillingOperation,
    fields: Record<string, unknown>,
    work: (account: string, fault?: TossBillingFault) => Answer,
  ) => {
    const account = accountOfRequest(req);
    if (!account) return reply.code(401).send(tossError('UNAUTHORIZED_KEY').body);
    const fault = state.takeFault(operation, { ...fields, account });
    if (fault?.type === 'reset_before') {
      reply.hijack();
      req.raw.socket.destroy();
      return;
    }
    if (fault?.type === 'latency') await sleep(fault.ms);
    if (fault?.type === 'http_error') {
      const code = fault.code ?? (fault.status >= 500 ? 'FAILED_INTERNAL_SYSTEM_PROCESSING' : 'INVALID_REQUEST');
      return reply.code(fault.status).send(tossError(code, fault.message, fault.status).body);
    }
    const answer = work(account, fault);
    if (fault?.type === 'timeout_after_commit') {
      reply.hijack();
      held.add(reply.raw);
      reply.raw.on('close', () => held.delete(reply.raw));
      return;
    }
    return reply.code(answer.status).send(answer.body);
  };

  /** IDEM: a POST with an Idempotency-Key seen before answers the first response, doing nothing again. */
  const idempotent = (account: string, route: string, req: FastifyRequest, work: () => Answer): Answer => {
    const raw = req.headers['idempotency-key'];
    const key = typeof raw === 'string' ? raw : undefined;
    if (key !== undefined && (key.length === 0 || key.length > 300))
      return tossError('INVALID_IDEMPOTENCY_KEY', '멱등키가 올바르지 않습니다.', 400);
    return state.replay(account, route, key) ?? state.remember(account, route, key, work());
  };

  app.post('/v1/billing/authorizations/issue', (req, reply) =>
    run(req, reply, 'issueBillingKey', { customerKey: body(req).customerKey }, (account) =>
      idempotent(account, 'issue', req, () => state.issue(account, body(req))),
    ),
  );

  app.post('/v1/billing/:billingKey', (req, reply) => {
    const b = body(req);
    return run(
      req,
      reply,
      'chargeBillingKey',
      { orderId: b.orderId, customerKey: b.customerKey, billingKey: param(req, 'billingKey') },
      (account, fault) =>
        idempotent(account, `charge:${param(req, 'billingKey')}`, req, () =>
          state.charge(
            account,
            param(req, 'billingKey'),
            b,
            fault?.type === 'decline' ? { code: fault.code, message: fault.message } : undefined,
          ),
        ),
    );
  });

  app.get('/v1/payments/orders/:orderId', (req, reply) =>
    run(req, reply, 'getPaymentByOrderId', { orderId: param(req, 'orderId') }, (account) =>
      state.getByOrderId(account, param(req, 'orderId')),
    ),
  );

  app.get('/v1/payments/:paymentKey', (req, reply) =>
    run(req, reply, 'getPayment', { paymentKey: param(req, 'paymentKey') }, (account) =>
      state.getPayment(account, param(req, 'paymentKey')),
    ),
  );

  app.post('/v1/payments/:paymentKey/cancel', (req, reply) =>
    run(req, reply, 'cancel', { paymentKey: param(req, 'paymentKey') }, (account, fault) =>
      idempotent(account, `cancel:${param(req, 'paymentKey')}`, req, () =>
        state.cancel(account, param(req, 'paymentKey'), body(req), fault?.type === 'pending'),
      ),
    ),
  );

  // ---- control: faults, ledger, clock, pending cancels ---------------------------------------------------------
  app.post('/faults', async (req, reply) => {
    const b = body(req);
    const operation = b.operation as TossBillingOperation;
    const fault = b.fault as TossBillingFault | undefined;
    if (!TOSS_BILLING_OPERATIONS.includes(operation))
      return reply
        .code(400)
        .send({ error: 'INVALID', message: `operation must be one of ${TOSS_BILLING_OPERATIONS.join(', ')}` });
    if (
      !fault ||
      !['latency', 'http_error', 'timeout_after_commit', 'reset_before', 'decline', 'pending'].includes(fault.type)
    ) {
      return reply.code(400).send({
        error: 'INVALID',
        message: 'fault.type must be latency, http_error, timeout_after_commit, reset_before, decline or pending',
      });
    }
    if (fault.type === 'http_error' && !(Number.isInteger(fault.status) && fault.status >= 400 && fault.status < 600))
      return reply.code(400).send({ error: 'INVALID', message: 'http_error needs a 4xx/5xx status' });
    if (fault.type === 'decline' && typeof fault.code !== 'string')
      return reply.code(400).send({ error: 'INVALID', message: 'decline needs a code' });
    const match = typeof b.match === 'object' && b.match !== null ? (b.match as Record<string, unknown>) : {};
    const id = state.armFault(operation, fault, match, typeof b.times === 'number' ? b.times : 1);
    return reply.code(201).send({ id });
  });
  app.get('/faults', async () => ({ data: state.listFaults() }));
  app.delete('/faults', async () => {
    state.clearFaults();
    return { ok: true };
  });

  app.get('/ledger', async (req) => {
    const q = req.query as Record<string, string | undefined>;
    return state.ledger({
      orderId: q.orderId,
      account: q.account,
      after: q.after !== undefined ? Number(q.after) || 0 : undefined,
      limit: q.limit !== undefined ? Number(q.limit) || undefined : undefined,
    });
  });

  app.post('/clock', async (req, reply) => {
    const advanceMs = body(req).advanceMs;
    if (typeof advanceMs !== 'number' || !Number.isFinite(advanceMs) || advanceMs < 0)
      return reply.code(400).send({ error: 'INVALID', message: 'advanceMs must be a non-negative number' });
    state.advanceClock(advanceMs);
    return { ok: true };
  });

  app.post('/payments/:paymentKey/settle', async (req, reply) => {
    const to = body(req).cancel;
    if (to !== 'done' && to !== 'rejected')
      return reply.code(400).send({ error: 'INVALID', message: 'cancel must be done or rejected' });
    return state.settleCancels(param(req, 'paymentKey'), to)
      ? { ok: true }
      : reply.code(409).send({ error: 'NO_PENDING_CANCEL', message: 'no cancel in progress' });
  });
}

/** The buyer in Toss's card-registration window: `POST /buyer/billing-auth` (REST contract v1.1). */
function registerBuyerRoute(app: FastifyInstance, state: TossBillingSandboxState): void {
  /**
   * What the buyer does in Toss's card-registration window (SDK requestBillingAuth): `approve` → successUrl with
   * `customerKey` and `authKey`; `cancel` → failUrl with PAY_PROCESS_CANCELED (ERR, failUrl errors); `decline` →
   * failUrl with the card company's refusal (REJECT_CARD_COMPANY, or `buyer.code`).
   */
  app.post('/buyer/billing-auth', async (req, reply) => {
    const b = body(req);
    const account = accountAfter(CLIENT_PREFIX, b.clientKey);
    if (!account) return reply.code(401).send(tossError('UNAUTHORIZED_KEY').body);
    const request = (typeof b.request === 'object' && b.request !== null ? b.request : {}) as Record<string, unknown>;
    const buyer = (typeof b.buyer === 'object' && b.buyer !== null ? b.buyer : {}) as Record<string, unknown>;
    const customerKey = b.customerKey;
    if (typeof customerKey !== 'string' || !CUSTOMER_KEY.test(customerKey))
      return reply.code(400).send({ code: 'INVALID_CUSTOMER_KEY', message: 'customerKey is not valid' });
    if (request.method !== 'CARD')
      return reply.code(400).send({ code: 'NOT_SUPPORTED_METHOD', message: 'method must be CARD' });
    if (!isAbsoluteUrl(request.successUrl))
      return reply
        .code(400)
        .send({ code: 'INCORRECT_SUCCESS_URL_FORMAT', message: 'successUrl must be an absolute URL' });
    if (!isAbsoluteUrl(request.failUrl))
      return reply.code(400).send({ code: 'INCORRECT_FAIL_URL_FORMAT', message: 'failUrl must be an absolute URL' });
    const fault = state.takeFault('buyerBillingAuth', { customerKey, account });
    const outcome = fault?.type === 'decline' ? 'decline' : (buyer.outcome ?? 'approve');
    if (outcome === 'cancel') {
      state.record('buyerBillingAuth', 'canceled', account, { customerKey });
      return reply.send({
        redirectUrl: withQuery(request.failUrl, {
          code: 'PAY_PROCESS_CANCELED',
          message: '사용자에 의해 결제가 취소되었습니다.',
        }),
      });
    }
    if (outcome === 'decline' || outcome === 'fail') {
      const code =
        fault?.type === 'decline' ? fault.code : typeof buyer.code === 'string' ? buyer.code : 'REJECT_CARD_COMPANY';
      state.record('buyerBillingAuth', 'declined', account, { customerKey, code });
      return reply.send({ redirectUrl: withQuery(request.failUrl, { code, message: '카드 등록에 실패했습니다.' }) });
    }
    const authKey = state.mintAuthKey(account, customerKey);
    state.record('buyerBillingAuth', 'approved', account, { customerKey });
    return reply.send({ redirectUrl: withQuery(request.successUrl, { customerKey, authKey }) });
  });
}

/** The card window (a page a person clicks) the sandbox Toss SDK's requestBillingAuth opens; sources in ./browser. */
const windowAssets = new BrowserAssets('src/toss-billing/browser');
function registerWindowRoutes(app: FastifyInstance): void {
  app.get('/windows/billing-auth', async (_req, reply) =>
    sendAsset(reply, 'html', windowAssets.html('billing-auth-window')),
  );
  app.get('/windows/billing-auth-window.js', async (_req, reply) =>
    sendAsset(reply, 'js', await windowAssets.script('billing-auth-window')),
  );
}

/**
 * The registration object: the app mounts `register` at `/sandbox/toss` in sandbox mode (beside the foreign-easy-pay
 * routes; Fastify refuses a duplicate route at boot) and gives merchants without their own keys `sandboxCredentials`.
 * Faults are this plugin's own (`/sandbox/toss/billing/faults`), so it declares no shared fault operations.
 */
export const TOSS_BILLING_SANDBOX: SandboxPlugin = Object.freeze<SandboxPlugin>({
  name: 'Toss Payments automatic billing',
  prefix: TOSS_BILLING_SANDBOX_PREFIX,
  register: async (fastify, ctx) => tossBillingSandboxPlugin(fastify, { now: () => ctx.sandbox.clock.now() }),
  sandboxCredentials: (merchantId) => tossBillingSandboxCredentials(merchantId),
});
