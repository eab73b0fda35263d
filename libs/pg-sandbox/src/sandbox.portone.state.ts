import type { FastifyRequest } from 'fastify';
import type { SandboxClock, SandboxScheduler, ScheduledTask } from './sandbox.clock';
import { accountOfPortoneKeyPair, accountOfPortoneUserCode } from './sandbox.credentials';
import type { FaultSpec } from './sandbox.faults';
import {
  booleanish,
  clip,
  newImpUid,
  newOpaqueId,
  newPaypalTransactionId,
  numberish,
  PAYPAL_CURRENCY_EXPONENTS,
  PORTONE_MAX_LENGTH,
  toMajor,
  toMinor,
  unixSeconds,
} from './sandbox.format';
import { pgError, type Authentication, type PgAnswer, type PgContext } from './sandbox.http';
import type { Ledger } from './sandbox.ledger';
import type { ResolvedSandboxOptions } from './sandbox.options';
import type { WorkCounter } from './sandbox.stats';
import type { WebhookDispatcher, WebhookJob } from './sandbox.webhooks';

/** PortOne V1 payment statuses. */
export type PortonePaymentStatus = 'ready' | 'paid' | 'failed' | 'cancelled';

/** PayPal's own state of a payment, shown in `extension` (`?extension=true`). */
export type PaypalPaymentStatus = 'Completed' | 'Pending' | 'Failed' | 'Denied' | 'Refunded' | 'Partially-Refunded';

/** Access tokens live 30 minutes. */
export const PORTONE_TOKEN_TTL_S = 30 * 60;
/** A token asked for again with less than this left is extended... */
export const PORTONE_TOKEN_RENEW_BELOW_S = 60;
/** ...by this much. */
export const PORTONE_TOKEN_EXTEND_S = 5 * 60;
/** Seed 004: PayPal refuses Korean buyer accounts. */
export const PORTONE_KOREAN_BUYER_REASON = '구매자 계정이 한국인 경우 해당 서비스 이용이 불가합니다.';
/** fail_reason of a PayPal payment PortOne reports as failed while PayPal still has it pending. */
export const PORTONE_PENDING_FAIL_REASON = '[PayPal] 결제 승인 대기(Pending) 상태입니다.';

type WebhookFault = Extract<FaultSpec, { type: 'webhook' }>;
type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const bodyOf = (req: FastifyRequest): Obj => (isObj(req.body) ? req.body : {});
const BUYER_OUTCOMES = ['approve', 'cancel', 'fail'] as const;
const STATUSES: readonly string[] = ['ready', 'paid', 'failed', 'cancelled'];
const SORTINGS: readonly string[] = ['-started', 'started', '-paid', 'paid', '-updated', 'updated'];

interface CancelHistory {
  pg_tid: string;
  amountMinor: number;
  cancelled_at: number;
  reason: string | null;
  receipt_url: string;
  cancellation_id: string;
}

interface PendingCancel {
  cancellation_id: string;
  amountMinor: number;
  reason: string | null;
  /** The cancel's `enable_webhook`: its settlement is announced only when it was true. */
  enableWebhook: boolean;
  task?: ScheduledTask;
}

interface PaymentRecord {
  account: string;
  imp_uid: string;
  merchant_uid: string;
  name: string | null;
  currency: string;
  exponent: number;
  amountMinor: number;
  cancelMinor: number;
  status: PortonePaymentStatus;
  channel: 'api' | 'pc';
  pg_id: string;
  pg_tid: string | null;
  buyer: { name: string | null; email: string | null; tel: string | null; addr: string | null; postcode: string | null };
  custom_data: string | null;
  started_at: number;
  paid_at: number;
  failed_at: number;
  cancelled_at: number;
  updated_at: number;
  fail_reason: string | null;
  cancel_reason: string | null;
  cancel_history: CancelHistory[];
  pending_cancels: PendingCancel[];
  customer_uid: string;
  customer_uid_usage: 'issue' | 'payment';
  notice_urls: string[];
  paypal: { status: PaypalPaymentStatus; pendingReason: string | null };
  /** Issuance only: the buyer id and STC the loadUI request carried. */
  issue?: { customer_id: string | null; stc: unknown };
  settleTask?: ScheduledTask;
}

interface CustomerRecord {
  account: string;
  customer_uid: string;
  customer_id: string | null;
  pg_id: string;
  name: string | null;
  email: string | null;
  tel: string | null;
  inserted: number;
  updated: number;
}

/** Dependencies of the PortOne simulator. */
export interface PortoneDeps {
  clock: SandboxClock;
  scheduler: SandboxScheduler;
  webhooks: WebhookDispatcher;
  ledger: Ledger;
  options: ResolvedSandboxOptions;
  work: WorkCounter;
}

/** A look-up's not-found or bad parameter: HTTP 404/400, as the official OpenAPI documents for those GET/DELETE endpoints. */
function refuse(status: number, message: string): PgAnswer {
  return pgError('portone', status, -1, message);
}

/**
 * A business refusal of `again` or `cancel`: HTTP 200, code ≠ 0, `response: null`. The official OpenAPI documents only
 * 200 and 401 for both; the official clients raise their code error only on HTTP 200
 * (iamport/iamport-rest-client-python iamport/client.py `get_response`), and their tests expect `again` with an
 * unknown customer_uid → code -1 (tests/test_pay_again.py) and a cancel of an unknown imp_uid → code 1
 * "취소할 결제건이 존재하지 않습니다." (tests/test_cancel.py). Other refusals take the same code as their call's.
 */
function refuseAgain(message: string): PgAnswer {
  return pgError('portone', 200, -1, message);
}

function refuseCancel(message: string): PgAnswer {
  return pgError('portone', 200, 1, message);
}

function ok(response: unknown): PgAnswer {
  return { status: 200, body: { code: 0, message: null, response } };
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** notice_url may be a string or an array of strings; each must be an absolute http(s) URL. */
function noticeUrls(v: unknown): string[] | undefined {
  if (v === undefined || v === null || v === '') return [];
  const list = Array.isArray(v) ? v : [v];
  for (const u of list) {
    if (typeof u !== 'string') return undefined;
    try {
      const parsed = new URL(u);
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    } catch {
      return undefined;
    }
  }
  return list as string[];
}

/** The default PayPal merchant id (`pg_id`) of an account that did not pick one with `pg: paypal_v2.<id>`. */
function defaultPgId(account: string): string {
  return `SBX${account.toUpperCase().replace(/-/g, '')}`.slice(0, 20);
}

/** In-memory PortOne V1 (PayPal RT, `pg_provider: paypal_v2`) plus the buyer's PayPal RT window. */
export class PortoneSandbox {
  private readonly payments = new Map<string, PaymentRecord>();
  private readonly byMerchantUid = new Map<string, PaymentRecord[]>();
  private readonly customers = new Map<string, CustomerRecord>();
  private readonly tokens = new Map<string, { account: string; expiresAt: number }>();
  private readonly tokenOf = new Map<string, string>();

  constructor(private readonly d: PortoneDeps) {}

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
    this.customers.clear();
    this.tokens.clear();
    this.tokenOf.clear();
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

  /**
   * `Authorization: <token>`, `Bearer <token>` (and `Basic <token>`, as seed 004's example sends it), or the legacy
   * `X-ImpTokenHeader`. Missing, unknown or expired -> HTTP 401 with code -1.
   */
  authenticateToken(req: FastifyRequest): Authentication {
    const raw = req.headers.authorization ?? req.headers['x-imptokenheader'];
    const header = typeof raw === 'string' ? raw.trim() : '';
    const token = header.replace(/^(Bearer|Basic)\s+/i, '');
    const t = token ? this.tokens.get(token) : undefined;
    if (!t || t.expiresAt <= this.nowS()) return { reject: refuse(401, 'Unauthorized') };
    return { account: t.account, credential: token };
  }

  /** The buyer's window is initialised with the user code (`IMP.init`). */
  authenticateUserCode(req: FastifyRequest): Authentication {
    const userCode = bodyOf(req).userCode;
    const account = accountOfPortoneUserCode(userCode);
    if (!account) return { reject: { status: 400, body: { success: false, imp_uid: null, merchant_uid: null, error_msg: 'unknown userCode (IMP.init)' } } };
    return { account, credential: String(userCode) };
  }

  /** `POST /users/getToken`. */
  getToken(ctx: PgContext): PgAnswer {
    const b = bodyOf(ctx.req);
    const account = accountOfPortoneKeyPair(b.imp_key, b.imp_secret);
    if (!account) return refuse(401, 'imp_key, imp_secret 인증에 실패하였습니다.');
    const now = this.nowS();
    const current = this.tokenOf.get(account);
    const existing = current ? this.tokens.get(current) : undefined;
    if (current && existing && existing.expiresAt > now) {
      // Several servers share one token: the same token comes back, stretched when it is about to lapse.
      if (existing.expiresAt - now < PORTONE_TOKEN_RENEW_BELOW_S) existing.expiresAt += PORTONE_TOKEN_EXTEND_S;
      return ok({ access_token: current, now, expired_at: existing.expiresAt });
    }
    if (current) this.tokens.delete(current);
    const token = newOpaqueId('', 20);
    this.tokens.set(token, { account, expiresAt: now + PORTONE_TOKEN_TTL_S });
    this.tokenOf.set(account, token);
    return ok({ access_token: token, now, expired_at: now + PORTONE_TOKEN_TTL_S });
  }

  // ---- lookups ---------------------------------------------------------------------------------------------------

  private attempts(account: string, merchantUid: string): PaymentRecord[] {
    return this.byMerchantUid.get(`${account}\u0000${merchantUid}`) ?? [];
  }

  private addPayment(p: PaymentRecord): void {
    this.payments.set(p.imp_uid, p);
    const key = `${p.account}\u0000${p.merchant_uid}`;
    const list = this.byMerchantUid.get(key);
    if (list) list.push(p);
    else this.byMerchantUid.set(key, [p]);
  }

  private paidAttempt(account: string, merchantUid: string): PaymentRecord | undefined {
    const list = this.attempts(account, merchantUid);
    this.d.work.count(list.length);
    return list.find((p) => p.status === 'paid' || p.status === 'cancelled');
  }

  private activeCustomer(account: string, customerUid: string): CustomerRecord | undefined {
    return this.customers.get(`${account}\u0000${customerUid}`);
  }

  // ---- API -------------------------------------------------------------------------------------------------------

  /** `GET /payments/{imp_uid}` (`include_sandbox`, `extension`). */
  getPayment(ctx: PgContext): PgAnswer {
    const q = ctx.req.query as Obj;
    const p = this.payments.get((ctx.req.params as Obj).imp_uid as string);
    const hidden = this.d.options.requireIncludeSandbox && booleanish(q.include_sandbox) !== true;
    if (!p || p.account !== ctx.account || hidden) return refuse(404, '존재하지 않는 결제정보입니다.');
    return ok(this.render(p, booleanish(q.extension) === true));
  }

  private sorted(list: PaymentRecord[], sorting: string): PaymentRecord[] {
    const field = sorting.replace('-', '') as 'started' | 'paid' | 'updated';
    const key = (p: PaymentRecord) => (field === 'started' ? p.started_at : field === 'paid' ? p.paid_at : p.updated_at);
    const dir = sorting.startsWith('-') ? -1 : 1;
    // Ties (same second) keep creation order, reversed for descending sorts.
    const indexed = list.map((p, i) => [p, i] as const);
    indexed.sort((a, b) => dir * (key(a[0]) - key(b[0]) || a[1] - b[1]));
    return indexed.map(([p]) => p);
  }

  private filtered(ctx: PgContext): PaymentRecord[] | PgAnswer {
    const params = ctx.req.params as Obj;
    const q = ctx.req.query as Obj;
    const status = params.payment_status as string | undefined;
    if (status !== undefined && !STATUSES.includes(status)) return refuse(400, 'payment_status는 ready, paid, failed, cancelled 중 하나여야 합니다.');
    const sorting = (q.sorting as string | undefined) ?? '-started';
    if (!SORTINGS.includes(sorting)) return refuse(400, `sorting은 ${SORTINGS.join(', ')} 중 하나여야 합니다.`);
    const list = this.attempts(ctx.account, params.merchant_uid as string);
    this.d.work.count(list.length);
    return this.sorted(status ? list.filter((p) => p.status === status) : list, sorting);
  }

  /** `GET /payments/find/{merchant_uid}/{payment_status?}`: the first payment per `sorting` (default newest). */
  findPayment(ctx: PgContext): PgAnswer {
    const list = this.filtered(ctx);
    if (!Array.isArray(list)) return list;
    if (list.length === 0) return refuse(404, '존재하지 않는 결제정보입니다.');
    return ok(this.render(list[0], false));
  }

  /** `GET /payments/findAll/{merchant_uid}/{payment_status?}`: every attempt, paged (`page`, `limit` <= 1000). */
  findAllPayments(ctx: PgContext): PgAnswer {
    const list = this.filtered(ctx);
    if (!Array.isArray(list)) return list;
    const q = ctx.req.query as Obj;
    const page = q.page === undefined ? 1 : numberish(q.page);
    const limit = q.limit === undefined ? 20 : numberish(q.limit);
    if (page === undefined || !Number.isInteger(page) || page < 1) return refuse(400, 'page는 1 이상의 정수여야 합니다.');
    if (limit === undefined || !Number.isInteger(limit) || limit < 1 || limit > 1000) return refuse(400, 'limit은 1~1000이어야 합니다.');
    if (list.length === 0) return refuse(404, '유효하지 않은 merchant_uid 입니다.');
    const start = (page - 1) * limit;
    return ok({
      total: list.length,
      previous: page > 1 ? page - 1 : 0,
      next: start + limit < list.length ? page + 1 : 0,
      list: list.slice(start, start + limit).map((p) => this.render(p, false)),
    });
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

    const customerUid = b.customer_uid;
    const merchantUid = b.merchant_uid;
    if (typeof customerUid !== 'string' || customerUid.length === 0 || customerUid.length > 80) {
      return record('refused', refuseAgain('customer_uid는 1~80자의 문자열이어야 합니다.'));
    }
    if (typeof merchantUid !== 'string' || merchantUid.length === 0 || merchantUid.length > 40) {
      return record('refused', refuseAgain('merchant_uid는 1~40자의 문자열이어야 합니다.'));
    }
    const currency = b.currency;
    if (typeof currency !== 'string' || currency === '') return record('refused', refuseAgain('페이팔 결제는 currency가 필수입니다.'));
    if (currency === 'KRW') return record('refused', refuseAgain('페이팔 결제는 KRW 통화를 지원하지 않습니다.'));
    const exponent = PAYPAL_CURRENCY_EXPONENTS[currency];
    if (exponent === undefined) return record('refused', refuseAgain(`페이팔이 지원하지 않는 통화입니다: ${currency}`));
    const amount = numberish(b.amount);
    const amountMinor = amount === undefined ? undefined : toMinor(amount, exponent);
    if (amountMinor === undefined) {
      return record('refused', refuseAgain(`amount는 0보다 큰 ${currency} 금액이어야 합니다 (소수점 ${exponent}자리까지).`));
    }
    if (typeof b.name !== 'string' || b.name === '') return record('refused', refuseAgain('name은 필수입니다.'));
    if (b.bypass !== undefined && b.bypass !== null) {
      // bypass is a JSON *string* (formData string in the OpenAPI; seed 004 JSON.stringify()s it). An object is a
      // client bug the real API would pass on mangled; refusing it makes the bug visible here.
      if (typeof b.bypass !== 'string') return record('refused', refuseAgain('bypass는 JSON 문자열이어야 합니다.'));
      try {
        bypassParsed = JSON.parse(b.bypass);
      } catch {
        return record('refused', refuseAgain('bypass가 올바른 JSON이 아닙니다.'));
      }
      if (!isObj(bypassParsed)) return record('refused', refuseAgain('bypass는 JSON 객체 문자열이어야 합니다.'));
    }
    const urls = noticeUrls(b.notice_url);
    if (!urls) return record('refused', refuseAgain('notice_url은 http(s) URL 또는 그 배열이어야 합니다.'));
    const customer = this.activeCustomer(ctx.account, customerUid);
    // Message: iamport-rest-client-python tests/test_pay_again.py (earlier revisions) and other official clients' tests.
    if (!customer) return record('refused', refuseAgain('등록되지 않은 구매자입니다.'));
    // A paid merchant_uid cannot be paid again; a failed one can (so a pending-as-failed charge retried is charged twice).
    if (this.paidAttempt(ctx.account, merchantUid)) return record('refused', refuseAgain('이미 결제완료된 merchant_uid 입니다.'));

    const p = this.newPayment(ctx.account, merchantUid, {
      name: b.name,
      currency,
      exponent,
      amountMinor,
      channel: 'api',
      pg_id: customer.pg_id,
      customer_uid: customerUid,
      customer_uid_usage: 'payment',
      notice_urls: urls,
      custom_data: typeof b.custom_data === 'string' ? b.custom_data : b.custom_data === undefined || b.custom_data === null ? null : JSON.stringify(b.custom_data),
      buyer: { name: str(b.buyer_name), email: str(b.buyer_email), tel: str(b.buyer_tel), addr: str(b.buyer_addr), postcode: str(b.buyer_postcode) },
    });
    const outcome = this.decide(p, ctx);
    // Not `{ ...answer, webhooks }`: V8 defines a property after a spread slowly, and this runs on every charge.
    return Object.assign(record(outcome.label, ok(this.render(p, false)), p), { webhooks: outcome.webhooks });
  }

  /** Applies decline/pending faults or approves; returns the ledger label and webhooks. */
  private decide(p: PaymentRecord, ctx: PgContext): { label: string; webhooks: WebhookJob[] } {
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
    return { label: 'approved', webhooks: this.notify(p, 'paid') };
  }

  private approve(p: PaymentRecord, nowS: number): void {
    p.status = 'paid';
    p.paid_at = nowS;
    p.failed_at = 0;
    p.fail_reason = null;
    p.updated_at = nowS;
    p.pg_tid = newPaypalTransactionId();
    p.paypal = { status: 'Completed', pendingReason: null };
    if (p.customer_uid_usage === 'issue') this.activateCustomer(p);
  }

  private newPayment(
    account: string,
    merchantUid: string,
    f: Pick<PaymentRecord, 'name' | 'currency' | 'exponent' | 'amountMinor' | 'channel' | 'pg_id' | 'customer_uid' | 'customer_uid_usage' | 'notice_urls' | 'custom_data' | 'buyer'>,
  ): PaymentRecord {
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
    const b = bodyOf(ctx.req);
    const now = this.d.clock.now();
    let target: PaymentRecord | undefined;
    const record = (outcome: string, answer: PgAnswer, extra: Obj = {}): PgAnswer => {
      const env = answer.body as { code: number; message: string | null };
      this.d.ledger.append(now, {
        account: ctx.account,
        operation: 'cancel',
        outcome,
        imp_uid: target?.imp_uid ?? b.imp_uid ?? null,
        merchant_uid: target?.merchant_uid ?? b.merchant_uid ?? null,
        amount: b.amount,
        checksum: b.checksum,
        reason: b.reason,
        enable_webhook: b.enable_webhook,
        currency: target?.currency ?? null,
        code: env.code,
        message: env.message,
        ...extra,
      });
      return answer;
    };
    const impUid = str(b.imp_uid);
    const merchantUid = str(b.merchant_uid);
    if (!impUid && !merchantUid) return record('refused', refuseCancel('imp_uid 또는 merchant_uid 중 하나는 필수입니다.'));
    if (impUid) {
      const p = this.payments.get(impUid);
      target = p && p.account === ctx.account ? p : undefined;
    } else {
      const list = this.attempts(ctx.account, merchantUid!);
      this.d.work.count(list.length);
      target = this.paidAttempt(ctx.account, merchantUid!) ?? list[list.length - 1];
    }
    const p = target;
    if (!p) return record('refused', refuseCancel('취소할 결제건이 존재하지 않습니다.'));
    const amount = b.amount === undefined || b.amount === null ? 0 : numberish(b.amount);
    const requested = amount === undefined ? undefined : amount === 0 ? 0 : toMinor(amount, p.exponent);
    if (requested === undefined) return record('refused', refuseCancel(`amount는 0 이상의 ${p.currency} 금액이어야 합니다.`));
    const checksum = b.checksum === undefined || b.checksum === null ? undefined : numberish(b.checksum);
    if (b.checksum !== undefined && b.checksum !== null && checksum === undefined) return record('refused', refuseCancel('checksum은 숫자여야 합니다.'));
    const reason = str(b.reason);
    const enableWebhook = booleanish(b.enable_webhook) === true;
    if (p.status === 'cancelled') return record('refused', refuseCancel('이미 전액취소된 주문입니다.'));
    if (p.status !== 'paid') return record('refused', refuseCancel('결제완료 상태가 아니어서 취소할 수 없습니다.'));
    // checksum is the refundable balance PortOne has on record; cancels still waiting for approval are not in it.
    const balance = p.amountMinor - p.cancelMinor;
    if (checksum !== undefined && toMinor(checksum, p.exponent, true) !== balance) {
      return record('refused', refuseCancel(`checksum이 취소 가능 잔액(${toMajor(balance, p.exponent)})과 일치하지 않습니다.`));
    }
    const pendingSum = p.pending_cancels.reduce((s, c) => s + c.amountMinor, 0);
    const available = balance - pendingSum;
    const minor = requested === 0 ? available : requested;
    if (minor <= 0 || minor > available) {
      return record('refused', refuseCancel(`취소 가능 금액(${toMajor(available, p.exponent)})을 초과하였습니다.`));
    }
    const cancellationId = newOpaqueId('cncl_', 10);
    const pending = ctx.faults.pending;
    if (pending) {
      const pc: PendingCancel = { cancellation_id: cancellationId, amountMinor: minor, reason, enableWebhook };
      p.pending_cancels.push(pc);
      if (pending.settleAfterMs !== undefined) {
        const to = (pending.settleTo ?? 'done') as 'done' | 'rejected';
        const fault = ctx.faults.webhook?.mode === 'early' ? undefined : ctx.faults.webhook;
        pc.task = this.d.scheduler.after(pending.settleAfterMs, () => void this.d.webhooks.dispatch(this.settleCancel(p, pc, to), fault));
      }
      // Answered like a success, but status and cancel_history do not show it yet (seed 004: that is how pending looks).
      return record('pending', ok(this.render(p, false)), { cancellation_id: cancellationId, cancel_amount: toMajor(minor, p.exponent) });
    }
    this.applyCancel(p, minor, reason, cancellationId);
    const answer = record('done', ok(this.render(p, false)), { cancellation_id: cancellationId, cancel_amount: toMajor(minor, p.exponent) });
    // An API cancel sends no webhook unless enable_webhook is true (official OpenAPI, see settleCancel).
    return { ...answer, webhooks: enableWebhook ? this.notify(p, p.status, cancellationId) : [] };
  }

  private applyCancel(p: PaymentRecord, minor: number, reason: string | null, cancellationId: string): void {
    const nowS = this.nowS();
    p.cancelMinor += minor;
    p.cancel_history.push({
      pg_tid: newPaypalTransactionId(),
      amountMinor: minor,
      cancelled_at: nowS,
      reason,
      receipt_url: `https://sandbox.invalid/portone/receipt/${p.imp_uid}/${cancellationId}`,
      cancellation_id: cancellationId,
    });
    p.cancel_reason = reason;
    p.updated_at = nowS;
    if (p.cancelMinor === p.amountMinor) {
      p.status = 'cancelled';
      p.cancelled_at = nowS;
      p.paypal = { status: 'Refunded', pendingReason: null };
    } else {
      p.paypal = { status: 'Partially-Refunded', pendingReason: null };
    }
  }

  /**
   * Finishes a pending cancel. Seed 004: a webhook announces the final result; but an API cancel is followed by a
   * webhook only with `enable_webhook: true` (official OpenAPI, `POST /payments/cancel` `enable_webhook`: default false,
   * "본 API를 통한 취소는 기본적으로 고객사로 웹훅을 전송하지 않습니다"), so
   * without it the merchant learns the result only by looking the payment up.
   */
  private settleCancel(p: PaymentRecord, pc: PendingCancel, to: 'done' | 'rejected'): WebhookJob[] {
    const i = p.pending_cancels.indexOf(pc);
    if (i < 0) return [];
    p.pending_cancels.splice(i, 1);
    pc.task?.cancel();
    if (to === 'done') this.applyCancel(p, pc.amountMinor, pc.reason, pc.cancellation_id);
    this.d.ledger.append(this.d.clock.now(), {
      account: p.account,
      operation: 'cancelSettlement',
      outcome: to,
      imp_uid: p.imp_uid,
      merchant_uid: p.merchant_uid,
      cancellation_id: pc.cancellation_id,
      amount: toMajor(pc.amountMinor, p.exponent),
      currency: p.currency,
      status: p.status,
    });
    return pc.enableWebhook ? this.notify(p, p.status, pc.cancellation_id) : [];
  }

  /** `GET /subscribe/customers/{customer_uid}`. */
  getCustomer(ctx: PgContext): PgAnswer {
    const c = this.activeCustomer(ctx.account, (ctx.req.params as Obj).customer_uid as string);
    if (!c) return refuse(404, '등록되지 않은 구매자입니다.');
    return ok(this.renderCustomer(c));
  }

  /** `DELETE /subscribe/customers/{customer_uid}`: the key can no longer be charged. */
  deleteCustomer(ctx: PgContext): PgAnswer {
    const customerUid = (ctx.req.params as Obj).customer_uid as string;
    const c = this.activeCustomer(ctx.account, customerUid);
    const now = this.d.clock.now();
    if (!c) {
      this.d.ledger.append(now, { account: ctx.account, operation: 'deleteCustomer', outcome: 'refused', customer_uid: customerUid, code: -1 });
      return refuse(404, '등록되지 않은 구매자입니다.');
    }
    this.customers.delete(`${ctx.account}\u0000${customerUid}`);
    const reason = (ctx.req.query as Obj).reason;
    this.d.ledger.append(now, { account: ctx.account, operation: 'deleteCustomer', outcome: 'deleted', customer_uid: customerUid, reason: reason ?? null, code: 0 });
    return ok(this.renderCustomer(c));
  }

  // ---- buyer -----------------------------------------------------------------------------------------------------

  /**
   * What `IMP.loadUI('paypal-rt', request, callback)` and the buyer's PayPal window do: the issuance payment
   * (customer_uid_usage `issue`) is created, and the answer is what the callback receives.
   */
  buyerBillingKey(ctx: PgContext): PgAnswer {
    const b = bodyOf(ctx.req);
    const r = b.request;
    const buyer = b.buyer;
    const bad = (message: string): PgAnswer => ({
      status: 400,
      body: { success: false, imp_uid: null, merchant_uid: isObj(r) ? (r.merchant_uid ?? null) : null, error_msg: message },
    });
    if (!isObj(r)) return bad('request must be an object');
    if (!isObj(buyer)) return bad('buyer must be an object { email, country, outcome? }');
    const outcome = buyer.outcome ?? 'approve';
    if (typeof outcome !== 'string' || !(BUYER_OUTCOMES as readonly string[]).includes(outcome)) {
      return bad(`buyer.outcome must be one of ${BUYER_OUTCOMES.join(', ')}`);
    }
    if (typeof buyer.country !== 'string' || !/^[A-Z]{2}$/.test(buyer.country)) return bad('buyer.country must be an ISO 3166-1 alpha-2 code');
    if (buyer.email !== undefined && typeof buyer.email !== 'string') return bad('buyer.email must be a string');
    const pg = r.pg;
    if (typeof pg !== 'string' || !/^paypal_v2(\.[A-Za-z0-9_-]{1,40})?$/.test(pg)) return bad('pg must be paypal_v2 or paypal_v2.<PayPal account id>');
    if (r.pay_method !== 'paypal') return bad('pay_method must be paypal');
    const merchantUid = r.merchant_uid;
    if (typeof merchantUid !== 'string' || merchantUid.length === 0 || merchantUid.length > 40) return bad('merchant_uid is required (at most 40 characters)');
    const customerUid = r.customer_uid;
    if (typeof customerUid !== 'string' || customerUid.length === 0 || customerUid.length > 80) return bad('customer_uid is required (at most 80 characters)');
    if (r.customer_id !== undefined && typeof r.customer_id !== 'string') return bad('customer_id must be a string');
    if (r.name !== undefined && typeof r.name !== 'string') return bad('name must be a string');
    const urls = noticeUrls(r.notice_url);
    if (!urls) return bad('notice_url must be an http(s) URL or an array of them');
    if (r.custom_data !== undefined && r.custom_data !== null && typeof r.custom_data !== 'object' && typeof r.custom_data !== 'string') {
      return bad('custom_data must be an object');
    }
    const bypass = r.bypass;
    if (bypass !== undefined) {
      const data = isObj(bypass) && isObj(bypass.paypal_v2) ? bypass.paypal_v2.additional_data : undefined;
      const valid = Array.isArray(data) && data.every((e) => isObj(e) && typeof e.key === 'string' && typeof e.value === 'string');
      if (!valid) return bad('bypass.paypal_v2.additional_data must be an array of { key, value } strings');
    }
    if (this.paidAttempt(ctx.account, merchantUid)) {
      return { status: 200, body: { success: false, imp_uid: null, merchant_uid: merchantUid, error_msg: '이미 결제완료된 merchant_uid 입니다.' } };
    }

    const now = this.d.clock.now();
    const p = this.newPayment(ctx.account, merchantUid, {
      name: str(r.name),
      // amount and currency of a loadUI request are ignored: issuing a key charges nothing.
      currency: 'USD',
      exponent: 2,
      amountMinor: 0,
      channel: 'pc',
      pg_id: pg.includes('.') ? pg.slice(pg.indexOf('.') + 1) : defaultPgId(ctx.account),
      customer_uid: customerUid,
      customer_uid_usage: 'issue',
      notice_urls: urls,
      custom_data: r.custom_data === undefined || r.custom_data === null ? null : typeof r.custom_data === 'string' ? r.custom_data : JSON.stringify(r.custom_data),
      buyer: { name: str(r.buyer_name), email: str(buyer.email) ?? str(r.buyer_email), tel: str(r.buyer_tel), addr: null, postcode: null },
    });
    p.issue = { customer_id: str(r.customer_id), stc: bypass ?? null };
    const nowS = this.nowS();
    const fail = (reason: string, label: string): PgAnswer => {
      p.status = 'failed';
      p.failed_at = nowS;
      p.fail_reason = reason;
      p.paypal = { status: 'Failed', pendingReason: null };
      this.issueLedger(now, p, label);
      return { status: 200, body: { success: false, imp_uid: p.imp_uid, merchant_uid: p.merchant_uid, error_msg: reason } };
    };
    if (buyer.country === 'KR') return fail(PORTONE_KOREAN_BUYER_REASON, 'failed');
    // Closing the window: no billing key. Reported as a failed issuance with the buyer's cancellation as the reason.
    if (outcome === 'cancel') return fail('[PayPal] 사용자가 결제를 취소하였습니다.', 'canceled');
    if (outcome === 'fail') return fail('[PayPal] 빌링키 발급에 실패하였습니다.', 'failed');
    const decided = this.decide(p, ctx);
    this.issueLedger(now, p, decided.label);
    const body =
      p.status === 'paid'
        ? { success: true, imp_uid: p.imp_uid, merchant_uid: p.merchant_uid }
        : { success: false, imp_uid: p.imp_uid, merchant_uid: p.merchant_uid, error_msg: p.fail_reason };
    return { status: 200, body, webhooks: decided.webhooks };
  }

  private issueLedger(now: number, p: PaymentRecord, outcome: string): void {
    const details = p.issue;
    this.d.ledger.append(now, {
      account: p.account,
      operation: 'issueBillingKey',
      outcome,
      merchant_uid: p.merchant_uid,
      customer_uid: p.customer_uid,
      customer_id: details?.customer_id ?? null,
      bypass: details?.stc ?? null,
      imp_uid: p.imp_uid,
      status: p.status,
      fail_reason: p.fail_reason,
    });
  }

  private activateCustomer(p: PaymentRecord): void {
    const key = `${p.account}\u0000${p.customer_uid}`;
    const nowS = this.nowS();
    const existing = this.customers.get(key);
    this.customers.set(key, {
      account: p.account,
      customer_uid: p.customer_uid,
      customer_id: p.issue?.customer_id ?? null,
      pg_id: p.pg_id,
      name: p.buyer.name,
      email: p.buyer.email,
      tel: p.buyer.tel,
      inserted: existing?.inserted ?? nowS,
      updated: nowS,
    });
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
        return { status: 400, body: { error: 'INVALID', message: 'webhook must be { mode: duplicate|early|drop, count? }' } };
      }
      fault = { type: 'webhook', mode: w.mode, count: typeof w.count === 'number' ? w.count : undefined };
    }
    let jobs: WebhookJob[];
    if (body.cancel !== undefined) {
      if (body.cancel !== 'done' && body.cancel !== 'rejected') return { status: 400, body: { error: 'INVALID', message: 'cancel must be done or rejected' } };
      const open = p.pending_cancels.filter((c) => body.cancellation_id === undefined || c.cancellation_id === body.cancellation_id);
      if (open.length === 0) return { status: 409, body: { error: 'NOT_PENDING', message: 'no pending cancel' } };
      jobs = open.flatMap((c) => this.settleCancel(p, c, body.cancel as 'done' | 'rejected'));
    } else {
      if (body.status !== 'paid' && body.status !== 'failed') return { status: 400, body: { error: 'INVALID', message: 'status must be paid or failed' } };
      if (p.paypal.status !== 'Pending' || p.status !== 'failed') {
        return { status: 409, body: { error: 'NOT_PENDING', message: `payment is ${p.status} (PayPal ${p.paypal.status})` } };
      }
      jobs = this.settlePending(p, body.status);
    }
    const response = this.render(p, true);
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
    return to === 'paid' ? this.notify(p, 'paid') : [];
  }

  // ---- rendering -------------------------------------------------------------------------------------------------

  private notify(p: PaymentRecord, status: string, cancellationId?: string): WebhookJob[] {
    const body: Obj = { imp_uid: p.imp_uid, merchant_uid: p.merchant_uid, status };
    if (cancellationId) body.cancellation_id = cancellationId;
    return p.notice_urls.map((url) => ({
      gateway: 'portone' as const,
      account: p.account,
      url,
      event: status,
      body,
      format: this.d.options.portoneWebhookFormat,
      retryDelaysMs: this.d.options.portoneWebhookRetryDelaysMs,
    }));
  }

  /**
   * PaymentAnnotation (every field of the OpenAPI definition this flow has a value for); strings within its
   * maxLengths (checked by sandbox.portone.openapi.spec.ts against the official OpenAPI).
   */
  render(p: PaymentRecord, extension: boolean): Obj {
    const out: Obj = {
      imp_uid: p.imp_uid,
      merchant_uid: p.merchant_uid,
      pay_method: 'paypal',
      channel: p.channel,
      pg_provider: 'paypal_v2',
      emb_pg_provider: null,
      pg_tid: p.pg_tid,
      pg_id: p.pg_id,
      escrow: false,
      apply_num: null,
      bank_code: null,
      bank_name: null,
      card_code: null,
      card_name: null,
      card_issuer_code: null,
      card_issuer_name: null,
      card_publisher_code: null,
      card_publisher_name: null,
      card_quota: 0,
      card_number: null,
      card_type: null,
      vbank_code: null,
      vbank_name: null,
      vbank_num: null,
      vbank_holder: null,
      vbank_date: 0,
      vbank_issued_at: 0,
      name: clip(p.name, PORTONE_MAX_LENGTH.name),
      amount: toMajor(p.amountMinor, p.exponent),
      cancel_amount: toMajor(p.cancelMinor, p.exponent),
      currency: p.currency,
      buyer_name: clip(p.buyer.name, PORTONE_MAX_LENGTH.buyer_name),
      buyer_email: clip(p.buyer.email, PORTONE_MAX_LENGTH.buyer_email),
      buyer_tel: clip(p.buyer.tel, PORTONE_MAX_LENGTH.buyer_tel),
      buyer_addr: clip(p.buyer.addr, PORTONE_MAX_LENGTH.buyer_addr),
      buyer_postcode: clip(p.buyer.postcode, PORTONE_MAX_LENGTH.buyer_postcode),
      custom_data: p.custom_data,
      user_agent: p.channel === 'api' ? 'sorry_not_supported_anymore' : null,
      status: p.status,
      started_at: p.started_at,
      paid_at: p.paid_at,
      failed_at: p.failed_at,
      cancelled_at: p.cancelled_at,
      fail_reason: p.fail_reason,
      cancel_reason: p.cancel_reason,
      receipt_url: p.pg_tid ? `https://sandbox.invalid/portone/receipt/${p.imp_uid}` : null,
      cancel_history: p.cancel_history.map((c) => ({
        pg_tid: c.pg_tid,
        amount: toMajor(c.amountMinor, p.exponent),
        cancelled_at: c.cancelled_at,
        reason: c.reason,
        receipt_url: c.receipt_url,
        cancellation_id: c.cancellation_id,
      })),
      cancel_receipt_urls: p.cancel_history.map((c) => c.receipt_url),
      cash_receipt_issued: false,
      customer_uid: p.customer_uid,
      customer_uid_usage: p.customer_uid_usage,
      promotion: null,
      sandbox: true,
    };
    if (extension) {
      out.extension = { PaymentStatus: p.paypal.status, PendingReason: p.paypal.pendingReason ?? 'none' };
    }
    return out;
  }

  private renderCustomer(c: CustomerRecord): Obj {
    // PayPal does not tell PortOne the funding source: every card field is null (x-portone-per-pg paypal_v2).
    return {
      customer_uid: c.customer_uid,
      pg_provider: 'paypal_v2',
      pg_id: c.pg_id,
      sandbox: true,
      customer_id: c.customer_id,
      card_name: null,
      card_code: null,
      card_issuer_code: null,
      card_issuer_name: null,
      card_publisher_code: null,
      card_publisher_name: null,
      card_number: null,
      card_type: null,
      customer_name: clip(c.name, PORTONE_MAX_LENGTH.customer_name),
      customer_tel: clip(c.tel, PORTONE_MAX_LENGTH.customer_tel),
      customer_email: clip(c.email, PORTONE_MAX_LENGTH.customer_email),
      customer_addr: null,
      customer_postcode: null,
      inserted: c.inserted,
      updated: c.updated,
    };
  }
}
