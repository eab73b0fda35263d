import { z } from 'zod';
import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { HttpService } from '@nestjs/axios';
import {
  charLength,
  parseJson,
  PgHttpTransport,
  redact,
  type PgHttpOutcome,
  type PgNotSent,
  pgInteger,
  pgString,
  type ShapeValidator,
  shapeProblem,
} from '@app/pg-http';
import { PORTONE_CLIENT_OPTIONS, systemClock, type PortoneClientOptions, type PortoneClock } from './portone.options';
import {
  AGAIN_NAME_MAX,
  checkAgain,
  checkBaseUrl,
  checkCallOptions,
  checkCancel,
  checkCredentials,
  checkCustomerUid,
  checkMerchantUid,
  checkOpaqueId,
  checkPositive,
  checkStatusFilter,
  invalidRequest,
} from './portone.validation';
import { PortoneTokenCache, type TokenFetch, type TokenLookup } from './portone-token.cache';
import {
  portoneAccessTokenShape,
  portoneCustomerShape,
  portonePaymentPageShape,
  portonePaymentShape,
  type PortoneAccessToken,
  type PortoneAgainRequest,
  type PortoneCallOptions,
  type PortoneCancelRequest,
  type PortoneCredentials,
  type PortoneCustomer,
  type PortoneDeleteCustomerOptions,
  type PortoneGetPaymentOptions,
  type PortonePayment,
  type PortonePaymentStatusFilter,
  type PortoneResult,
} from './portone.types';

// Moved to portone.validation.ts; re-exported so existing imports keep working.
export { AGAIN_NAME_MAX };

const FIND_ALL_PAGE_SIZE = 100;
const FIND_ALL_MAX_PAGES = 20;
const envelopeShape = z.looseObject({ code: pgInteger, message: pgString.nullish() });

interface CallSpec {
  readonly method: 'GET' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: Readonly<Record<string, unknown>>;
}

interface Page {
  readonly total: number;
  readonly next: number;
  readonly list?: readonly PortonePayment[] | null;
}

/**
 * PortOne V1 client for the PayPal RT calls this product makes. Stateless per merchant apart from the access-token
 * cache: keys come with each call. Every PortOne answer or transport failure is returned as a {@link PortoneResult}
 * (never thrown), and no result carries imp_secret, an access token or an Authorization header.
 *
 * Remember that `code: 0` only means the call went through: a charge is approved only when the returned payment's
 * `status` is `paid`, and a `failed` PayPal payment may still be pending (`isPaypalPending`).
 *
 * Invalid input is reported as an `invalid_request` result (nothing sent) rather than thrown, because it often comes
 * from data (a stored id, an amount) rather than from code, and callers handle every outcome in one `switch`.
 */
@Injectable()
export class PortoneClient implements OnModuleDestroy {
  private readonly transport: PgHttpTransport;
  private readonly tokens: PortoneTokenCache;
  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly sandbox: boolean;
  private readonly clock: PortoneClock;

  constructor(httpService: HttpService, @Inject(PORTONE_CLIENT_OPTIONS) options: PortoneClientOptions) {
    this.baseUrl = checkBaseUrl(options.baseUrl);
    this.timeoutMs = checkPositive('timeoutMs', options.timeoutMs);
    this.connectTimeoutMs = checkPositive(
      'connectTimeoutMs',
      options.connectTimeoutMs ?? Math.min(5_000, this.timeoutMs),
    );
    const margin = options.tokenRefreshMarginMs ?? 30_000;
    if (!Number.isFinite(margin) || margin < 0) throw new Error('PortoneClient: tokenRefreshMarginMs must be ≥ 0');
    this.sandbox = options.sandbox ?? false;
    this.clock = options.clock ?? systemClock;
    this.tokens = new PortoneTokenCache(this.clock, margin);
    this.transport = new PgHttpTransport(httpService, { maxSockets: options.maxSockets, lookup: options.lookup });
  }

  /** Closes pooled sockets (Nest calls it on shutdown). */
  onModuleDestroy(): void {
    this.transport.close();
  }

  /**
   * Checks a key pair by obtaining (or reusing) an access token. The token itself is never returned; only when it
   * expires, by our clock.
   */
  async verifyCredentials(
    credentials: PortoneCredentials,
    options: PortoneCallOptions = {},
  ): Promise<PortoneResult<{ expiresAt: Date }>> {
    const invalid = checkCredentials(credentials) ?? checkCallOptions(options);
    if (invalid) return invalid;
    const token = await this.token(credentials, options.signal);
    if (token.kind !== 'ok') return token;
    return { kind: 'ok', httpStatus: 200, data: { expiresAt: new Date(token.expiresAtMs) } };
  }

  /**
   * `GET /payments/{imp_uid}`: the truth about one payment. Sends `include_sandbox=true` when the module (or these
   * credentials) are in sandbox mode, and `extension=true` when asked (needed for PayPal pending detection).
   */
  async getPayment(
    credentials: PortoneCredentials,
    impUid: string,
    options: PortoneGetPaymentOptions = {},
  ): Promise<PortoneResult<PortonePayment>> {
    const invalid = checkOpaqueId('impUid', impUid);
    if (invalid) return invalid;
    const query: Record<string, string> = {};
    if (credentials?.sandbox ?? this.sandbox) query.include_sandbox = 'true';
    if (options.extension) query.extension = 'true';
    return this.call(
      credentials,
      { method: 'GET', path: `/payments/${encodeURIComponent(impUid)}`, query },
      portonePaymentShape,
      options,
    );
  }

  /** `GET /payments/find/{merchant_uid}/{status?}`: the latest payment for our reference. */
  async findPayment(
    credentials: PortoneCredentials,
    merchantUid: string,
    status?: PortonePaymentStatusFilter,
    options: PortoneCallOptions = {},
  ): Promise<PortoneResult<PortonePayment>> {
    const invalid = checkMerchantUid('merchantUid', merchantUid) ?? checkStatusFilter(status);
    if (invalid) return invalid;
    const path = `/payments/find/${encodeURIComponent(merchantUid)}${status ? `/${status}` : ''}`;
    return this.call(credentials, { method: 'GET', path }, portonePaymentShape, options);
  }

  /**
   * `GET /payments/findAll/{merchant_uid}/{status?}`: every attempt that shared our reference (failed attempts can),
   * all pages, newest first. PortOne answers 404 (a `pg_error`) when there is none.
   */
  async findAllPayments(
    credentials: PortoneCredentials,
    merchantUid: string,
    options: PortoneCallOptions & { readonly status?: PortonePaymentStatusFilter } = {},
  ): Promise<PortoneResult<PortonePayment[]>> {
    const invalid = checkMerchantUid('merchantUid', merchantUid) ?? checkStatusFilter(options.status);
    if (invalid) return invalid;
    const path = `/payments/findAll/${encodeURIComponent(merchantUid)}${options.status ? `/${options.status}` : ''}`;
    const all: PortonePayment[] = [];
    let page = 1;
    let httpStatus = 200;
    for (let fetched = 0; fetched < FIND_ALL_MAX_PAGES; fetched++) {
      const query = { page: String(page), limit: String(FIND_ALL_PAGE_SIZE), sorting: '-started' };
      const result = await this.call<Page>(
        credentials,
        { method: 'GET', path, query },
        portonePaymentPageShape,
        options,
      );
      if (result.kind !== 'ok') return result;
      httpStatus = result.httpStatus;
      all.push(...(result.data.list ?? []));
      if (result.data.next <= page) return { kind: 'ok', httpStatus, data: all };
      page = result.data.next;
    }
    return {
      kind: 'unknown',
      reason: 'unexpected_shape',
      detail: `more than ${FIND_ALL_MAX_PAGES} pages of payments`,
      httpStatus,
    };
  }

  /**
   * `POST /subscribe/payments/again`: charges a billing key. `ok` only means PortOne processed the request: read
   * `data.status` (`paid` = approved, `failed` = declined unless `isPaypalPending`). `bypass` goes out as a JSON
   * string and an object `custom_data` is serialised, as PortOne expects.
   */
  async again(
    credentials: PortoneCredentials,
    request: PortoneAgainRequest,
    options: PortoneCallOptions = {},
  ): Promise<PortoneResult<PortonePayment>> {
    const invalid = checkAgain(request);
    if (invalid) return invalid;
    const body: Record<string, unknown> = {
      customer_uid: request.customer_uid,
      merchant_uid: request.merchant_uid,
      currency: request.currency,
      amount: request.amount,
      name: request.name,
    };
    for (const field of ['buyer_name', 'buyer_email', 'buyer_tel', 'buyer_addr', 'buyer_postcode'] as const) {
      if (request[field] !== undefined) body[field] = request[field];
    }
    if (request.custom_data !== undefined) {
      body.custom_data =
        typeof request.custom_data === 'string' ? request.custom_data : JSON.stringify(request.custom_data);
    }
    if (request.notice_url !== undefined) body.notice_url = request.notice_url;
    if (request.bypass !== undefined) body.bypass = JSON.stringify(request.bypass);
    return this.call(
      credentials,
      { method: 'POST', path: '/subscribe/payments/again', body },
      portonePaymentShape,
      options,
    );
  }

  /**
   * `POST /payments/cancel`. Omit `amount` for a full cancel. A PayPal cancel can stay pending: it is done only when
   * the returned payment is `cancelled` and its `cancel_history` holds the cancel.
   */
  async cancel(
    credentials: PortoneCredentials,
    request: PortoneCancelRequest,
    options: PortoneCallOptions = {},
  ): Promise<PortoneResult<PortonePayment>> {
    const invalid = checkCancel(request);
    if (invalid) return invalid;
    const body: Record<string, unknown> = { reason: request.reason };
    if (request.imp_uid !== undefined) body.imp_uid = request.imp_uid;
    if (request.merchant_uid !== undefined) body.merchant_uid = request.merchant_uid;
    if (request.amount !== undefined) body.amount = request.amount;
    if (request.checksum !== undefined) body.checksum = request.checksum;
    if (request.enable_webhook !== undefined) body.enable_webhook = request.enable_webhook;
    return this.call(credentials, { method: 'POST', path: '/payments/cancel', body }, portonePaymentShape, options);
  }

  /** `GET /subscribe/customers/{customer_uid}`: inspect a billing key. */
  async getCustomer(
    credentials: PortoneCredentials,
    customerUid: string,
    options: PortoneCallOptions = {},
  ): Promise<PortoneResult<PortoneCustomer>> {
    const invalid = checkCustomerUid('customerUid', customerUid);
    if (invalid) return invalid;
    return this.call(
      credentials,
      { method: 'GET', path: `/subscribe/customers/${encodeURIComponent(customerUid)}` },
      portoneCustomerShape,
      options,
    );
  }

  /** `DELETE /subscribe/customers/{customer_uid}`: removes a billing key at PortOne. */
  async deleteCustomer(
    credentials: PortoneCredentials,
    customerUid: string,
    options: PortoneDeleteCustomerOptions = {},
  ): Promise<PortoneResult<PortoneCustomer>> {
    const invalid =
      checkCustomerUid('customerUid', customerUid) ??
      (options.reason !== undefined && (typeof options.reason !== 'string' || charLength(options.reason) > 200)
        ? invalidRequest('options.reason', 'must be a string of at most 200 characters')
        : null);
    if (invalid) return invalid;
    const query = options.reason !== undefined ? { reason: options.reason } : undefined;
    return this.call(
      credentials,
      { method: 'DELETE', path: `/subscribe/customers/${encodeURIComponent(customerUid)}`, query },
      portoneCustomerShape,
      options,
    );
  }

  /**
   * Sends an authorised call. A 401 means PortOne refused the token without executing anything, so the call is
   * safe to repeat once with a fresh token whatever it is (a charge included).
   */
  private async call<T>(
    credentials: PortoneCredentials,
    spec: CallSpec,
    shape: ShapeValidator,
    options: PortoneCallOptions,
  ): Promise<PortoneResult<T>> {
    const invalid = checkCredentials(credentials) ?? checkCallOptions(options);
    if (invalid) return invalid;
    const key = PortoneTokenCache.keyOf(credentials);
    const secrets = [credentials.impSecret];
    for (let attempt = 1; ; attempt++) {
      const token = await this.token(credentials, options.signal);
      if (token.kind !== 'ok') return token;
      const headers: Record<string, string> = { Authorization: `Bearer ${token.token}` };
      if (spec.body) headers['Content-Type'] = 'application/json';
      const outcome = await this.send(spec, headers, options);
      if (outcome.kind === 'response' && outcome.httpStatus === 401 && attempt === 1) {
        this.tokens.invalidate(key, token.token);
        continue;
      }
      return interpretPortoneOutcome<T>(outcome, shape, [...secrets, token.token]);
    }
  }

  private async token(credentials: PortoneCredentials, signal: AbortSignal | undefined): Promise<TokenLookup> {
    if (signal?.aborted) return notSent('aborted', 'aborted before sending');
    const key = PortoneTokenCache.keyOf(credentials);
    // The fetch is shared by every waiting caller, so one caller's signal must not cancel it: it only stops waiting.
    const shared = this.tokens.get(key, () => this.fetchToken(credentials));
    if (!signal) return shared;
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<TokenLookup>((resolve) => {
      onAbort = () => resolve(notSent('aborted', 'aborted while waiting for an access token'));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([shared, aborted]);
    } finally {
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  private async fetchToken(credentials: PortoneCredentials): Promise<TokenFetch> {
    const startedAtMs = this.clock.now().getTime();
    const outcome = await this.send(
      {
        method: 'POST',
        path: '/users/getToken',
        body: { imp_key: credentials.impKey, imp_secret: credentials.impSecret },
      },
      { 'Content-Type': 'application/json' },
      {},
    );
    const result = interpretPortoneOutcome<PortoneAccessToken>(outcome, portoneAccessTokenShape, [
      credentials.impSecret,
    ]);
    switch (result.kind) {
      case 'ok':
      case 'invalid_request':
        return { startedAtMs, result };
      case 'pg_error':
        return { startedAtMs, result: { ...result, phase: 'auth' } };
      // The token could not be obtained, so the call that needed it was certainly not made.
      case 'not_sent':
      case 'unknown':
        return { startedAtMs, result: notSent('auth_unavailable', `getToken ${result.kind}: ${result.reason}`) };
    }
  }

  private send(spec: CallSpec, headers: Record<string, string>, options: PortoneCallOptions): Promise<PgHttpOutcome> {
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const query =
      spec.query && Object.keys(spec.query).length > 0 ? `?${new URLSearchParams(spec.query).toString()}` : '';
    return this.transport.send({
      method: spec.method,
      url: `${this.baseUrl}${spec.path}${query}`,
      headers,
      body: spec.body ? JSON.stringify(spec.body) : undefined,
      connectTimeoutMs: Math.min(this.connectTimeoutMs, timeoutMs),
      responseTimeoutMs: timeoutMs,
      signal: options.signal,
    });
  }
}

/**
 * Turns a transport outcome into a {@link PortoneResult}. The `{ code, message, response }` envelope decides:
 * a non-zero `code` (HTTP 2xx or 4xx) is `pg_error`; `code: 0` on a 2xx must carry a `response` matching `shape`;
 * 5xx, non-JSON bodies, missing envelopes and mismatching shapes are `unknown`.
 */
export function interpretPortoneOutcome<T>(
  outcome: PgHttpOutcome,
  shape: ShapeValidator,
  secrets: readonly string[] = [],
): PortoneResult<T> {
  if (outcome.kind !== 'response') return outcome;
  const { httpStatus, body } = outcome;
  const parsed = parseJson(body);
  const envelope =
    parsed.ok && shapeProblem(envelopeShape, parsed.value, 'body') === null
      ? (parsed.value as { code: number; message?: string | null; response?: unknown })
      : null;
  const message = (m: string | null | undefined) => redact(m ?? '', secrets);

  if (httpStatus >= 500) {
    const base = { kind: 'unknown', reason: 'server_error', detail: `HTTP ${httpStatus}`, httpStatus } as const;
    return envelope ? { ...base, code: envelope.code, message: message(envelope.message) } : base;
  }
  const success = httpStatus >= 200 && httpStatus < 300;
  if (!success && !(httpStatus >= 400 && httpStatus < 500)) {
    return { kind: 'unknown', reason: 'unexpected_status', detail: `HTTP ${httpStatus}`, httpStatus };
  }
  if (!parsed.ok)
    return { kind: 'unknown', reason: 'unparseable_body', detail: `HTTP ${httpStatus} body is not JSON`, httpStatus };
  if (!envelope)
    return {
      kind: 'unknown',
      reason: 'unexpected_shape',
      detail: `HTTP ${httpStatus} body is not the { code, message, response } envelope`,
      httpStatus,
    };
  if (envelope.code !== 0)
    return { kind: 'pg_error', httpStatus, code: envelope.code, message: message(envelope.message), phase: 'call' };
  if (!success)
    return { kind: 'unknown', reason: 'unexpected_shape', detail: `HTTP ${httpStatus} with code 0`, httpStatus };
  const problem = shapeProblem(shape, envelope.response, 'body.response');
  if (problem) return { kind: 'unknown', reason: 'unexpected_shape', detail: problem, httpStatus };
  return { kind: 'ok', httpStatus, data: envelope.response as T };
}

function notSent(reason: PgNotSent['reason'], detail: string): PgNotSent {
  return { kind: 'not_sent', reason, detail };
}
