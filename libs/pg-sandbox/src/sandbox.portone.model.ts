import type { ScheduledTask, SandboxClock, SandboxScheduler } from './sandbox.clock';
import type { FaultSpec } from './sandbox.faults';
import { pgError, type PgAnswer, type PgContext } from './sandbox.http';
import type { Ledger } from './sandbox.ledger';
import type { ResolvedSandboxOptions } from './sandbox.options';
import type { WorkCounter } from './sandbox.stats';
import type { WebhookDispatcher, WebhookJob } from './sandbox.webhooks';
import type { FastifyRequest } from 'fastify';

/** PortOne sandbox records, constants and answer helpers shared by its state, token, cancel and render files. */

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

export type WebhookFault = Extract<FaultSpec, { type: 'webhook' }>;
export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const bodyOf = (req: FastifyRequest): Obj => (isObj(req.body) ? req.body : {});
export const BUYER_OUTCOMES = ['approve', 'cancel', 'fail'] as const;
export const STATUSES: readonly string[] = ['ready', 'paid', 'failed', 'cancelled'];
export const SORTINGS: readonly string[] = ['-started', 'started', '-paid', 'paid', '-updated', 'updated'];

export interface CancelHistory {
  pg_tid: string;
  amountMinor: number;
  cancelled_at: number;
  reason: string | null;
  receipt_url: string;
  cancellation_id: string;
}

export interface PendingCancel {
  cancellation_id: string;
  amountMinor: number;
  reason: string | null;
  /** The cancel's `enable_webhook`: its settlement is announced only when it was true. */
  enableWebhook: boolean;
  task?: ScheduledTask;
}

export interface PaymentRecord {
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
  buyer: {
    name: string | null;
    email: string | null;
    tel: string | null;
    addr: string | null;
    postcode: string | null;
  };
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

export interface CustomerRecord {
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
export function refuse(status: number, message: string): PgAnswer {
  return pgError('portone', status, -1, message);
}

/**
 * A business refusal of `again` or `cancel`: HTTP 200, code ≠ 0, `response: null`. The official OpenAPI documents only
 * 200 and 401 for both; the official clients raise their code error only on HTTP 200
 * (iamport/iamport-rest-client-python iamport/client.py `get_response`), and their tests expect `again` with an
 * unknown customer_uid → code -1 (tests/test_pay_again.py) and a cancel of an unknown imp_uid → code 1
 * "취소할 결제건이 존재하지 않습니다." (tests/test_cancel.py). Other refusals take the same code as their call's.
 */
export function refuseAgain(message: string): PgAnswer {
  return pgError('portone', 200, -1, message);
}

export function refuseCancel(message: string): PgAnswer {
  return pgError('portone', 200, 1, message);
}

export function ok(response: unknown): PgAnswer {
  return { status: 200, body: { code: 0, message: null, response } };
}

export function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** notice_url may be a string or an array of strings; each must be an absolute http(s) URL. */
export function noticeUrls(v: unknown): string[] | undefined {
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
export function defaultPgId(account: string): string {
  return `SBX${account.toUpperCase().replace(/-/g, '')}`.slice(0, 20);
}

/** What the cancel logic needs of the payment store (implemented by PortoneSandbox). */
export interface PortonePaymentStore {
  readonly payments: ReadonlyMap<string, PaymentRecord>;
  attempts(account: string, merchantUid: string): PaymentRecord[];
  paidAttempt(account: string, merchantUid: string): PaymentRecord | undefined;
}

/** The fields of a new payment its creator decides (the rest start as a fresh `ready` payment). */
export type NewPaymentFields = Pick<
  PaymentRecord,
  | 'name'
  | 'currency'
  | 'exponent'
  | 'amountMinor'
  | 'channel'
  | 'pg_id'
  | 'customer_uid'
  | 'customer_uid_usage'
  | 'notice_urls'
  | 'custom_data'
  | 'buyer'
>;

/** What the buyer's window needs of the payment store (implemented by PortoneSandbox). */
export interface PortonePaymentIssuer extends PortonePaymentStore {
  newPayment(account: string, merchantUid: string, f: NewPaymentFields): PaymentRecord;
  /** Applies decline/pending faults or approves; returns the ledger label and webhooks. */
  decide(p: PaymentRecord, ctx: PgContext): { label: string; webhooks: WebhookJob[] };
}
