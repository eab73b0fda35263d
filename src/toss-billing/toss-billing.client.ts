import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { charLength, PgHttpTransport, type PgInvalidRequest, type ShapeValidator } from '@app/pg-http';
import { checkTossBaseUrl, checkTossTimeout, interpretTossOutcome, tossHeaders } from '@app/toss-client';
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
// authKey ≤ 300; amount an integer ≥ 1. The auth and idempotency headers and the reading of answers are
// shared with the foreign easy pay client (libs/toss-client, toss.wire.ts).
const CUSTOMER_KEY = /^[A-Za-z0-9\-_=.,@]{2,300}$/;
const ORDER_ID = /^[A-Za-z0-9\-_.]{6,64}$/;
const OPAQUE_KEY = /^[\x21-\x7E]{1,300}$/;

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
    this.baseUrl = checkTossBaseUrl('TossBillingClient', options.baseUrl);
    this.timeoutMs = checkTossTimeout('TossBillingClient', 'timeoutMs', options.timeoutMs);
    this.connectTimeoutMs = checkTossTimeout(
      'TossBillingClient',
      'connectTimeoutMs',
      options.connectTimeoutMs ?? Math.min(5_000, this.timeoutMs),
    );
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
    const wire = tossHeaders(c?.secretKey, TOSS_BILLING_API_VERSION, method, o.idempotencyKey);
    if ('kind' in wire) return wire;
    const outcome = await this.transport.send({
      method,
      url: this.baseUrl + path,
      headers: wire.headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      connectTimeoutMs: Math.min(this.connectTimeoutMs, this.timeoutMs),
      responseTimeoutMs: this.timeoutMs,
      signal: o.signal,
    });
    return interpretTossOutcome<T>(outcome, shape, wire.secrets);
  }
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
