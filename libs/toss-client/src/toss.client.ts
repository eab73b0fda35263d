import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import { charLength, PgHttpTransport, type PgInvalidRequest, type ShapeValidator } from '@app/pg-http';
import { TOSS_CLIENT_OPTIONS, TOSS_DEFAULT_API_VERSION, type TossClientOptions } from './toss.options';
import {
  tossPaymentShape,
  type TossCallOptions,
  type TossCancelRequest,
  type TossConfirmRequest,
  type TossCredentials,
  type TossPayment,
  type TossResult,
} from './toss.types';
import { checkTossBaseUrl, checkTossTimeout, interpretTossOutcome, invalidRequest, tossHeaders } from './toss.wire';

/** Options of a read (GET): Toss ignores idempotency keys there, so none can be passed. */
export type TossReadOptions = Omit<TossCallOptions, 'idempotencyKey'>;

const ORDER_ID = /^[A-Za-z0-9_=-]{6,64}$/;
// paymentKeys are opaque ASCII tokens (≤ 200 characters); anything else is a bug upstream, not a Toss question.
const PAYMENT_KEY = /^[\x21-\x7E]{1,200}$/;
const CURRENCY = /^[A-Z]{3}$/;
const TWO_DECIMALS = /^\d+(\.\d{1,2})?$/;

/**
 * Toss Payments v1 client for the calls this product makes (confirm, retrieve, cancel of foreign easy pay payments).
 * Stateless per merchant: keys come with each call. Every Toss answer or transport failure is returned as a
 * {@link TossResult}; nothing is thrown for them, and no result carries a key or an Authorization header.
 */
@Injectable()
export class TossClient implements OnModuleDestroy {
  private readonly transport: PgHttpTransport;
  private readonly baseUrl: string;
  private readonly apiVersion: string;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;

  constructor(httpService: HttpService, @Inject(TOSS_CLIENT_OPTIONS) options: TossClientOptions) {
    this.baseUrl = checkTossBaseUrl('TossClient', options.baseUrl);
    this.timeoutMs = checkTossTimeout('TossClient', 'timeoutMs', options.timeoutMs);
    this.connectTimeoutMs = checkTossTimeout(
      'TossClient',
      'connectTimeoutMs',
      options.connectTimeoutMs ?? Math.min(5_000, this.timeoutMs),
    );
    this.apiVersion = options.apiVersion ?? TOSS_DEFAULT_API_VERSION;
    this.transport = new PgHttpTransport(httpService, { maxSockets: options.maxSockets, lookup: options.lookup });
  }

  /** Closes pooled sockets (Nest calls it on shutdown). */
  onModuleDestroy(): void {
    this.transport.close();
  }

  /**
   * `POST /v1/payments/confirm`: approves a payment the buyer authorised (within 10 minutes of the request).
   * Pass an `idempotencyKey` so a retry after an `unknown` result cannot approve twice.
   */
  async confirm(
    credentials: TossCredentials,
    body: TossConfirmRequest,
    options: TossCallOptions = {},
  ): Promise<TossResult<TossPayment>> {
    const invalid =
      checkPaymentKey('body.paymentKey', body?.paymentKey) ??
      checkOrderId('body.orderId', body?.orderId) ??
      checkAmount('body.amount', body?.amount);
    if (invalid) return invalid;
    const wire = { paymentKey: body.paymentKey, orderId: body.orderId, amount: body.amount };
    return this.call(credentials, 'POST', '/v1/payments/confirm', wire, options, tossPaymentShape);
  }

  /** `GET /v1/payments/{paymentKey}`: the truth about one payment. */
  async getPayment(
    credentials: TossCredentials,
    paymentKey: string,
    options: TossReadOptions = {},
  ): Promise<TossResult<TossPayment>> {
    const invalid = checkPaymentKey('paymentKey', paymentKey);
    if (invalid) return invalid;
    return this.call(
      credentials,
      'GET',
      `/v1/payments/${encodeURIComponent(paymentKey)}`,
      undefined,
      options,
      tossPaymentShape,
    );
  }

  /** `GET /v1/payments/orders/{orderId}`: finds a payment by our order id (e.g. when no paymentKey was stored). */
  async getPaymentByOrderId(
    credentials: TossCredentials,
    orderId: string,
    options: TossReadOptions = {},
  ): Promise<TossResult<TossPayment>> {
    const invalid = checkOrderId('orderId', orderId);
    if (invalid) return invalid;
    return this.call(
      credentials,
      'GET',
      `/v1/payments/orders/${encodeURIComponent(orderId)}`,
      undefined,
      options,
      tossPaymentShape,
    );
  }

  /**
   * `POST /v1/payments/{paymentKey}/cancel`. Omit `cancelAmount` for a full cancel; a partial cancel must carry
   * `currency`. For foreign easy pay the cancel is asynchronous: the returned payment's new `cancels[]` entry has
   * `cancelStatus: IN_PROGRESS` until a CANCEL_STATUS_CHANGED webhook (or a later retrieve) says DONE or ABORTED.
   * Use one `idempotencyKey` per cancel attempt so a retry never refunds twice.
   */
  async cancel(
    credentials: TossCredentials,
    paymentKey: string,
    body: TossCancelRequest,
    options: TossCallOptions = {},
  ): Promise<TossResult<TossPayment>> {
    const invalid = checkPaymentKey('paymentKey', paymentKey) ?? checkCancel(body);
    if (invalid) return invalid;
    const wire: Record<string, unknown> = { cancelReason: body.cancelReason };
    if (body.cancelAmount !== undefined) wire.cancelAmount = body.cancelAmount;
    if (body.currency !== undefined) wire.currency = body.currency;
    return this.call(
      credentials,
      'POST',
      `/v1/payments/${encodeURIComponent(paymentKey)}/cancel`,
      wire,
      options,
      tossPaymentShape,
    );
  }

  private async call<T>(
    credentials: TossCredentials,
    method: 'GET' | 'POST',
    path: string,
    body: Record<string, unknown> | undefined,
    options: TossCallOptions,
    shape: ShapeValidator,
  ): Promise<TossResult<T>> {
    const wire = tossHeaders(credentials?.secretKey, this.apiVersion, method, options.idempotencyKey);
    if ('kind' in wire) return wire;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
      return invalidRequest('options.timeoutMs', 'must be a positive number');
    const outcome = await this.transport.send({
      method,
      url: this.baseUrl + path,
      headers: wire.headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      connectTimeoutMs: Math.min(this.connectTimeoutMs, timeoutMs),
      responseTimeoutMs: timeoutMs,
      signal: options.signal,
    });
    return interpretTossOutcome<T>(outcome, shape, wire.secrets);
  }
}

function checkPaymentKey(field: string, value: unknown): PgInvalidRequest | null {
  return typeof value === 'string' && PAYMENT_KEY.test(value)
    ? null
    : invalidRequest(field, 'must be 1–200 printable ASCII characters');
}

function checkOrderId(field: string, value: unknown): PgInvalidRequest | null {
  return typeof value === 'string' && ORDER_ID.test(value)
    ? null
    : invalidRequest(field, 'must be 6–64 characters of [A-Za-z0-9_=-]');
}

function checkAmount(field: string, value: unknown): PgInvalidRequest | null {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    return invalidRequest(field, 'must be a positive number');
  // More than two decimals is never a valid USD (or KRW) amount and would be a float-drift bug upstream.
  return TWO_DECIMALS.test(String(value)) ? null : invalidRequest(field, 'must have at most two decimal places');
}

function checkCancel(body: TossCancelRequest): PgInvalidRequest | null {
  if (!body || typeof body !== 'object') return invalidRequest('body', 'a cancel body is required');
  const reason: unknown = body.cancelReason;
  if (typeof reason !== 'string' || reason.trim() === '' || charLength(reason) > 200) {
    return invalidRequest('body.cancelReason', 'must be 1–200 characters');
  }
  if (body.currency !== undefined && (typeof body.currency !== 'string' || !CURRENCY.test(body.currency))) {
    return invalidRequest('body.currency', 'must be an ISO 4217 code such as USD');
  }
  if (body.cancelAmount !== undefined) {
    const amount = checkAmount('body.cancelAmount', body.cancelAmount);
    if (amount) return amount;
    // Toss requires the currency on a partial cancel of a foreign easy pay payment (seed 000).
    if (body.currency === undefined) return invalidRequest('body.currency', 'is required on a partial cancel');
  }
  return null;
}
