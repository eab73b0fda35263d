import type { FastifyRequest } from 'fastify';
import { accountOfPortoneKeyPair, accountOfPortoneUserCode } from './sandbox.credentials';
import { booleanish, newImpUid, newPaypalTransactionId, toMajor, unixSeconds } from './sandbox.format';
import type { Authentication, PgAnswer, PgContext } from './sandbox.http';
import { PortoneBuyerWindow } from './sandbox.portone.buyer';
import { PortoneCancels } from './sandbox.portone.cancels';
import { PortoneCustomers } from './sandbox.portone.customers';
import { PortoneTokens } from './sandbox.portone.tokens';
import {
  bodyOf,
  isObj,
  ok,
  PORTONE_PENDING_FAIL_REASON,
  refuse,
  refuseAgain,
  SORTINGS,
  STATUSES,
  str,
  type NewPaymentFields,
  type Obj,
  type PaymentRecord,
  type PortoneDeps,
  type PortonePaymentIssuer,
  type WebhookFault,
} from './sandbox.portone.model';
import { pageOfPayments, parseAgainRequest, sortPayments } from './sandbox.portone.requests';
import { portoneWebhookJobs, renderPortonePayment } from './sandbox.portone.render';
import type { WebhookJob } from './sandbox.webhooks';

// The records, constants and helpers moved to sandbox.portone.model.ts; re-exported so existing imports keep working.
export {
  PORTONE_KOREAN_BUYER_REASON,
  PORTONE_PENDING_FAIL_REASON,
  PORTONE_TOKEN_EXTEND_S,
  PORTONE_TOKEN_RENEW_BELOW_S,
  PORTONE_TOKEN_TTL_S,
  type PaypalPaymentStatus,
  type PortoneDeps,
  type PortonePaymentStatus,
} from './sandbox.portone.model';

/** In-memory PortOne V1 (PayPal RT, `pg_provider: paypal_v2`) plus the buyer's PayPal RT window. */
export class PortoneSandbox implements PortonePaymentIssuer {
  readonly payments = new Map<string, PaymentRecord>();
  private readonly byMerchantUid = new Map<string, PaymentRecord[]>();
  private readonly customers: PortoneCustomers;
  private readonly tokens: PortoneTokens;
  private readonly buyer: PortoneBuyerWindow;

  private readonly cancels: PortoneCancels;

  constructor(private readonly d: PortoneDeps) {
    this.cancels = new PortoneCancels(d, this);
    this.tokens = new PortoneTokens(d.clock);
    this.customers = new PortoneCustomers(d);
    this.buyer = new PortoneBuyerWindow(d, this);
  }

  get size(): number {
    return this.payments.size;
  }

  get customerCount(): number {
    return this.customers.size;
  }

  reset(): void {
    for (const p of this.payments.values()) {
      p.settleTask?.cancel();
      for (const c of p.pending_cancels) c.task?.cancel();
    }
    this.payments.clear();
    this.byMerchantUid.clear();
    this.customers.reset();
    this.tokens.reset();
  }

  private nowS(): number {
    return unixSeconds(this.d.clock.now());
  }

  // ---- auth ------------------------------------------------------------------------------------------------------

  /** getToken authenticates in its handler; faults may still match on the account the key names. */
  authenticateKeyPair(req: FastifyRequest): Authentication {
    const b = bodyOf(req);
    const account = accountOfPortoneKeyPair(b.imp_key, b.imp_secret) ?? '';
    return { account, credential: '' };
  }

  /** `Authorization: <token>` or `X-ImpTokenHeader` (see PortoneTokens). */
  authenticateToken(req: FastifyRequest): Authentication {
    return this.tokens.authenticate(req);
  }

  /** The buyer's window is initialised with the user code (`IMP.init`). */
  authenticateUserCode(req: FastifyRequest): Authentication {
    const userCode = bodyOf(req).userCode;
    const account = accountOfPortoneUserCode(userCode);
    if (!account)
      return {
        reject: {
          status: 400,
          body: { success: false, imp_uid: null, merchant_uid: null, error_msg: 'unknown userCode (IMP.init)' },
        },
      };
    return { account, credential: String(userCode) };
  }

  /** `POST /users/getToken`. */
  getToken(ctx: PgContext): PgAnswer {
    return this.tokens.getToken(ctx);
  }

  // ---- lookups ---------------------------------------------------------------------------------------------------

  attempts(account: string, merchantUid: string): PaymentRecord[] {
    return this.byMerchantUid.get(`${account}\u0000${merchantUid}`) ?? [];
  }

  private addPayment(p: PaymentRecord): void {
    this.payments.set(p.imp_uid, p);
    const key = `${p.account}\u0000${p.merchant_uid}`;
    const list = this.byMerchantUid.get(key);
    if (list) list.push(p);
    else this.byMerchantUid.set(key, [p]);
  }

  paidAttempt(account: string, merchantUid: string): PaymentRecord | undefined {
    const list = this.attempts(account, merchantUid);
    this.d.work.count(list.length);
    return list.find((p) => p.status === 'paid' || p.status === 'cancelled');
  }

  // ---- API -------------------------------------------------------------------------------------------------------

  /** `GET /payments/{imp_uid}` (`include_sandbox`, `extension`). */
  getPayment(ctx: PgContext): PgAnswer {
    const q = ctx.req.query as Obj;
    const p = this.payments.get((ctx.req.params as Obj).imp_uid as string);
    const hidden = this.d.options.requireIncludeSandbox && booleanish(q.include_sandbox) !== true;
    if (!p || p.account !== ctx.account || hidden) return refuse(404, '존재하지 않는 결제정보입니다.');
    return ok(renderPortonePayment(p, booleanish(q.extension) === true));
  }

  private filtered(ctx: PgContext): PaymentRecord[] | PgAnswer {
    const params = ctx.req.params as Obj;
    const q = ctx.req.query as Obj;
    const status = params.payment_status as string | undefined;
    if (status !== undefined && !STATUSES.includes(status))
      return refuse(400, 'payment_status는 ready, paid, failed, cancelled 중 하나여야 합니다.');
    const sorting = (q.sorting as string | undefined) ?? '-started';
    if (!SORTINGS.includes(sorting)) return refuse(400, `sorting은 ${SORTINGS.join(', ')} 중 하나여야 합니다.`);
    const list = this.attempts(ctx.account, params.merchant_uid as string);
    this.d.work.count(list.length);
    return sortPayments(status ? list.filter((p) => p.status === status) : list, sorting);
  }

  /** `GET /payments/find/{merchant_uid}/{payment_status?}`: the first payment per `sorting` (default newest). */
  findPayment(ctx: PgContext): PgAnswer {
    const list = this.filtered(ctx);
    if (!Array.isArray(list)) return list;
    if (list.length === 0) return refuse(404, '존재하지 않는 결제정보입니다.');
    return ok(renderPortonePayment(list[0], false));
  }

  /** `GET /payments/findAll/{merchant_uid}/{payment_status?}`: every attempt, paged (`page`, `limit` <= 1000). */
  findAllPayments(ctx: PgContext): PgAnswer {
    const list = this.filtered(ctx);
    if (!Array.isArray(list)) return list;
    return pageOfPayments(list, ctx.req.query as Obj);
  }

  /** `POST /subscribe/payments/again`: a charge with a billing key. */
  again(ctx: PgContext): PgAnswer {
    const b = bodyOf(ctx.req);
    const now = this.d.clock.now();
    let bypassParsed: unknown = b.bypass;
    const record = (outcome: string, answer: PgAnswer, p?: PaymentRecord): PgAnswer => {
      const env = answer.body as { code: number; message: string | null };
      this.d.ledger.append(now, {
        account: ctx.account,
        operation: 'again',
        outcome,
        merchant_uid: b.merchant_uid,
        customer_uid: b.customer_uid,
        amount: b.amount,
        currency: b.currency,
        name: b.name,
        bypass: bypassParsed,
        custom_data: b.custom_data,
        notice_url: b.notice_url,
        buyer_email: b.buyer_email,
        imp_uid: p?.imp_uid ?? null,
        status: p?.status ?? null,
        fail_reason: p?.fail_reason ?? null,
        code: env.code,
        message: env.message,
      });
      return answer;
    };

    const parsed = parseAgainRequest(b);
    bypassParsed = parsed.bypass;
    if (!parsed.request) return record('refused', refuseAgain(parsed.refusal ?? ''));
    const { customerUid, merchantUid, currency, exponent, amountMinor, name, urls } = parsed.request;
    const customer = this.customers.active(ctx.account, customerUid);
    // Message: iamport-rest-client-python tests/test_pay_again.py (earlier revisions) and other official clients' tests.
    if (!customer) return record('refused', refuseAgain('등록되지 않은 구매자입니다.'));
    // A paid merchant_uid cannot be paid again; a failed one can (so a pending-as-failed charge retried is charged twice).
    if (this.paidAttempt(ctx.account, merchantUid))
      return record('refused', refuseAgain('이미 결제완료된 merchant_uid 입니다.'));

    const p = this.newPayment(ctx.account, merchantUid, {
      name,
      currency,
      exponent,
      amountMinor,
      channel: 'api',
      pg_id: customer.pg_id,
      customer_uid: customerUid,
      customer_uid_usage: 'payment',
      notice_urls: urls,
      custom_data:
        typeof b.custom_data === 'string'
          ? b.custom_data
          : b.custom_data === undefined || b.custom_data === null
            ? null
            : JSON.stringify(b.custom_data),
      buyer: {
        name: str(b.buyer_name),
        email: str(b.buyer_email),
        tel: str(b.buyer_tel),
        addr: str(b.buyer_addr),
        postcode: str(b.buyer_postcode),
      },
    });
    const outcome = this.decide(p, ctx);
    // Not `{ ...answer, webhooks }`: V8 defines a property after a spread slowly, and this runs on every charge.
    return Object.assign(record(outcome.label, ok(renderPortonePayment(p, false)), p), { webhooks: outcome.webhooks });
  }

  /** Applies decline/pending faults or approves; returns the ledger label and webhooks. */
  decide(p: PaymentRecord, ctx: PgContext): { label: string; webhooks: WebhookJob[] } {
    const nowS = this.nowS();
    const { decline, pending } = ctx.faults;
    if (decline) {
      p.status = 'failed';
      p.failed_at = nowS;
      p.fail_reason = `[${decline.code}] ${decline.message ?? 'PayPal declined the transaction'}`;
      p.paypal = { status: 'Failed', pendingReason: null };
      return { label: 'declined', webhooks: [] };
    }
    if (pending) {
      // PortOne V1 reports a PayPal pending payment as failed; only `extension` shows that PayPal has it pending.
      p.status = 'failed';
      p.failed_at = nowS;
      p.fail_reason = PORTONE_PENDING_FAIL_REASON;
      p.paypal = { status: 'Pending', pendingReason: pending.reason ?? 'paymentreview' };
      if (pending.settleAfterMs !== undefined) {
        const to = (pending.settleTo ?? 'paid') as 'paid' | 'failed';
        p.settleTask = this.d.scheduler.after(pending.settleAfterMs, () => {
          const jobs = this.settlePending(p, to);
          void this.d.webhooks.dispatch(jobs, ctx.faults.webhook?.mode === 'early' ? undefined : ctx.faults.webhook);
        });
      }
      return { label: 'pending', webhooks: [] };
    }
    this.approve(p, nowS);
    return { label: 'approved', webhooks: portoneWebhookJobs(this.d.options, p, 'paid') };
  }

  private approve(p: PaymentRecord, nowS: number): void {
    p.status = 'paid';
    p.paid_at = nowS;
    p.failed_at = 0;
    p.fail_reason = null;
    p.updated_at = nowS;
    p.pg_tid = newPaypalTransactionId();
    p.paypal = { status: 'Completed', pendingReason: null };
    if (p.customer_uid_usage === 'issue') this.customers.activate(p);
  }

  /** A fresh `ready` payment under the merchant_uid, with a new imp_uid. */
  newPayment(account: string, merchantUid: string, f: NewPaymentFields): PaymentRecord {
    const nowS = this.nowS();
    let impUid = newImpUid();
    while (this.payments.has(impUid)) impUid = newImpUid();
    const p: PaymentRecord = {
      account,
      imp_uid: impUid,
      merchant_uid: merchantUid,
      cancelMinor: 0,
      status: 'ready',
      pg_tid: null,
      started_at: nowS,
      paid_at: 0,
      failed_at: 0,
      cancelled_at: 0,
      updated_at: nowS,
      fail_reason: null,
      cancel_reason: null,
      cancel_history: [],
      pending_cancels: [],
      paypal: { status: 'Pending', pendingReason: null },
      // Last: the properties after a spread are slow to define (see again); f's keys are disjoint from the others.
      ...f,
    };
    this.addPayment(p);
    return p;
  }

  /** `POST /payments/cancel`. */
  cancel(ctx: PgContext): PgAnswer {
    return this.cancels.cancel(ctx);
  }

  /** PaymentAnnotation of a payment (see renderPortonePayment). */
  render(p: PaymentRecord, extension: boolean): Obj {
    return renderPortonePayment(p, extension);
  }

  /** `GET /subscribe/customers/{customer_uid}`. */
  getCustomer(ctx: PgContext): PgAnswer {
    return this.customers.get(ctx);
  }

  /** `DELETE /subscribe/customers/{customer_uid}`: the key can no longer be charged. */
  deleteCustomer(ctx: PgContext): PgAnswer {
    return this.customers.delete(ctx);
  }

  // ---- buyer -----------------------------------------------------------------------------------------------------

  /**
   * What `IMP.loadUI('paypal-rt', request, callback)` and the buyer's PayPal window do (see PortoneBuyerWindow).
   */
  buyerBillingKey(ctx: PgContext): PgAnswer {
    return this.buyer.billingKey(ctx);
  }

  // ---- control ---------------------------------------------------------------------------------------------------

  /**
   * `POST /sandbox/portone/payments/{imp_uid}/settle`: `{ status: "paid" | "failed" }` settles a pending PayPal payment
   * (as PayPal's IPN would); `{ cancel: "done" | "rejected", cancellation_id? }` finishes pending cancels. An optional
   * `webhook: { mode, count? }` applies a webhook fault to what the settlement sends.
   */
  settle(impUid: string, body: Obj): { status: number; body: unknown; after?: () => Promise<void> } {
    const p = this.payments.get(impUid);
    if (!p) return { status: 404, body: { error: 'NOT_FOUND', message: 'unknown imp_uid' } };
    let fault: WebhookFault | undefined;
    if (body.webhook !== undefined) {
      const w = body.webhook;
      if (!isObj(w) || (w.mode !== 'duplicate' && w.mode !== 'early' && w.mode !== 'drop')) {
        return {
          status: 400,
          body: { error: 'INVALID', message: 'webhook must be { mode: duplicate|early|drop, count? }' },
        };
      }
      fault = { type: 'webhook', mode: w.mode, count: typeof w.count === 'number' ? w.count : undefined };
    }
    let jobs: WebhookJob[];
    if (body.cancel !== undefined) {
      if (body.cancel !== 'done' && body.cancel !== 'rejected')
        return { status: 400, body: { error: 'INVALID', message: 'cancel must be done or rejected' } };
      const open = p.pending_cancels.filter(
        (c) => body.cancellation_id === undefined || c.cancellation_id === body.cancellation_id,
      );
      if (open.length === 0) return { status: 409, body: { error: 'NOT_PENDING', message: 'no pending cancel' } };
      jobs = open.flatMap((c) => this.cancels.settleCancel(p, c, body.cancel as 'done' | 'rejected'));
    } else {
      if (body.status !== 'paid' && body.status !== 'failed')
        return { status: 400, body: { error: 'INVALID', message: 'status must be paid or failed' } };
      if (p.paypal.status !== 'Pending' || p.status !== 'failed') {
        return {
          status: 409,
          body: { error: 'NOT_PENDING', message: `payment is ${p.status} (PayPal ${p.paypal.status})` },
        };
      }
      jobs = this.settlePending(p, body.status);
    }
    const response = renderPortonePayment(p, true);
    return { status: 200, body: response, after: () => this.d.webhooks.dispatch(jobs, fault) };
  }

  /** Pending -> paid (webhook) or -> failed for good (no webhook: a plain failure sends none). */
  private settlePending(p: PaymentRecord, to: 'paid' | 'failed'): WebhookJob[] {
    if (p.paypal.status !== 'Pending' || p.status !== 'failed') return [];
    p.settleTask?.cancel();
    p.settleTask = undefined;
    const nowS = this.nowS();
    if (to === 'paid') this.approve(p, nowS);
    else {
      p.paypal = { status: 'Denied', pendingReason: null };
      p.fail_reason = '[PayPal] 승인 대기 중이던 결제가 거절되었습니다.';
      p.failed_at = nowS;
      p.updated_at = nowS;
    }
    this.d.ledger.append(this.d.clock.now(), {
      account: p.account,
      operation: 'settlement',
      outcome: to === 'paid' ? 'approved' : 'declined',
      merchant_uid: p.merchant_uid,
      customer_uid: p.customer_uid,
      imp_uid: p.imp_uid,
      amount: toMajor(p.amountMinor, p.exponent),
      currency: p.currency,
      status: p.status,
    });
    return to === 'paid' ? portoneWebhookJobs(this.d.options, p, 'paid') : [];
  }
}
