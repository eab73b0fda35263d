import { Inject, Injectable, Optional } from '@nestjs/common';
import type {
  CallOptions,
  CancelInput,
  ChargeBillingKeyInput,
  ClientRequest,
  CompleteBillingKeyInput,
  CredentialCheck,
  DeleteBillingKeyInput,
  IssueBillingKeyInput,
  PaymentGatewayAdapter,
  RetrieveByReferenceInput,
  RetrieveInput,
  WebhookInput,
  WebhookParseResult,
} from '../pg.adapter';
import { preflightAmount, type GatewayDescriptor } from '../pg.descriptor';
import { GatewayInputError } from '../pg.errors';
import { checkIntegrity } from '../pg.integrity';
import { subtractMoney, toMajorNumber, type Money } from '../pg.money';
import {
  notSent,
  unknownOutcome,
  type BillingKeyOutcome,
  type CancelOutcome,
  type DeleteBillingKeyOutcome,
  type LookupOutcome,
  type NotFoundOutcome,
  type NotSentOutcome,
  type PaymentOutcome,
  type UnknownOutcome,
} from '../pg.outcomes';
import { sendJson, type HttpAnswer, type HttpResult } from './reference.http';
import {
  declined,
  envelopeError,
  envelopeResponse,
  paymentOutcome,
  paypalPending,
  pickAttempt,
  readPayment,
  type PortonePayment,
} from './reference.mapper';

/** PortOne V1 credentials of a merchant: the API key pair and the user code the browser SDK is initialised with. */
export interface ReferenceCredentials {
  /** `IMP.init` argument; public. */
  readonly userCode: string;
  /** REST API key. */
  readonly impKey: string;
  /** REST API secret: never logged, never in an error. */
  readonly impSecret: string;
}

/** Options of {@link ReferenceAdapter}. */
export interface ReferenceAdapterOptions {
  /** PortOne V1 base URL: `https://api.iamport.kr`, or `<origin>/sandbox/portone`. */
  readonly baseUrl: string;
  /** Per-request timeout in ms (default 10000). After it, the outcome is UNKNOWN. */
  readonly timeoutMs?: number;
  /**
   * Send `include_sandbox=true` and accept payments PortOne marks `sandbox: true` (default false). Off in production,
   * so a test-channel payment can never count as a live one.
   */
  readonly includeSandbox?: boolean;
}

/** Injection token of {@link ReferenceAdapterOptions}. */
export const REFERENCE_ADAPTER_OPTIONS = 'REFERENCE_ADAPTER_OPTIONS';

/**
 * The reference adapter's descriptor, code `reference`: billing keys, full and partial cancels, unsigned webhooks,
 * payments that can be pending, PayPal's currencies minus KRW (and minus HUF and TWD, which PayPal takes without
 * the decimals ISO gives them).
 */
export const REFERENCE_DESCRIPTOR: GatewayDescriptor = Object.freeze({
  code: 'reference',
  paymentMethod: 'paypal',
  displayName: 'Reference adapter (PortOne V1 PayPal RT)',
  capabilities: Object.freeze({
    oneTimePayments: false,
    billingKeys: true,
    cancel: true,
    partialCancel: true,
    webhookKind: 'unsigned' as const,
    currencies: Object.freeze(['USD', 'EUR', 'GBP', 'JPY', 'AUD', 'CAD', 'SGD', 'HKD', 'CHF', 'NZD']),
    refusesCurrencies: Object.freeze(['KRW']),
    pendingPayments: true,
    billingKeyDeletion: true,
  }),
});

/** PortOne V1 limits. */
const MERCHANT_UID_MAX = 40;
const CUSTOMER_UID_MAX = 80;
/** findAll pages we follow at most (100 attempts each) before calling the answer unknown. */
const MAX_FIND_PAGES = 5;

type Token = { token: string } | NotSentOutcome;

/**
 * The reference adapter: PayPal Reference-Transaction billing keys through PortOne V1 (`pg: paypal_v2`), over plain
 * `fetch`, kept small enough to read in one sitting. It is the worked example of `docs/adding-a-gateway.md` and runs
 * the conformance suite against the sandbox. Stateless: it fetches a token per operation (PortOne answers the same
 * token while it is valid); a production adapter would cache it.
 */
@Injectable()
export class ReferenceAdapter implements PaymentGatewayAdapter<ReferenceCredentials> {
  /** See {@link REFERENCE_DESCRIPTOR}. */
  readonly descriptor: GatewayDescriptor = REFERENCE_DESCRIPTOR;

  private readonly baseUrl: string;
  private readonly timeoutMs: number;
  private readonly includeSandbox: boolean;

  /** @param options see {@link ReferenceAdapterOptions}. */
  constructor(@Optional() @Inject(REFERENCE_ADAPTER_OPTIONS) options?: ReferenceAdapterOptions) {
    if (!options?.baseUrl) throw new GatewayInputError('ReferenceAdapter needs options.baseUrl (REFERENCE_ADAPTER_OPTIONS)');
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.includeSandbox = options.includeSandbox ?? false;
  }

  /** Checks the shape of PortOne credentials; problems name fields, never values. */
  checkCredentials(raw: unknown): CredentialCheck<ReferenceCredentials> {
    const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const problems = (['userCode', 'impKey', 'impSecret'] as const).filter((k) => typeof o[k] !== 'string' || (o[k] as string).trim() === '').map((k) => `${k} is required`);
    if (problems.length > 0) return { ok: false, problems };
    return { ok: true, credentials: { userCode: o.userCode as string, impKey: o.impKey as string, impSecret: o.impSecret as string } };
  }

  // ---- billing keys ----------------------------------------------------------------------------------------------

  /** The `IMP.loadUI('paypal-rt', request, callback)` request of seed 004. Sends nothing. */
  async issueBillingKey(credentials: ReferenceCredentials, input: IssueBillingKeyInput): Promise<ClientRequest | NotSentOutcome> {
    if (!validLength(input.reference, MERCHANT_UID_MAX)) return notSent('invalid_request', 'INVALID_REFERENCE', `reference must be 1-${MERCHANT_UID_MAX} characters`, false);
    if (!validLength(input.billingKey, CUSTOMER_UID_MAX)) return notSent('invalid_request', 'INVALID_BILLING_KEY', `billingKey must be 1-${CUSTOMER_UID_MAX} characters`, false);
    if (!validLength(input.buyer.id, 100)) return notSent('invalid_request', 'INVALID_BUYER', 'buyer.id is required', false);
    const request: Record<string, unknown> = {
      pg: 'paypal_v2',
      pay_method: 'paypal',
      merchant_uid: input.reference,
      customer_uid: input.billingKey,
      customer_id: input.buyer.id,
      name: input.name ?? 'PayPal billing agreement',
    };
    if (input.buyer.email) request.buyer_email = input.buyer.email;
    if (input.noticeUrls?.length) request.notice_url = input.noticeUrls.length === 1 ? input.noticeUrls[0] : [...input.noticeUrls];
    if (input.customData) request.custom_data = input.customData;
    // At issuance the STC goes as an object (seed 004); `again` takes it as a JSON string.
    if (input.riskContext) request.bypass = { paypal_v2: { additional_data: stcList(input.riskContext) } };
    return { sdk: 'iamport-v1', init: { userCode: credentials.userCode }, method: 'loadUI', uiType: 'paypal-rt', request };
  }

  /**
   * The callback carries only `imp_uid`/`merchant_uid`: fetch the payment, check it is this issuance (our merchant_uid
   * and customer_uid), then confirm the key is registered.
   */
  async completeBillingKey(credentials: ReferenceCredentials, input: CompleteBillingKeyInput, options: CallOptions = {}): Promise<BillingKeyOutcome> {
    const impUid = input.pointer.imp_uid;
    if (typeof impUid !== 'string' || impUid === '' || impUid.length > 100) {
      return { status: 'FAILED', code: 'INVALID_POINTER', message: 'callback did not carry an imp_uid' };
    }
    const token = await this.token(credentials, options);
    if ('status' in token) return token;
    const fetched = await this.getPayment(token.token, impUid, options);
    if ('status' in fetched) {
      return fetched.status === 'NOT_FOUND' ? { status: 'FAILED', code: 'PAYMENT_NOT_FOUND', message: fetched.message } : fetched;
    }
    const p = fetched.payment;
    if (p.merchantUid !== input.reference || p.customerUid !== input.billingKey || p.customerUidUsage !== 'issue') {
      // A pointer to some other payment (replayed or forged callback) never activates this key.
      return { status: 'FAILED', code: 'REFERENCE_MISMATCH', message: 'the payment is not this billing-key issuance', gatewayPaymentId: p.impUid, rawStatus: p.status };
    }
    const outcome = paymentOutcome(p);
    switch (outcome.status) {
      case 'SUCCEEDED': {
        const customer = await this.request(token.token, 'GET', `/subscribe/customers/${encodeURIComponent(input.billingKey)}`, undefined, options);
        if (customer.kind !== 'answer') return transportOutcome(customer);
        if (envelopeResponse(customer.json)) {
          return { status: 'ACTIVE', billingKey: input.billingKey, gatewayPaymentId: p.impUid, rawStatus: p.status, extra: { sandbox: p.sandbox } };
        }
        if (customer.httpStatus === 404) return { status: 'FAILED', code: 'BILLING_KEY_NOT_FOUND', message: 'PortOne does not know this billing key', gatewayPaymentId: p.impUid, rawStatus: p.status };
        const refusal = answerOutcome(customer);
        // The issuance is paid; a refused key lookup does not make it failed.
        return refusal.status === 'DECLINED' ? unknownOutcome('unreadable_response', `billing key lookup refused: ${refusal.message}`) : refusal;
      }
      case 'PENDING':
        return { status: 'PENDING', billingKey: input.billingKey, gatewayPaymentId: p.impUid, rawStatus: p.status, ...(outcome.reason ? { reason: outcome.reason } : {}) };
      case 'DECLINED':
        return { status: 'FAILED', code: outcome.code, message: outcome.message, gatewayPaymentId: p.impUid, rawStatus: p.status };
      default:
        return unknownOutcome('unmapped_status', `issuance payment is ${p.status}`, { gatewayPaymentId: p.impUid, rawStatus: p.status });
    }
  }

  /** `DELETE /subscribe/customers/{customer_uid}`; a key PortOne does not know is already deleted. */
  async deleteBillingKey(credentials: ReferenceCredentials, input: DeleteBillingKeyInput, options: CallOptions = {}): Promise<DeleteBillingKeyOutcome> {
    const token = await this.token(credentials, options);
    if ('status' in token) return token;
    const query = input.reason ? `?reason=${encodeURIComponent(input.reason)}` : '';
    const res = await this.request(token.token, 'DELETE', `/subscribe/customers/${encodeURIComponent(input.billingKey)}${query}`, undefined, options);
    if (res.kind !== 'answer') return transportOutcome(res);
    if (envelopeResponse(res.json)) return { status: 'DELETED', alreadyAbsent: false };
    if (res.httpStatus === 404) return { status: 'DELETED', alreadyAbsent: true };
    const refusal = answerOutcome(res);
    if (refusal.status !== 'DECLINED') return refusal;
    return { status: 'DECLINED', code: refusal.code, message: refusal.message };
  }

  /**
   * `POST /subscribe/payments/again`. `code: 0` with `paid` is an approval; `failed` is a decline unless PayPal holds
   * it pending (checked with `extension=true`, since PortOne reports pending as failed); a refusal of the request is
   * checked against what PortOne already has under the merchant_uid, because a replay of a paid merchant_uid is
   * refused too and must not read as a decline.
   */
  async chargeBillingKey(credentials: ReferenceCredentials, input: ChargeBillingKeyInput, options: CallOptions = {}): Promise<PaymentOutcome> {
    const refused = preflightAmount(this.descriptor, input.amount);
    if (refused) return refused;
    if (!validLength(input.reference, MERCHANT_UID_MAX)) return notSent('invalid_request', 'INVALID_REFERENCE', `reference must be 1-${MERCHANT_UID_MAX} characters`, false);
    if (!validLength(input.billingKey, CUSTOMER_UID_MAX)) return notSent('invalid_request', 'INVALID_BILLING_KEY', `billingKey must be 1-${CUSTOMER_UID_MAX} characters`, false);
    if (!input.orderName) return notSent('invalid_request', 'INVALID_ORDER_NAME', 'orderName is required', false);

    const body: Record<string, unknown> = {
      customer_uid: input.billingKey,
      merchant_uid: input.reference,
      currency: input.amount.currency,
      amount: toMajorNumber(input.amount),
      name: input.orderName,
    };
    if (input.buyer?.email) body.buyer_email = input.buyer.email;
    const buyerName = [input.buyer?.firstName, input.buyer?.lastName].filter(Boolean).join(' ');
    if (buyerName) body.buyer_name = buyerName;
    if (input.noticeUrls?.length) body.notice_url = input.noticeUrls.length === 1 ? input.noticeUrls[0] : [...input.noticeUrls];
    if (input.customData) body.custom_data = JSON.stringify(input.customData);
    if (input.riskContext) body.bypass = JSON.stringify({ paypal_v2: { additional_data: stcList(input.riskContext) } });

    const token = await this.token(credentials, options);
    if ('status' in token) return token;
    const res = await this.request(token.token, 'POST', '/subscribe/payments/again', body, options);
    if (res.kind !== 'answer') return transportOutcome(res);
    const response = envelopeResponse(res.json);
    if (response) {
      const read = readPayment(response);
      if ('problem' in read) return unknownOutcome('unreadable_response', read.problem, { httpStatus: res.httpStatus });
      const resolved = await this.resolvePending(token.token, read, options);
      return checkIntegrity(input.amount, resolved, { reference: input.reference }) as PaymentOutcome;
    }
    const outcome = answerOutcome(res);
    if (outcome.status !== 'DECLINED') return outcome;
    // Refused: was it because this merchant_uid already holds a payment (a replay)? Only a lookup can tell.
    const existing = await this.findByReference(token.token, input.reference, options);
    if (existing.status === 'NOT_FOUND' || existing.status === 'DECLINED') return outcome;
    if (existing.status === 'UNKNOWN' || existing.status === 'NOT_SENT') {
      return unknownOutcome('unreadable_response', `charge refused (${outcome.message}) and the existing payment could not be looked up`);
    }
    return checkIntegrity(input.amount, existing, { reference: input.reference }) as PaymentOutcome;
  }

  // ---- lookups ---------------------------------------------------------------------------------------------------

  /** `GET /payments/{imp_uid}?extension=true`, checked against what we expected. */
  async retrieve(credentials: ReferenceCredentials, input: RetrieveInput, options: CallOptions = {}): Promise<LookupOutcome> {
    const token = await this.token(credentials, options);
    if ('status' in token) return token;
    const fetched = await this.getPayment(token.token, input.gatewayPaymentId, options);
    if ('status' in fetched) return fetched;
    return checkIntegrity(input.expected, paymentOutcome(fetched.payment), input.reference !== undefined ? { reference: input.reference } : {});
  }

  /** Every attempt under our merchant_uid (`findAll`), the one that tells the truth picked by {@link pickAttempt}. */
  async retrieveByReference(credentials: ReferenceCredentials, input: RetrieveByReferenceInput, options: CallOptions = {}): Promise<LookupOutcome> {
    const token = await this.token(credentials, options);
    if ('status' in token) return token;
    return checkIntegrity(input.expected, await this.findByReference(token.token, input.reference, options), { reference: input.reference });
  }

  // ---- cancel ----------------------------------------------------------------------------------------------------

  /**
   * `POST /payments/cancel` with `checksum` (the refundable balance we believe in, so a stale view is refused). The
   * payment is read first: a cancel is done only when it appears in `cancel_history` (seed 004); otherwise PENDING.
   */
  async cancel(credentials: ReferenceCredentials, input: CancelInput, options: CallOptions = {}): Promise<CancelOutcome> {
    if (input.amount) {
      const refused = preflightAmount(this.descriptor, input.amount);
      if (refused) return refused;
    }
    const token = await this.token(credentials, options);
    if ('status' in token) return token;
    const before = await this.getPayment(token.token, input.gatewayPaymentId, options);
    if ('status' in before) {
      if (before.status === 'NOT_FOUND') return { status: 'DECLINED', code: 'PAYMENT_NOT_FOUND', message: before.message };
      return before;
    }
    const p = before.payment;
    if (p.merchantUid !== input.reference) return notSent('invalid_request', 'REFERENCE_MISMATCH', 'the payment does not carry this reference', false);
    if (input.amount && input.amount.currency !== p.amount.currency) {
      return notSent('invalid_request', 'CURRENCY_MISMATCH', `payment is in ${p.amount.currency}`, false);
    }
    const balance = subtractMoney(p.amount, p.cancelled);
    const checksum = input.refundableBalance ?? balance;
    if (checksum.currency !== p.amount.currency) return notSent('invalid_request', 'CURRENCY_MISMATCH', `payment is in ${p.amount.currency}`, false);
    const requested = input.amount ?? balance;
    const body: Record<string, unknown> = {
      imp_uid: p.impUid,
      reason: input.reason.slice(0, 200),
      checksum: toMajorNumber(checksum),
    };
    if (input.amount) body.amount = toMajorNumber(input.amount);

    const res = await this.request(token.token, 'POST', '/payments/cancel', body, options);
    if (res.kind !== 'answer') return transportOutcome(res);
    const response = envelopeResponse(res.json);
    if (!response) {
      const refusal = answerOutcome(res);
      return refusal.status === 'DECLINED' ? { status: 'DECLINED', code: refusal.code, message: refusal.message } : refusal;
    }
    const after = readPayment(response);
    if ('problem' in after) return unknownOutcome('unreadable_response', after.problem, { httpStatus: res.httpStatus });
    const known = new Set(p.cancelHistory.map((c) => c.cancellationId));
    const added = after.cancelHistory.filter((c) => !known.has(c.cancellationId));
    if (added.length === 0) {
      // Answered code 0, but PayPal has not approved it: not done until cancel_history shows it.
      return { status: 'PENDING', requested, rawStatus: after.status };
    }
    const refunded = added.reduce((sum, c) => ({ amount: sum.amount + c.amount.amount, currency: sum.currency }), { amount: 0, currency: p.amount.currency } as Money);
    return {
      status: 'SUCCEEDED',
      refunded,
      totalRefunded: after.cancelled,
      remaining: subtractMoney(after.amount, after.cancelled),
      ...(added.length === 1 && added[0].cancellationId ? { gatewayCancelId: added[0].cancellationId } : {}),
      rawStatus: after.status,
    };
  }

  // ---- webhooks --------------------------------------------------------------------------------------------------

  /**
   * PortOne posts `{ imp_uid, merchant_uid, status }` (JSON or form), unsigned. Only the two ids are taken: the status
   * in the body is never read, the core re-fetches the payment.
   */
  parseWebhook(_credentials: ReferenceCredentials, input: WebhookInput): WebhookParseResult {
    const body = input.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'ignore', reason: 'body is not an object' };
    const { imp_uid, merchant_uid } = body as Record<string, unknown>;
    const id = typeof imp_uid === 'string' && imp_uid !== '' && imp_uid.length <= 100 ? imp_uid : undefined;
    const ref = typeof merchant_uid === 'string' && validLength(merchant_uid, MERCHANT_UID_MAX) ? merchant_uid : undefined;
    if (!id && !ref) return { kind: 'ignore', reason: 'no imp_uid or merchant_uid' };
    return { kind: 'refetch', ...(id ? { gatewayPaymentId: id } : {}), ...(ref ? { reference: ref } : {}), event: 'portone.notification' };
  }

  // ---- PortOne plumbing ------------------------------------------------------------------------------------------

  /** `POST /users/getToken`. Any failure here means the operation was never sent. */
  private async token(credentials: ReferenceCredentials, options: CallOptions): Promise<Token> {
    const res = await sendJson({
      method: 'POST',
      url: `${this.baseUrl}/users/getToken`,
      body: { imp_key: credentials.impKey, imp_secret: credentials.impSecret },
      timeoutMs: this.timeoutMs,
      signal: options.signal,
    });
    if (res.kind === 'answer') {
      const token = envelopeResponse(res.json)?.access_token;
      if (typeof token === 'string' && token !== '') return { token };
      if (res.httpStatus === 401) return notSent('refused_by_pg', 'UNAUTHORIZED', 'PortOne refused the API key pair', false);
      return notSent('refused_by_pg', 'TOKEN_UNAVAILABLE', `getToken answered HTTP ${res.httpStatus}`, true);
    }
    return notSent('connection', res.kind === 'not_sent' ? res.code : 'TOKEN_UNAVAILABLE', `getToken failed: ${res.message}`, true);
  }

  private request(token: string, method: 'GET' | 'POST' | 'DELETE', path: string, body: unknown, options: CallOptions): Promise<HttpResult> {
    return sendJson({ method, url: `${this.baseUrl}${path}`, headers: { authorization: `Bearer ${token}` }, body, timeoutMs: this.timeoutMs, signal: options.signal });
  }

  private query(extension: boolean): string {
    const q = new URLSearchParams();
    if (extension) q.set('extension', 'true');
    if (this.includeSandbox) q.set('include_sandbox', 'true');
    const s = q.toString();
    return s ? `?${s}` : '';
  }

  /** `GET /payments/{imp_uid}?extension=true` read into a payment, or the outcome that replaces it. */
  private async getPayment(token: string, impUid: string, options: CallOptions): Promise<{ payment: PortonePayment } | NotFoundOutcome | NotSentOutcome | UnknownOutcome> {
    const res = await this.request(token, 'GET', `/payments/${encodeURIComponent(impUid)}${this.query(true)}`, undefined, options);
    if (res.kind !== 'answer') return transportOutcome(res);
    const response = envelopeResponse(res.json);
    if (!response) {
      if (res.httpStatus === 404) return { status: 'NOT_FOUND', message: envelopeError(res.json).message };
      const outcome = answerOutcome(res);
      // A lookup the PG refuses tells nothing about the payment.
      return outcome.status === 'DECLINED' ? unknownOutcome('unreadable_response', `lookup refused: ${outcome.message}`, { httpStatus: res.httpStatus }) : outcome;
    }
    const read = readPayment(response);
    if ('problem' in read) return unknownOutcome('unreadable_response', read.problem, { httpStatus: res.httpStatus });
    if (read.sandbox && !this.includeSandbox) return unknownOutcome('unreadable_response', 'a sandbox payment answered a live lookup', { gatewayPaymentId: read.impUid });
    return { payment: read };
  }

  /** A `failed` payment read without `extension` is re-read with it: PayPal may hold it pending. */
  private async resolvePending(token: string, p: PortonePayment, options: CallOptions): Promise<LookupOutcome> {
    if (p.status !== 'failed' || paypalPending(p) !== undefined) return paymentOutcome(p);
    const fetched = await this.getPayment(token, p.impUid, options);
    if ('payment' in fetched) return paymentOutcome(fetched.payment);
    // Cannot tell pending from declined: a decline here could make dunning charge twice.
    return unknownOutcome('unreadable_response', 'failed charge whose PayPal state could not be read', { gatewayPaymentId: p.impUid, rawStatus: p.status });
  }

  private async findByReference(token: string, reference: string, options: CallOptions): Promise<LookupOutcome> {
    const attempts: PortonePayment[] = [];
    for (let page = 1; ; page++) {
      const res = await this.request(token, 'GET', `/payments/findAll/${encodeURIComponent(reference)}?limit=100&page=${page}&sorting=-started`, undefined, options);
      if (res.kind !== 'answer') return transportOutcome(res);
      const response = envelopeResponse(res.json);
      if (!response) {
        if (res.httpStatus === 404 && page === 1) return { status: 'NOT_FOUND', message: envelopeError(res.json).message };
        const outcome = answerOutcome(res);
        return outcome.status === 'DECLINED' ? unknownOutcome('unreadable_response', `lookup refused: ${outcome.message}`, { httpStatus: res.httpStatus }) : outcome;
      }
      const list = Array.isArray(response.list) ? response.list : undefined;
      if (!list) return unknownOutcome('unreadable_response', 'findAll answered without a list');
      for (const raw of list) {
        const read = readPayment(raw);
        if ('problem' in read) return unknownOutcome('unreadable_response', read.problem);
        if (read.sandbox && !this.includeSandbox) continue;
        attempts.push(read);
      }
      if (response.next === 0 || response.next === undefined || list.length === 0) break;
      if (page >= MAX_FIND_PAGES) return unknownOutcome('unreadable_response', `more than ${MAX_FIND_PAGES * 100} attempts under one reference`);
    }
    if (attempts.length === 0) return { status: 'NOT_FOUND', message: 'no payment under this reference' };
    // findAll does not carry `extension`: failed attempts are re-read so a pending one is never taken for a decline.
    const enriched: PortonePayment[] = [];
    for (const a of attempts) {
      if (a.status !== 'failed') {
        enriched.push(a);
        continue;
      }
      const fetched = await this.getPayment(token, a.impUid, options);
      if (!('payment' in fetched)) return unknownOutcome('unreadable_response', 'a failed attempt could not be re-read', { gatewayPaymentId: a.impUid });
      enriched.push(fetched.payment);
    }
    return paymentOutcome(pickAttempt(enriched)!);
  }
}

/** `again` and `loadUI` take STC as a list of `{ key, value }` strings. */
function stcList(context: Readonly<Record<string, string>>): Array<{ key: string; value: string }> {
  return Object.entries(context).map(([key, value]) => ({ key, value: String(value) }));
}

function validLength(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length >= 1 && value.length <= max;
}

/** A transport failure as an outcome. */
function transportOutcome(res: Exclude<HttpResult, HttpAnswer>): NotSentOutcome | UnknownOutcome {
  if (res.kind === 'not_sent') return notSent('connection', res.code, res.message, true);
  return unknownOutcome(res.reason, res.message);
}

/**
 * A PortOne error envelope as an outcome: 401 and 429 were not processed (NOT_SENT), 5xx may have been (UNKNOWN),
 * other 4xx refused the request (DECLINED hard, code `REQUEST_REFUSED`), 2xx without a readable envelope is UNKNOWN.
 */
function answerOutcome(res: HttpAnswer): NotSentOutcome | UnknownOutcome | ReturnType<typeof declined> {
  const { code, message } = envelopeError(res.json);
  if (res.httpStatus === 401) return notSent('refused_by_pg', 'UNAUTHORIZED', message, true);
  if (res.httpStatus === 429) return notSent('refused_by_pg', 'RATE_LIMITED', message, true);
  if (res.httpStatus >= 500) return unknownOutcome('server_error', message, { httpStatus: res.httpStatus, code: String(code) });
  if (res.httpStatus >= 400 || (res.httpStatus < 300 && typeof (res.json as { code?: unknown } | undefined)?.code === 'number' && code !== 0)) {
    return declined('REQUEST_REFUSED', message);
  }
  return unknownOutcome('unreadable_response', `unexpected answer (HTTP ${res.httpStatus})`, { httpStatus: res.httpStatus });
}

