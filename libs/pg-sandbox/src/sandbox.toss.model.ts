import type { FastifyRequest } from 'fastify';
import type { SandboxClock, SandboxScheduler, ScheduledTask } from './sandbox.clock';
import type { FaultSpec } from './sandbox.faults';
import type { PgAnswer } from './sandbox.http';
import type { Ledger } from './sandbox.ledger';
import type { ResolvedSandboxOptions } from './sandbox.options';
import { tossError } from './sandbox.toss.errors';
import type { WebhookDispatcher, WebhookJob } from './sandbox.webhooks';

/** Toss sandbox records, constants and request helpers shared by its state and render files. */

/** Toss payment statuses. */
export type TossPaymentStatus =
  'READY' | 'IN_PROGRESS' | 'WAITING_FOR_DEPOSIT' | 'DONE' | 'CANCELED' | 'PARTIAL_CANCELED' | 'ABORTED' | 'EXPIRED';
/** Foreign easy pay cancels are asynchronous (pg-api-reference.md, Cancel: IN_PROGRESS → DONE or ABORTED). */
export type TossCancelStatus = 'IN_PROGRESS' | 'DONE' | 'ABORTED';

/** API version used when the request does not pin one with `TossPayments-API-Version`. */
export const DEFAULT_TOSS_API_VERSION = '2022-11-16';
/** Toss confirms only within 10 minutes of the payment request (seed 000: NOT_FOUND_PAYMENT_SESSION after that). */
export const TOSS_CONFIRM_WINDOW_MS = 10 * 60_000;
/** An unconfirmed payment (and an unfinished checkout window) expires 30 minutes after the request (pg-api-reference.md, flow). */
export const TOSS_EXPIRY_MS = 30 * 60_000;
/** `method` of a foreign easy pay payment as the Korean-language API returns it. */
export const TOSS_FOREIGN_EASY_PAY_METHOD = '해외간편결제';
/** `easyPay.provider` for PayPal: seed 000 says the field reads 페이팔. */
export const TOSS_PAYPAL_PROVIDER = '페이팔';

export const USD = 2; // decimal places
export const ORDER_ID = /^[A-Za-z0-9_=-]{6,64}$/;
export const VERSION = /^\d{4}-\d{2}-\d{2}$/;
export const OUTCOMES = ['approve', 'cancel', 'abort', 'reject', 'abandon'] as const;

export type WebhookFault = Extract<FaultSpec, { type: 'webhook' }>;

export interface CancelRecord {
  transactionKey: string;
  cancelRequestId: string;
  amountMinor: number;
  reason: string;
  refundableMinor: number;
  canceledAtMs: number;
  status: TossCancelStatus;
  webhookFault?: WebhookFault;
  task?: ScheduledTask;
}

export interface PaymentRecord {
  account: string;
  paymentKey: string;
  orderId: string;
  orderName: string;
  totalMinor: number;
  balanceMinor: number;
  status: TossPaymentStatus;
  requestedAtMs: number;
  approvedAtMs: number | null;
  version: string | null;
  country: string;
  stc: Record<string, string> | null;
  lastTransactionKey: string | null;
  cancels: CancelRecord[];
  failure: { code: string; message: string } | null;
  expiry?: ScheduledTask;
}

/** Dependencies of the Toss simulator. */
export interface TossDeps {
  clock: SandboxClock;
  scheduler: SandboxScheduler;
  webhooks: WebhookDispatcher;
  ledger: Ledger;
  options: ResolvedSandboxOptions;
}

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const bodyOf = (req: FastifyRequest): Obj => (isObj(req.body) ? req.body : {});

export function invalid(message: string): PgAnswer {
  return tossError('INVALID_REQUEST', message);
}

export function httpUrl(v: unknown): URL | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : undefined;
  } catch {
    return undefined;
  }
}

/** What the cancel logic needs of the payment store (implemented by TossSandbox). */
export interface TossPaymentStore {
  payment(paymentKey: string): PaymentRecord | undefined;
  /** API version validation and `TossPayments-Test-Code`. */
  preamble(req: FastifyRequest): PgAnswer | undefined;
  versionOf(req: FastifyRequest, p?: PaymentRecord): string;
  render(p: PaymentRecord, version: string): Obj;
  webhook(account: string, eventType: string, data: Obj): WebhookJob[];
  statusChanged(p: PaymentRecord): WebhookJob[];
}
