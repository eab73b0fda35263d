import type { FastifyRequest } from 'fastify';
import { accountOfTossClientKey, accountOfTossSecretKey, secretKeyFromBasicAuth } from './sandbox.credentials';
import { newPaymentKey, newTransactionKey, toMajor, toMinor, tossWebhookTime } from './sandbox.format';
import type { Authentication, PgAnswer, PgContext } from './sandbox.http';
import { TossCancels } from './sandbox.toss.cancels';
import { tossError } from './sandbox.toss.errors';
import {
  bodyOf,
  DEFAULT_TOSS_API_VERSION,
  invalid,
  TOSS_CONFIRM_WINDOW_MS,
  TOSS_EXPIRY_MS,
  USD,
  VERSION,
  type Obj,
  type PaymentRecord,
  type TossDeps,
  type TossPaymentStore,
} from './sandbox.toss.model';
import { renderTossPayment } from './sandbox.toss.render';
import { parseTossBuyerRequest } from './sandbox.toss.requests';
import type { WebhookJob } from './sandbox.webhooks';

// The records, constants and helpers live in sandbox.toss.model.ts; re-exported so existing imports keep working.
export {
  DEFAULT_TOSS_API_VERSION,
  TOSS_CONFIRM_WINDOW_MS,
  TOSS_EXPIRY_MS,
  TOSS_FOREIGN_EASY_PAY_METHOD,
  TOSS_PAYPAL_PROVIDER,
  type TossCancelStatus,
  type TossDeps,
  type TossPaymentStatus,
} from './sandbox.toss.model';

/** In-memory Toss Payments v1 (foreign easy pay / PayPal) plus the buyer's checkout. */
export class TossSandbox implements TossPaymentStore {
  private readonly payments = new Map<string, PaymentRecord>();
  private readonly byOrder = new Map<string, PaymentRecord>();
  /** (account, orderId) -> the payment that was confirmed for it: an orderId is paid at most once. */
  private readonly confirmedOrders = new Map<string, PaymentRecord>();
  private readonly webhookUrls = new Map<string, string>();

  private readonly cancels: TossCancels;

  constructor(private readonly d: TossDeps) {
    this.cancels = new TossCancels(d, this);
  }

  /** A payment by its paymentKey. */
  payment(paymentKey: string): PaymentRecord | undefined {
    return this.payments.get(paymentKey);
  }

  get size(): number {
    return this.payments.size;
  }

  reset(): void {
    for (const p of this.payments.values()) {
      p.expiry?.cancel();
      for (const c of p.cancels) c.task?.cancel();
    }
    this.payments.clear();
    this.byOrder.clear();
    this.confirmedOrders.clear();
    this.webhookUrls.clear();
  }

  // ---- authentication --------------------------------------------------------------------------------------------

  /** `Authorization: Basic base64(secretKey + ":")` with a sandbox secret key. */
  authenticateSecret(req: FastifyRequest): Authentication {
    const secretKey = secretKeyFromBasicAuth(req.headers.authorization);
    const account = accountOfTossSecretKey(secretKey);
    if (!secretKey || !account) return { reject: tossError('UNAUTHORIZED_KEY') };
    return { account, credential: secretKey };
  }

  /** The buyer's checkout authenticates with the client key in the body. */
  authenticateClient(req: FastifyRequest): Authentication {
    const clientKey = bodyOf(req).clientKey;
    const account = accountOfTossClientKey(clientKey);
    if (!account) return { reject: tossError('UNAUTHORIZED_KEY') };
    return { account, credential: String(clientKey) };
  }

  /** API version validation and `TossPayments-Test-Code` (test mode's way of reproducing an error). */
  preamble(req: FastifyRequest): PgAnswer | undefined {
    const version = req.headers['tosspayments-api-version'];
    if (version !== undefined && (typeof version !== 'string' || !VERSION.test(version))) {
      return invalid('TossPayments-API-Version 헤더는 YYYY-MM-DD 형식이어야 합니다.');
    }
    const testCode = req.headers['tosspayments-test-code'];
    if (typeof testCode === 'string' && testCode !== '') return tossError(testCode);
    return undefined;
  }

  versionOf(req: FastifyRequest, p?: PaymentRecord): string {
    const v = req.headers['tosspayments-api-version'];
    return typeof v === 'string' ? v : (p?.version ?? DEFAULT_TOSS_API_VERSION);
  }

  // ---- console ---------------------------------------------------------------------------------------------------

  /** Registers (or with null removes) the webhook URL of an account, as Toss's console does per MID. */
  setWebhookUrl(account: string, url: string | null): void {
    if (url === null) this.webhookUrls.delete(account);
    else this.webhookUrls.set(account, url);
  }

  webhookUrl(account: string): string | null {
    return this.webhookUrls.get(account) ?? null;
  }

  // ---- buyer -----------------------------------------------------------------------------------------------------

  /**
   * What the SDK's `requestPayment` and the PayPal window do, ending in the redirect Toss would issue. Request shape:
   * the SDK typings (ForeignEasyPayPaymentRequest); redirects and fail codes: seed 000.
   */
  buyerPayment(ctx: PgContext): PgAnswer {
    const parsed = parseTossBuyerRequest(bodyOf(ctx.req));
    if ('bad' in parsed) return parsed.bad;
    const { outcome, minor, orderId, orderName, successUrl, failUrl, country, stc } = parsed;
    if (this.confirmedOrders.has(`${ctx.account}\u0000${orderId}`)) return tossError('DUPLICATED_ORDER_ID');

    const fail = (code: string, message: string, withOrderId: boolean): PgAnswer => {
      const u = new URL(failUrl.href);
      u.searchParams.append('code', code);
      u.searchParams.append('message', message);
      if (withOrderId) u.searchParams.append('orderId', orderId);
      return { status: 200, body: { redirectUrl: u.href } };
    };
    if (ctx.faults.decline)
      return fail(ctx.faults.decline.code, ctx.faults.decline.message ?? '결제가 거절되었습니다.', true);
    // The buyer closing the window is not a payment failure: Toss sends no orderId with it (seed 000).
    if (outcome === 'cancel') return fail('PAY_PROCESS_CANCELED', '사용자에 의해 결제가 취소되었습니다.', false);
    if (outcome === 'abort')
      return fail('PAY_PROCESS_ABORTED', '결제 진행 중 승인에 실패하여 결제가 중단되었습니다.', true);
    if (outcome === 'reject') return fail('REJECT_CARD_COMPANY', '결제 승인이 거절되었습니다.', true);

    const now = this.d.clock.now();
    let paymentKey = newPaymentKey();
    while (this.payments.has(paymentKey)) paymentKey = newPaymentKey();
    const p: PaymentRecord = {
      account: ctx.account,
      paymentKey,
      orderId,
      orderName,
      totalMinor: minor,
      balanceMinor: minor,
      // Authenticated and waiting for confirm; `abandon` leaves the window open (READY) until it expires.
      status: outcome === 'abandon' ? 'READY' : 'IN_PROGRESS',
      requestedAtMs: now,
      approvedAtMs: null,
      version: null,
      country,
      stc,
      lastTransactionKey: null,
      cancels: [],
      failure: null,
    };
    p.expiry = this.d.scheduler.at(now + TOSS_EXPIRY_MS, () => this.expire(p));
    this.payments.set(p.paymentKey, p);
    this.byOrder.set(`${ctx.account}\u0000${p.orderId}`, p);
    if (outcome === 'abandon') return { status: 200, body: { redirectUrl: null, paymentKey: p.paymentKey } };
    const u = new URL(successUrl.href);
    u.searchParams.append('paymentType', 'NORMAL');
    u.searchParams.append('orderId', p.orderId);
    u.searchParams.append('paymentKey', p.paymentKey);
    u.searchParams.append('amount', String(toMajor(minor, USD)));
    return { status: 200, body: { redirectUrl: u.href } };
  }

  private expire(p: PaymentRecord): void {
    if (p.status !== 'READY' && p.status !== 'IN_PROGRESS') return;
    p.status = 'EXPIRED';
    void this.d.webhooks.dispatch(this.statusChanged(p));
  }

  // ---- API -------------------------------------------------------------------------------------------------------

  /** `POST /v1/payments/confirm`. */
  confirm(ctx: PgContext): PgAnswer {
    const pre = this.preamble(ctx.req);
    if (pre) return pre;
    const body = bodyOf(ctx.req);
    const { paymentKey, orderId, amount } = body;
    const now = this.d.clock.now();
    const record = (outcome: string, answer: PgAnswer, p?: PaymentRecord): PgAnswer => {
      const err = answer.status >= 400 ? (answer.body as { code: string; message: string }) : undefined;
      this.d.ledger.append(now, {
        account: ctx.account,
        operation: 'confirm',
        outcome,
        paymentKey,
        orderId,
        amount,
        currency: 'USD',
        status: p?.status ?? null,
        code: err?.code ?? null,
        message: err?.message ?? null,
        transactionKey: outcome === 'approved' ? p?.lastTransactionKey : null,
        stc: p?.stc ?? null,
      });
      return answer;
    };
    if (
      typeof paymentKey !== 'string' ||
      paymentKey === '' ||
      typeof orderId !== 'string' ||
      orderId === '' ||
      typeof amount !== 'number'
    ) {
      return record('refused', invalid('paymentKey, orderId and amount (number) are required'));
    }
    const p = this.payments.get(paymentKey);
    // Another account's key is answered like a client/secret key pair mismatch (seed 000: NOT_FOUND_PAYMENT_SESSION).
    if (!p || p.account !== ctx.account) return record('refused', tossError('NOT_FOUND_PAYMENT_SESSION'));
    // Seed 000: FORBIDDEN_REQUEST when the orderId or paymentKey differs from the original payment request.
    if (p.orderId !== orderId) return record('refused', tossError('FORBIDDEN_REQUEST'), p);
    if (p.status === 'DONE' || p.status === 'CANCELED' || p.status === 'PARTIAL_CANCELED') {
      return record('refused', tossError('ALREADY_PROCESSED_PAYMENT'), p);
    }
    if (p.status !== 'IN_PROGRESS' || now - p.requestedAtMs > TOSS_CONFIRM_WINDOW_MS) {
      return record('refused', tossError('NOT_FOUND_PAYMENT_SESSION'), p);
    }
    // A second checkout window for the same order must not be paid once the first was.
    const orderKey = `${p.account}\u0000${p.orderId}`;
    if (this.confirmedOrders.has(orderKey)) return record('refused', tossError('DUPLICATED_ORDER_ID'), p);
    // Toss documents no dedicated code for an amount that differs from the request's; INVALID_REQUEST (400) is the
    // documented code for a request Toss will not process as sent.
    if (toMinor(amount, USD) !== p.totalMinor) {
      return record('refused', invalid('결제 금액이 결제 요청 금액과 일치하지 않습니다.'), p);
    }
    p.version = this.versionOf(ctx.req);
    p.expiry?.cancel();
    const decline = ctx.faults.decline;
    if (decline) {
      const err = tossError(decline.code, decline.message, decline.status);
      p.status = 'ABORTED';
      p.failure = { code: err.body.code, message: err.body.message };
      return { ...record('declined', err, p), webhooks: this.statusChanged(p) };
    }
    p.status = 'DONE';
    this.confirmedOrders.set(orderKey, p);
    p.approvedAtMs = now;
    p.lastTransactionKey = newTransactionKey();
    return {
      ...record('approved', { status: 200, body: this.render(p, p.version) }, p),
      webhooks: this.statusChanged(p),
    };
  }

  /** `GET /v1/payments/{paymentKey}`. */
  retrieve(ctx: PgContext): PgAnswer {
    const pre = this.preamble(ctx.req);
    if (pre) return pre;
    const p = this.payments.get((ctx.req.params as Obj).paymentKey as string);
    if (!p || p.account !== ctx.account) return tossError('NOT_FOUND_PAYMENT');
    return { status: 200, body: this.render(p, this.versionOf(ctx.req, p)) };
  }

  /** `GET /v1/payments/orders/{orderId}`. */
  retrieveByOrderId(ctx: PgContext): PgAnswer {
    const pre = this.preamble(ctx.req);
    if (pre) return pre;
    const p = this.byOrder.get(`${ctx.account}\u0000${(ctx.req.params as Obj).orderId as string}`);
    if (!p) return tossError('NOT_FOUND_PAYMENT');
    return { status: 200, body: this.render(p, this.versionOf(ctx.req, p)) };
  }

  /** `POST /v1/payments/{paymentKey}/cancel` (see TossCancels). */
  cancel(ctx: PgContext): PgAnswer {
    return this.cancels.cancel(ctx);
  }

  // ---- control ---------------------------------------------------------------------------------------------------

  /**
   * `POST /sandbox/toss/payments/{paymentKey}/settle`. With IN_PROGRESS cancels (or a `transactionKey`): `{ status:
   * "DONE" | "ABORTED" }` finishes them. Otherwise `{ status: "EXPIRED" }` expires a READY/IN_PROGRESS payment and `{
   * status: "ABORTED", code?, message? }` aborts it. Answers `{ status, body }` for the control route.
   */
  settle(paymentKey: string, body: Obj): { status: number; body: unknown } {
    const p = this.payments.get(paymentKey);
    if (!p) return { status: 404, body: { error: 'NOT_FOUND', message: 'unknown paymentKey' } };
    const { status, transactionKey, code, message } = body;
    const open = p.cancels.filter(
      (c) => c.status === 'IN_PROGRESS' && (transactionKey === undefined || c.transactionKey === transactionKey),
    );
    if (transactionKey !== undefined || open.length > 0) {
      if (status !== 'DONE' && status !== 'ABORTED')
        return { status: 400, body: { error: 'INVALID', message: 'cancel settlement status must be DONE or ABORTED' } };
      if (open.length === 0)
        return {
          status: 409,
          body: { error: 'NOT_PENDING', message: 'no IN_PROGRESS cancel with that transactionKey' },
        };
      const jobs = open.flatMap((c) => this.cancels.settleCancel(p, c, status));
      void this.d.webhooks.dispatch(jobs);
      return { status: 200, body: this.render(p, p.version ?? DEFAULT_TOSS_API_VERSION) };
    }
    if (status !== 'EXPIRED' && status !== 'ABORTED') {
      return {
        status: 400,
        body: { error: 'INVALID', message: 'payment settlement status must be EXPIRED or ABORTED' },
      };
    }
    if (p.status !== 'READY' && p.status !== 'IN_PROGRESS') {
      return { status: 409, body: { error: 'NOT_PENDING', message: `payment is ${p.status}` } };
    }
    p.expiry?.cancel();
    p.status = status;
    if (status === 'ABORTED') {
      const err = tossError(
        typeof code === 'string' ? code : 'PROVIDER_ERROR',
        typeof message === 'string' ? message : undefined,
      );
      p.failure = { code: err.body.code, message: err.body.message };
    }
    void this.d.webhooks.dispatch(this.statusChanged(p));
    return { status: 200, body: this.render(p, p.version ?? DEFAULT_TOSS_API_VERSION) };
  }

  // ---- rendering -------------------------------------------------------------------------------------------------

  webhook(account: string, eventType: string, data: Obj): WebhookJob[] {
    const url = this.webhookUrls.get(account);
    if (!url) return [];
    return [
      {
        gateway: 'toss',
        account,
        url,
        event: eventType,
        body: { eventType, createdAt: tossWebhookTime(this.d.clock.now()), data },
        format: 'json',
        retryDelaysMs: this.d.options.tossWebhookRetryDelaysMs,
      },
    ];
  }

  statusChanged(p: PaymentRecord): WebhookJob[] {
    return this.webhook(p.account, 'PAYMENT_STATUS_CHANGED', this.render(p, p.version ?? DEFAULT_TOSS_API_VERSION));
  }

  /** The Payment object (see renderTossPayment). */
  render(p: PaymentRecord, version: string): Obj {
    return renderTossPayment(p, version);
  }
}
