import { randomBytes } from 'node:crypto';

/**
 * State and rules of the toss-billing sandbox (the test double this gateway brings). Every behaviour names its
 * source (full references in README.md): OAS = community OpenAPI `toss-core-2022-11-16`; SDK = the official SDK
 * typings `@tosspayments/tosspayments-sdk` (BaseBillingAuthRequest); ERR = Toss's error-code page; IDEM = Toss's
 * idempotency guide; AUTH = Toss's API authentication guide (Basic base64(secretKey + ':')).
 */

/** A fault the next matching request meets (same vocabulary as the REST contract's sandbox faults). */
export type TossBillingFault =
  | { readonly type: 'latency'; readonly ms: number }
  | { readonly type: 'http_error'; readonly status: number; readonly code?: string; readonly message?: string }
  | { readonly type: 'timeout_after_commit' }
  | { readonly type: 'reset_before' }
  | { readonly type: 'decline'; readonly code: string; readonly message?: string }
  | { readonly type: 'pending' };

export const TOSS_BILLING_OPERATIONS = [
  'issueBillingKey',
  'chargeBillingKey',
  'getPayment',
  'getPaymentByOrderId',
  'cancel',
  'buyerBillingAuth',
] as const;
export type TossBillingOperation = (typeof TOSS_BILLING_OPERATIONS)[number];

interface ArmedFault {
  readonly id: string;
  readonly operation: TossBillingOperation;
  readonly match: Readonly<Record<string, unknown>>;
  readonly fault: TossBillingFault;
  remaining: number;
}

export interface LedgerEntry {
  readonly seq: number;
  readonly operation: string;
  readonly outcome: string;
  readonly account: string;
  readonly at: string;
  readonly [field: string]: unknown;
}

export interface SandboxPayment {
  mId: string;
  version: string;
  paymentKey: string;
  type: 'BILLING';
  orderId: string;
  orderName: string;
  currency: 'KRW';
  method: '카드';
  totalAmount: number;
  balanceAmount: number;
  status: string;
  requestedAt: string;
  approvedAt: string;
  lastTransactionKey: string;
  isPartialCancelable: boolean;
  cancels:
    | {
        cancelAmount: number;
        cancelReason: string;
        canceledAt: string | null;
        transactionKey: string;
        cancelStatus: string;
      }[]
    | null;
  card: {
    issuerCode: string;
    acquirerCode: string;
    number: string;
    cardType: string;
    ownerType: string;
    amount: number;
  };
  failure: null;
}

/** Toss's error objects as this sandbox answers them (status and message per ERR). */
export const TOSS_BILLING_SANDBOX_ERRORS: Readonly<Record<string, { status: number; message: string }>> = Object.freeze(
  {
    UNAUTHORIZED_KEY: { status: 401, message: '인증되지 않은 시크릿 키 혹은 클라이언트 키 입니다.' },
    INVALID_REQUEST: { status: 400, message: '잘못된 요청입니다.' },
    BELOW_MINIMUM_AMOUNT: {
      status: 400,
      message: '신용카드는 결제금액이 100원 이상, 계좌는 200원이상부터 결제가 가능합니다.',
    },
    DUPLICATED_ORDER_ID: {
      status: 400,
      message: '이미 승인 및 취소가 진행된 중복된 주문번호 입니다. 다른 주문번호로 진행해주세요.',
    },
    ALREADY_CANCELED_PAYMENT: { status: 400, message: '이미 취소된 결제 입니다.' },
    NOT_CANCELABLE_AMOUNT: { status: 403, message: '취소 할 수 없는 금액 입니다.' },
    NOT_FOUND_PAYMENT: { status: 404, message: '존재하지 않는 결제 정보 입니다.' },
    REJECT_CARD_COMPANY: { status: 403, message: '결제 승인이 거절되었습니다.' },
    INVALID_CARD_EXPIRATION: { status: 400, message: '카드 정보를 다시 확인해주세요. (유효기간)' },
    INVALID_STOPPED_CARD: { status: 400, message: '정지된 카드 입니다.' },
    FAILED_INTERNAL_SYSTEM_PROCESSING: {
      status: 500,
      message: '내부 시스템 처리 작업이 실패했습니다. 잠시 후 다시 시도해주세요.',
    },
  },
);

export interface Answer {
  readonly status: number;
  readonly body: unknown;
}

export function tossError(code: string, message?: string, status?: number): Answer {
  const known = TOSS_BILLING_SANDBOX_ERRORS[code];
  return {
    status: status ?? known?.status ?? 400,
    body: { code, message: message ?? known?.message ?? '요청을 처리하지 못했습니다.' },
  };
}

// OAS: customerKey 2-300 of [A-Za-z0-9-_=.,@]; orderId 6-64 of [A-Za-z0-9-_.]; orderName ≤ 100; amount integer ≥ 1.
export const CUSTOMER_KEY = /^[A-Za-z0-9\-_=.,@]{2,300}$/;
export const ORDER_ID = /^[A-Za-z0-9\-_.]{6,64}$/;

const token = (prefix: string, bytes: number) =>
  `${prefix}${randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x')}`;

/** Everything one mounted sandbox knows; per account (the merchant the keys belong to). */
export class TossBillingSandboxState {
  private readonly authKeys = new Map<string, { account: string; customerKey: string; used: boolean }>();
  private readonly billings = new Map<string, { account: string; customerKey: string }>();
  private readonly payments = new Map<string, SandboxPayment & { account: string }>();
  private readonly orders = new Map<string, string>();
  private readonly idempotent = new Map<string, { fingerprint: string; answer: Answer }>();
  private readonly faults: ArmedFault[] = [];
  private readonly entries: LedgerEntry[] = [];
  private seq = 0;
  private faultSeq = 0;
  private offsetMs = 0;

  constructor(private readonly now: () => number = Date.now) {}

  private iso(): string {
    // Toss reports times in KST with an offset (OAS examples: 2022-01-01T00:00:00+09:00).
    const d = new Date(this.now() + this.offsetMs + 9 * 3_600_000);
    return `${d.toISOString().slice(0, 19)}+09:00`;
  }

  advanceClock(ms: number): void {
    this.offsetMs += ms;
  }

  // ---- faults ------------------------------------------------------------------------------------------------
  armFault(
    operation: TossBillingOperation,
    fault: TossBillingFault,
    match: Record<string, unknown> = {},
    times = 1,
  ): string {
    const id = `flt_${++this.faultSeq}`;
    this.faults.push({ id, operation, match, fault, remaining: Math.max(1, Math.floor(times)) });
    return id;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  listFaults(): readonly ArmedFault[] {
    return this.faults;
  }

  /** The first armed fault for `operation` whose `match` fields all equal the request's; consumed once taken. */
  takeFault(operation: TossBillingOperation, fields: Readonly<Record<string, unknown>>): TossBillingFault | undefined {
    const i = this.faults.findIndex(
      (f) => f.operation === operation && Object.entries(f.match).every(([k, v]) => fields[k] === v),
    );
    if (i < 0) return undefined;
    const f = this.faults[i];
    if (--f.remaining <= 0) this.faults.splice(i, 1);
    return f.fault;
  }

  // ---- ledger ------------------------------------------------------------------------------------------------
  record(operation: string, outcome: string, account: string, fields: Record<string, unknown>): void {
    this.entries.push({ ...fields, seq: ++this.seq, operation, outcome, account, at: this.iso() });
  }

  ledger(q: { orderId?: string; account?: string; after?: number; limit?: number }): {
    data: LedgerEntry[];
    next: number | null;
  } {
    const limit = Math.min(Math.max(q.limit ?? 100, 1), 1000);
    const hits = this.entries.filter(
      (e) =>
        e.seq > (q.after ?? 0) &&
        (q.account === undefined || e.account === q.account) &&
        (q.orderId === undefined || e.orderId === q.orderId),
    );
    const data = hits.slice(0, limit);
    return { data, next: hits.length > limit ? data[data.length - 1].seq : null };
  }

  // ---- idempotency (IDEM: the same Idempotency-Key answers the first response again) ------------------------
  replay(account: string, route: string, key: string | undefined): Answer | undefined {
    return key === undefined ? undefined : this.idempotent.get(`${account}\u0000${route}\u0000${key}`)?.answer;
  }

  remember(account: string, route: string, key: string | undefined, answer: Answer): Answer {
    // Only answers where Toss did something are kept: a refused request may be sent again under the same key.
    if (key !== undefined && answer.status < 500)
      this.idempotent.set(`${account}\u0000${route}\u0000${key}`, { fingerprint: route, answer });
    return answer;
  }

  // ---- buyer window (SDK: success → successUrl?customerKey&authKey, fail → failUrl?code&message) -------------
  mintAuthKey(account: string, customerKey: string): string {
    const authKey = token('bln_', 18);
    this.authKeys.set(authKey, { account, customerKey, used: false });
    return authKey;
  }

  // ---- API operations ----------------------------------------------------------------------------------------
  /** POST /v1/billing/authorizations/issue. OAS: authKey is a one-time key; customerKey must be the one it was made for. */
  issue(account: string, body: Record<string, unknown>): Answer {
    const { authKey, customerKey } = body;
    if (typeof authKey !== 'string' || typeof customerKey !== 'string' || !CUSTOMER_KEY.test(customerKey))
      return tossError('INVALID_REQUEST');
    const auth = this.authKeys.get(authKey);
    if (!auth || auth.account !== account || auth.customerKey !== customerKey || auth.used) {
      this.record('issueBillingKey', 'refused', account, { customerKey });
      return tossError('INVALID_REQUEST', '유효하지 않은 authKey 입니다.');
    }
    auth.used = true;
    // OAS Billing.billingKey: maxLength 20.
    const billingKey = token('', 15).slice(0, 20);
    this.billings.set(billingKey, { account, customerKey });
    this.record('issueBillingKey', 'issued', account, { customerKey, billingKey });
    return {
      status: 200,
      body: {
        mId: `tbill_${account}`.slice(0, 14),
        customerKey,
        authenticatedAt: this.iso(),
        method: '카드',
        billingKey,
        card: { issuerCode: '61', acquirerCode: '31', number: '43301234****123*', cardType: '신용', ownerType: '개인' },
      },
    };
  }

  /** POST /v1/billing/{billingKey}: OAS confirmBillingPayment (required amount, customerKey, orderId, orderName). */
  charge(
    account: string,
    billingKey: string,
    body: Record<string, unknown>,
    decline?: { code: string; message?: string },
  ): Answer {
    const { customerKey, amount, orderId, orderName } = body;
    const fields = {
      billingKey,
      customerKey,
      amount,
      orderId,
      orderName,
      customerEmail: body.customerEmail,
      customerName: body.customerName,
      currency: 'KRW',
    };
    if (
      typeof customerKey !== 'string' ||
      !CUSTOMER_KEY.test(customerKey) ||
      typeof orderId !== 'string' ||
      !ORDER_ID.test(orderId) ||
      typeof orderName !== 'string' ||
      orderName.length === 0 ||
      [...orderName].length > 100 ||
      !Number.isSafeInteger(amount) ||
      (amount as number) < 1
    ) {
      this.record('chargeBillingKey', 'refused', account, fields);
      return tossError('INVALID_REQUEST');
    }
    const billing = this.billings.get(billingKey);
    if (!billing || billing.account !== account || billing.customerKey !== customerKey) {
      this.record('chargeBillingKey', 'refused', account, fields);
      return tossError('INVALID_REQUEST', '유효하지 않은 빌링키 혹은 고객키 입니다.');
    }
    // ERR: card payments start at 100 won.
    if ((amount as number) < 100) {
      this.record('chargeBillingKey', 'refused', account, fields);
      return tossError('BELOW_MINIMUM_AMOUNT');
    }
    // ERR: DUPLICATED_ORDER_ID for an orderId already approved or cancelled.
    if (this.orders.has(`${account}\u0000${orderId}`)) {
      this.record('chargeBillingKey', 'duplicate', account, fields);
      return tossError('DUPLICATED_ORDER_ID');
    }
    if (decline) {
      this.record('chargeBillingKey', 'declined', account, { ...fields, code: decline.code });
      return tossError(decline.code, decline.message, TOSS_BILLING_SANDBOX_ERRORS[decline.code]?.status ?? 403);
    }
    const now = this.iso();
    const payment: SandboxPayment & { account: string } = {
      account,
      mId: `tbill_${account}`.slice(0, 14),
      version: '2022-11-16',
      paymentKey: token('tbpay_', 24),
      type: 'BILLING',
      orderId,
      orderName,
      currency: 'KRW',
      method: '카드',
      totalAmount: amount as number,
      balanceAmount: amount as number,
      status: 'DONE',
      requestedAt: now,
      approvedAt: now,
      lastTransactionKey: token('txn_', 12),
      isPartialCancelable: true,
      cancels: null,
      card: {
        issuerCode: '61',
        acquirerCode: '31',
        number: '43301234****123*',
        cardType: '신용',
        ownerType: '개인',
        amount: amount as number,
      },
      failure: null,
    };
    this.payments.set(payment.paymentKey, payment);
    this.orders.set(`${account}\u0000${orderId}`, payment.paymentKey);
    this.record('chargeBillingKey', 'approved', account, { ...fields, paymentKey: payment.paymentKey });
    return { status: 200, body: view(payment) };
  }

  getPayment(account: string, paymentKey: string): Answer {
    const p = this.payments.get(paymentKey);
    return p && p.account === account ? { status: 200, body: view(p) } : tossError('NOT_FOUND_PAYMENT');
  }

  getByOrderId(account: string, orderId: string): Answer {
    const key = this.orders.get(`${account}\u0000${orderId}`);
    return key ? this.getPayment(account, key) : tossError('NOT_FOUND_PAYMENT');
  }

  /**
   * POST /v1/payments/{paymentKey}/cancel: no cancelAmount = the whole balance (OAS cancel body); card cancels are
   * immediate (DONE). `pending` (a fault only) holds the cancel IN_PROGRESS, a documented `cancelStatus` of the
   * Payment object's `cancels[]`, so the core's handling of an unfinished cancel can be exercised.
   */
  cancel(account: string, paymentKey: string, body: Record<string, unknown>, pending: boolean): Answer {
    const p = this.payments.get(paymentKey);
    const fields = {
      paymentKey,
      orderId: p?.orderId,
      cancelAmount: body.cancelAmount,
      cancelReason: body.cancelReason,
    };
    if (!p || p.account !== account) return tossError('NOT_FOUND_PAYMENT');
    if (typeof body.cancelReason !== 'string' || body.cancelReason.trim() === '' || [...body.cancelReason].length > 200)
      return tossError('INVALID_REQUEST');
    if (p.status === 'CANCELED') {
      this.record('cancel', 'refused', account, fields);
      return tossError('ALREADY_CANCELED_PAYMENT');
    }
    const inFlight = (p.cancels ?? [])
      .filter((c) => c.cancelStatus === 'IN_PROGRESS')
      .reduce((s, c) => s + c.cancelAmount, 0);
    const available = p.balanceAmount - inFlight;
    const amount = body.cancelAmount === undefined ? available : body.cancelAmount;
    if (!Number.isSafeInteger(amount) || (amount as number) < 1 || (amount as number) > available) {
      this.record('cancel', 'refused', account, fields);
      return tossError('NOT_CANCELABLE_AMOUNT');
    }
    // ERR: ALREADY_CANCELED_PAYMENT (400) for a cancelled payment (checked above), NOT_CANCELABLE_AMOUNT (403) past the balance.
    const cancel = {
      cancelAmount: amount as number,
      cancelReason: body.cancelReason,
      canceledAt: pending ? null : this.iso(),
      transactionKey: token('txc_', 12),
      cancelStatus: pending ? 'IN_PROGRESS' : 'DONE',
    };
    p.cancels = [...(p.cancels ?? []), cancel];
    p.lastTransactionKey = cancel.transactionKey;
    if (!pending) this.applyCancel(p, cancel.cancelAmount);
    this.record('cancel', pending ? 'pending' : 'canceled', account, { ...fields, cancelAmount: amount });
    return { status: 200, body: view(p) };
  }

  /** Finishes IN_PROGRESS cancels (`done` or `rejected` → ABORTED). False when there were none. */
  settleCancels(paymentKey: string, to: 'done' | 'rejected'): boolean {
    const p = this.payments.get(paymentKey);
    const open = (p?.cancels ?? []).filter((c) => c.cancelStatus === 'IN_PROGRESS');
    if (!p || open.length === 0) return false;
    for (const c of open) {
      c.cancelStatus = to === 'done' ? 'DONE' : 'ABORTED';
      c.canceledAt = this.iso();
      if (to === 'done') this.applyCancel(p, c.cancelAmount);
      this.record('cancel', to === 'done' ? 'canceled' : 'aborted', p.account, {
        paymentKey,
        orderId: p.orderId,
        cancelAmount: c.cancelAmount,
      });
    }
    return true;
  }

  private applyCancel(p: SandboxPayment, amount: number): void {
    p.balanceAmount -= amount;
    p.status = p.balanceAmount === 0 ? 'CANCELED' : 'PARTIAL_CANCELED';
  }
}

function view(p: SandboxPayment & { account: string }): SandboxPayment {
  const { account: _account, ...rest } = p;
  return JSON.parse(JSON.stringify(rest)) as SandboxPayment;
}
