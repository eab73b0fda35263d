import { z } from 'zod';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import {
  charLength,
  pgString,
  parseJson,
  PgHttpTransport,
  redact,
  type PgHttpOutcome,
  type PgInvalidRequest,
  type ShapeValidator,
  shapeProblem,
} from '@app/pg-http';
import {
  tossBillingPaymentShape,
  tossBillingShape,
  type TossBilling,
  type TossBillingCallOptions,
  type TossBillingCancelRequest,
  type TossBillingChargeRequest,
  type TossBillingCredentials,
  type TossBillingOptions,
  type TossBillingPayment,
  type TossBillingResult,
} from './toss-billing.types';

/** The API version this client speaks (the version of the Payment and Billing objects it reads). */
export const TOSS_BILLING_API_VERSION = '2022-11-16';

// Field rules from the community OpenAPI `toss-core-2022-11-16` (request bodies of issueBillingKeyByAuthKey and
// confirmBillingPayment): customerKey 2-300 of [A-Za-z0-9-_=.,@]; orderId 6-64 of [A-Za-z0-9-_.]; orderName ≤ 100;
// authKey ≤ 300; amount an integer ≥ 1. Idempotency-Key ≤ 300 (Toss idempotency guide).
const CUSTOMER_KEY = /^[A-Za-z0-9\-_=.,@]{2,300}$/;
const ORDER_ID = /^[A-Za-z0-9\-_.]{6,64}$/;
const OPAQUE_KEY = /^[\x21-\x7E]{1,300}$/;
const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,300}$/;
const errorBodyShape = z.looseObject({ code: pgString, message: pgString });

/**
 * Toss Payments automatic-billing client: issue a billing key from an authKey, charge it, look payments up, cancel.
 * Keys come with each call (per merchant). Every answer or transport failure is returned as a
 * {@link TossBillingResult}; a timeout after the request may have been written is `unknown`, never a failure, and no
 * result carries the secret key or the Authorization header.
 */
export class TossBillingClient {
  private readonly transport: PgHttpTransport;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(options: TossBillingOptions, httpService?: HttpService) {
    this.baseUrl = checkBaseUrl(options.baseUrl);
    this.timeoutMs = positive('timeoutMs', options.timeoutMs);
    this.connectTimeoutMs = positive('connectTimeoutMs', options.connectTimeoutMs ?? Math.min(5_000, this.timeoutMs));
    // Without interceptors the transport runs its own exchange (see libs/pg-http README): a bare instance is enough.
    const http =
      httpService ?? new HttpService(axios.create() as unknown as ConstructorParameters<typeof HttpService>[0]);
    this.transport = new PgHttpTransport(http);
  }

  /** Closes pooled sockets. */
  close(): void {
    this.transport.close();
  }

  /** `POST /v1/billing/authorizations/issue { authKey, customerKey }` → the Billing object with Toss's `billingKey`. */
  async issueBillingKey(
    c: TossBillingCredentials,
    body: { authKey: string; customerKey: string },
    o: TossBillingCallOptions = {},
  ): Promise<TossBillingResult<TossBilling>> {
    const invalid =
      check('body.authKey', body?.authKey, OPAQUE_KEY) ?? check('body.customerKey', body?.customerKey, CUSTOMER_KEY);
    if (invalid) return invalid;
    return this.call(
      c,
      'POST',
      '/v1/billing/authorizations/issue',
      { authKey: body.authKey, customerKey: body.customerKey },
      o,
      tossBillingShape,
    );
  }

  /** `POST /v1/billing/{billingKey}`: charges the key; the answer is a Payment (status DONE when approved). */
  async chargeBillingKey(
    c: TossBillingCredentials,
    billingKey: string,
    body: TossBillingChargeRequest,
    o: TossBillingCallOptions = {},
  ): Promise<TossBillingResult<TossBillingPayment>> {
    const invalid =
      check('billingKey', billingKey, OPAQUE_KEY) ??
      check('body.customerKey', body?.customerKey, CUSTOMER_KEY) ??
      check('body.orderId', body?.orderId, ORDER_ID) ??
      checkWon('body.amount', body?.amount) ??
      checkText('body.orderName', body?.orderName, 100);
    if (invalid) return invalid;
    const wire: Record<string, unknown> = {
      customerKey: body.customerKey,
      amount: body.amount,
      orderId: body.orderId,
      orderName: body.orderName,
    };
    if (body.customerEmail) wire.customerEmail = body.customerEmail;
    if (body.customerName) wire.customerName = body.customerName;
    return this.call(c, 'POST', `/v1/billing/${encodeURIComponent(billingKey)}`, wire, o, tossBillingPaymentShape);
  }

  /** `GET /v1/payments/{paymentKey}`. */
  async getPayment(
    c: TossBillingCredentials,
    paymentKey: string,
    o: Omit<TossBillingCallOptions, 'idempotencyKey'> = {},
  ): Promise<TossBillingResult<TossBillingPayment>> {
    const invalid = check('paymentKey', paymentKey, OPAQUE_KEY);
    if (invalid) return invalid;
    return this.call(c, 'GET', `/v1/payments/${encodeURIComponent(paymentKey)}`, undefined, o, tossBillingPaymentShape);
  }

  /** `GET /v1/payments/orders/{orderId}`: how an UNKNOWN charge is resolved. */
  async getPaymentByOrderId(
    c: TossBillingCredentials,
    orderId: string,
    o: Omit<TossBillingCallOptions, 'idempotencyKey'> = {},
  ): Promise<TossBillingResult<TossBillingPayment>> {
    const invalid = check('orderId', orderId, ORDER_ID);
    if (invalid) return invalid;
    return this.call(
      c,
      'GET',
      `/v1/payments/orders/${encodeURIComponent(orderId)}`,
      undefined,
      o,
      tossBillingPaymentShape,
    );
  }

  /** `POST /v1/payments/{paymentKey}/cancel`; no `cancelAmount` = everything still refundable. */
  async cancel(
    c: TossBillingCredentials,
    paymentKey: string,
    body: TossBillingCancelRequest,
    o: TossBillingCallOptions = {},
  ): Promise<TossBillingResult<TossBillingPayment>> {
    const invalid =
      check('paymentKey', paymentKey, OPAQUE_KEY) ??
      checkText('body.cancelReason', body?.cancelReason, 200) ??
      (body.cancelAmount !== undefined ? checkWon('body.cancelAmount', body.cancelAmount) : null);
    if (invalid) return invalid;
    const wire: Record<string, unknown> = { cancelReason: body.cancelReason };
    if (body.cancelAmount !== undefined) wire.cancelAmount = body.cancelAmount;
    return this.call(
      c,
      'POST',
      `/v1/payments/${encodeURIComponent(paymentKey)}/cancel`,
      wire,
      o,
      tossBillingPaymentShape,
    );
  }

  private async call<T>(
    c: TossBillingCredentials,
    method: 'GET' | 'POST',
    path: string,
    body: Record<string, unknown> | undefined,
    o: TossBillingCallOptions,
    shape: ShapeValidator,
  ): Promise<TossBillingResult<T>> {
    const secretKey = c?.secretKey;
    if (typeof secretKey !== 'string' || secretKey.trim() === '' || /[\r\n]/.test(secretKey))
      return invalid('credentials.secretKey', 'a secret key is required');
    // Basic auth: base64(secretKey + ':'), the empty password after the colon is required (Toss API auth guide).
    const basic = Buffer.from(`${secretKey}:`, 'utf8').toString('base64');
    const headers: Record<string, string> = {
      Authorization: `Basic ${basic}`,
      'TossPayments-API-Version': TOSS_BILLING_API_VERSION,
    };
    if (method === 'POST') {
      headers['Content-Type'] = 'application/json';
      if (o.idempotencyKey !== undefined) {
        if (!IDEMPOTENCY_KEY.test(o.idempotencyKey))
          return invalid('options.idempotencyKey', 'must be 1-300 printable ASCII characters');
        headers['Idempotency-Key'] = o.idempotencyKey;
      }
    }
    const outcome = await this.transport.send({
      method,
      url: this.baseUrl + path,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      connectTimeoutMs: Math.min(this.connectTimeoutMs, this.timeoutMs),
      responseTimeoutMs: this.timeoutMs,
      signal: o.signal,
    });
    return interpretTossBilling<T>(outcome, shape, [secretKey, basic]);
  }
}

/**
 * Transport outcome → result: 2xx must match `shape` (else `unknown`), 4xx with `{ code, message }` is `pg_error`,
 * 5xx or anything unreadable is `unknown` (Toss may have done the work).
 */
export function interpretTossBilling<T>(
  outcome: PgHttpOutcome,
  shape: ShapeValidator,
  secrets: readonly string[] = [],
): TossBillingResult<T> {
  if (outcome.kind !== 'response') return outcome;
  const { httpStatus, body } = outcome;
  const parsed = parseJson(body);
  if (httpStatus >= 200 && httpStatus < 300) {
    if (!parsed.ok)
      return { kind: 'unknown', reason: 'unparseable_body', detail: `HTTP ${httpStatus} body is not JSON`, httpStatus };
    const problem = shapeProblem(shape, parsed.value, 'body');
    if (problem) return { kind: 'unknown', reason: 'unexpected_shape', detail: problem, httpStatus };
    return { kind: 'ok', httpStatus, data: parsed.value as T };
  }
  const error =
    parsed.ok && shapeProblem(errorBodyShape, parsed.value, 'body') === null
      ? (parsed.value as { code: string; message: string })
      : null;
  if (httpStatus >= 500) {
    const base = { kind: 'unknown', reason: 'server_error', detail: `HTTP ${httpStatus}`, httpStatus } as const;
    return error ? { ...base, code: error.code, message: redact(error.message, secrets) } : base;
  }
  if (httpStatus >= 400 && error)
    return { kind: 'pg_error', httpStatus, code: error.code, message: redact(error.message, secrets) };
  return {
    kind: 'unknown',
    reason: httpStatus >= 400 ? 'unexpected_shape' : 'unexpected_status',
    detail: `HTTP ${httpStatus} is not a Toss answer`,
    httpStatus,
  };
}

function invalid(field: string, message: string): PgInvalidRequest {
  return { kind: 'invalid_request', field, message };
}

function check(field: string, value: unknown, pattern: RegExp): PgInvalidRequest | null {
  return typeof value === 'string' && pattern.test(value) ? null : invalid(field, `must match ${pattern.source}`);
}

function checkText(field: string, value: unknown, max: number): PgInvalidRequest | null {
  return typeof value === 'string' && value.trim() !== '' && charLength(value) <= max
    ? null
    : invalid(field, `must be 1-${max} characters`);
}

function checkWon(field: string, value: unknown): PgInvalidRequest | null {
  return Number.isSafeInteger(value) && (value as number) >= 1
    ? null
    : invalid(field, 'must be a whole number of won, at least 1');
}

function checkBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('TossBillingClient: baseUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error('TossBillingClient: baseUrl must be an http(s) URL');
  if (url.username || url.password) throw new Error('TossBillingClient: baseUrl must not carry credentials');
  return value.replace(/\/+$/, '');
}

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`TossBillingClient: ${name} must be a positive number of milliseconds`);
  return value;
}
