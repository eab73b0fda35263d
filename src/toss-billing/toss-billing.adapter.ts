import { createHash } from 'node:crypto';
import { Inject, Injectable, Optional, type OnModuleDestroy } from '@nestjs/common';
import {
  checkIntegrity,
  notSent,
  preflightAmount,
  toMajorNumber,
  unknownOutcome,
  type BillingKeyActiveOutcome,
  type BillingKeyOutcome,
  type CallOptions,
  type CancelInput,
  type CancelOutcome,
  type ChargeBillingKeyInput,
  type ClientRequest,
  type CompleteBillingKeyInput,
  type CredentialCheck,
  type GatewayDescriptor,
  type IssueBillingKeyInput,
  type LookupOutcome,
  type NotSentOutcome,
  type PaymentGatewayAdapter,
  type PaymentOutcome,
  type RetrieveByReferenceInput,
  type RetrieveInput,
  type WebhookInput,
  type WebhookParseResult,
} from '@app/pg-contract';
import { TossBillingClient } from './toss-billing.client';
import {
  cancelResultToOutcome,
  chargeResultToOutcome,
  lookupResultToOutcome,
  parseTossBillingWebhook,
  transportOutcome,
} from './toss-billing.mapper';
import { tossBillingRefusal } from './toss-billing.refusals';
import { TOSS_BILLING_OPTIONS, type TossBillingCredentials, type TossBillingOptions } from './toss-billing.types';

export const TOSS_BILLING_CODE = 'toss-billing';

export const TOSS_BILLING_DESCRIPTOR: GatewayDescriptor = Object.freeze({
  code: TOSS_BILLING_CODE,
  displayName: 'Toss Payments automatic billing (card)',
  paymentMethod: 'card',
  // The client key is the browser's (SDK init); the secret key is not.
  publicCredentialFields: Object.freeze(['clientKey']),
  capabilities: Object.freeze({
    oneTimePayments: false,
    billingKeys: true,
    // Toss documents no API that deletes a billing key (README "Billing key deletion"): the core revokes locally.
    billingKeyDeletion: false,
    // requestBillingAuth redirects the buyer to successUrl/failUrl (SDK typings, BaseBillingAuthRequest).
    billingKeyFlow: 'redirect' as const,
    // POST /v1/payments/{paymentKey}/cancel with an optional cancelAmount (partial) applies to billing payments too.
    cancel: true,
    partialCancel: true,
    // Toss payment webhooks carry no signature: a pointer to re-fetch.
    webhookKind: 'unsigned' as const,
    currencies: Object.freeze(['KRW']),
    // confirmBillingPayment has no currency field (OAS: amount is an integer of won): a USD amount would be charged
    // as won, so it is refused before anything is sent.
    refusesCurrencies: Object.freeze(['USD']),
  }),
});

const CUSTOMER_KEY = /^[A-Za-z0-9\-_=.,@]{2,300}$/;
const ORDER_NAME_MAX = 100;
// Toss's answers to an orderId it has seen before (error-code page): our earlier attempt may have charged.
const ALREADY_USED_ORDER = new Set(['ALREADY_PROCESSED_PAYMENT', 'DUPLICATED_ORDER_ID']);
const BUYER_FIELD_MAX = 100;

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 40);

/** First `max` code points of `s`. */
const clip = (s: string, max: number) => [...s].slice(0, max).join('');

/**
 * The `toss-billing` gateway: Toss Payments automatic billing (card billing keys, KRW) over its own small client.
 * Stateless; the core owns keys, charges and their transitions.
 */
@Injectable()
export class TossBillingAdapter implements PaymentGatewayAdapter<TossBillingCredentials>, OnModuleDestroy {
  readonly descriptor = TOSS_BILLING_DESCRIPTOR;
  private readonly client: TossBillingClient;

  /**
   * Options are required (the registration entry provides them, see toss-billing.options.ts): without them the
   * adapter refuses to boot rather than guess a host, so a sandbox deployment can never reach Toss by default.
   */
  constructor(@Inject(TOSS_BILLING_OPTIONS) options: TossBillingOptions, @Optional() client?: TossBillingClient) {
    if (!client && !options)
      throw new Error('TossBillingAdapter: TOSS_BILLING_OPTIONS must be provided by the registration entry');
    this.client = client ?? new TossBillingClient(options);
  }

  onModuleDestroy(): void {
    this.client.close();
  }

  checkCredentials(raw: unknown): CredentialCheck<TossBillingCredentials> {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const problems: string[] = [];
    const ck = typeof r.clientKey === 'string' ? /^(test|live)_ck_[\x21-\x7E]+$/.exec(r.clientKey) : null;
    const sk = typeof r.secretKey === 'string' ? /^(test|live)_sk_[\x21-\x7E]+$/.exec(r.secretKey) : null;
    if (!ck) problems.push('clientKey must be a Toss client key (test_ck_… or live_ck_…)');
    if (!sk) problems.push('secretKey must be a Toss secret key (test_sk_… or live_sk_…)');
    // A test client key with a live secret key (or the reverse) never works: say so before anything is charged.
    if (ck && sk && ck[1] !== sk[1])
      problems.push('clientKey and secretKey must both be test keys or both be live keys');
    return problems.length
      ? { ok: false, problems }
      : { ok: true, credentials: { clientKey: r.clientKey as string, secretKey: r.secretKey as string } };
  }

  /**
   * The v1.1 checkout for the SDK v2: `TossPayments(clientKey).payment({ customerKey }).requestBillingAuth(request)`.
   * `customerKey` is the id the core minted; success/fail go to the core's return routes. Sends nothing.
   */
  async issueBillingKey(
    c: TossBillingCredentials,
    input: IssueBillingKeyInput,
  ): Promise<ClientRequest | NotSentOutcome> {
    if (!CUSTOMER_KEY.test(input.billingKey))
      return notSent(
        'invalid_request',
        'INVALID_CUSTOMER_KEY',
        'customerKey must be 2-300 characters of [A-Za-z0-9-_=.,@]',
        false,
      );
    if (!isAbsoluteUrl(input.returnUrl) || !isAbsoluteUrl(input.failUrl)) {
      return notSent(
        'invalid_request',
        'RETURN_URL_REQUIRED',
        'requestBillingAuth redirects: returnUrl and failUrl must be absolute http(s) URLs',
        false,
      );
    }
    const name = [input.buyer?.firstName, input.buyer?.lastName]
      .filter((s) => typeof s === 'string' && s.trim() !== '')
      .join(' ');
    const email = input.buyer?.email;
    return {
      sdk: 'tosspayments-v2',
      init: { clientKey: c.clientKey, customerKey: input.billingKey },
      method: 'requestBillingAuth',
      request: {
        method: 'CARD',
        successUrl: input.returnUrl,
        failUrl: input.failUrl,
        ...(email && [...email].length <= BUYER_FIELD_MAX ? { customerEmail: email } : {}),
        ...(name ? { customerName: clip(name, BUYER_FIELD_MAX) } : {}),
      },
    };
  }

  /**
   * The buyer came back to our return route. The pointer (`customerKey`, `authKey`, or the fail redirect's `code`,
   * `message`) is untrusted and reaches us over an unauthenticated route: only Toss issuing a key for this
   * customerKey proves anything. Whatever cannot be tied to this issuance answers a pointer failure
   * (INVALID_POINTER, REFERENCE_MISMATCH), so the core leaves the key pending instead of failing it on a forged URL.
   */
  async completeBillingKey(
    c: TossBillingCredentials,
    input: CompleteBillingKeyInput,
    o: CallOptions = {},
  ): Promise<BillingKeyOutcome> {
    const p = input.pointer ?? {};
    if (p.authKey === undefined && typeof p.code === 'string') {
      // A failUrl redirect (SDK BaseBillingAuthRequest: code, message): Toss offers no way to verify it, so it is
      // never a verdict on this issuance; the buyer can open the window again.
      return {
        status: 'FAILED',
        code: 'INVALID_POINTER',
        message: `the buyer's window ended on the fail URL (${clip(p.code.replace(/[^A-Z0-9_]/gi, ''), 64)}); unverifiable, nothing issued`,
      };
    }
    if (p.customerKey !== input.billingKey)
      return { status: 'FAILED', code: 'REFERENCE_MISMATCH', message: 'the redirect is for another billing key' };
    if (typeof p.authKey !== 'string' || !/^[\x21-\x7E]{1,300}$/.test(p.authKey))
      return { status: 'FAILED', code: 'INVALID_POINTER', message: 'the redirect carries no valid authKey' };
    // One key per (customerKey, authKey): a retry after a timeout gets Toss's first answer, not a second issuance.
    const res = await this.client.issueBillingKey(
      c,
      { authKey: p.authKey, customerKey: input.billingKey },
      { idempotencyKey: `tbi-${sha(`${input.billingKey}:${p.authKey}`)}`, signal: o.signal },
    );
    if (res.kind === 'ok') {
      if (res.data.customerKey !== input.billingKey)
        return { status: 'FAILED', code: 'REFERENCE_MISMATCH', message: 'Toss issued the key for another customerKey' };
      const card = res.data.card ?? {};
      const active: BillingKeyActiveOutcome = {
        status: 'ACTIVE',
        billingKey: input.billingKey,
        gatewayBillingKey: res.data.billingKey,
        rawStatus: 'ISSUED',
        extra: {
          method: res.data.method ?? null,
          cardType: card.cardType ?? null,
          issuerCode: card.issuerCode ?? null,
        },
      };
      return active;
    }
    if (res.kind === 'pg_error') {
      const refusal = tossBillingRefusal(res.code, res.httpStatus);
      if (refusal.kind === 'unknown')
        return unknownOutcome(res.httpStatus >= 500 ? 'server_error' : 'unmapped_status', res.message, {
          code: res.code,
          httpStatus: res.httpStatus,
        });
      if (refusal.fault === 'merchant') return notSent('refused_by_pg', res.code, res.message, true);
      // Toss refused this authKey (made up, expired, used for another customerKey: its exact code is not documented):
      // the pointer is wrong, not the issuance, so the key stays pending.
      return { status: 'FAILED', code: 'INVALID_POINTER', message: `Toss refused the authKey (${res.code})` };
    }
    if (res.kind === 'invalid_request')
      return { status: 'FAILED', code: 'INVALID_POINTER', message: `${res.field}: ${res.message}` };
    return transportOutcome(res);
  }

  /**
   * Charges Toss's key (`billingKey`) for the customerKey it was issued to (`issuedAs`). The Idempotency-Key is the
   * reference's, so a re-send after an UNKNOWN can never charge twice; "already processed" answers are looked up.
   */
  async chargeBillingKey(
    c: TossBillingCredentials,
    input: ChargeBillingKeyInput,
    o: CallOptions = {},
  ): Promise<PaymentOutcome> {
    const refused = preflightAmount(this.descriptor, input.amount);
    if (refused) return refused;
    const customerKey = input.issuedAs;
    if (typeof customerKey !== 'string' || !CUSTOMER_KEY.test(customerKey)) {
      return notSent(
        'invalid_request',
        'ISSUED_AS_REQUIRED',
        'Toss charges need the customerKey the key was issued to (issuedAs)',
        false,
      );
    }
    if (input.billingKey === customerKey) {
      // Toss mints its own key: being handed our customerKey as the key means the core lost Toss's key. Send nothing.
      return notSent(
        'invalid_request',
        'GATEWAY_BILLING_KEY_REQUIRED',
        "charge Toss's billingKey (gatewayBillingKey), not the customerKey",
        false,
      );
    }
    const name = [input.buyer?.firstName, input.buyer?.lastName]
      .filter((s) => typeof s === 'string' && s.trim() !== '')
      .join(' ');
    const res = await this.client.chargeBillingKey(
      c,
      input.billingKey,
      {
        customerKey,
        amount: toMajorNumber(input.amount),
        orderId: input.reference,
        orderName: clip(input.orderName.trim() || 'Subscription', ORDER_NAME_MAX),
        ...(input.buyer?.email && [...input.buyer.email].length <= BUYER_FIELD_MAX
          ? { customerEmail: input.buyer.email }
          : {}),
        ...(name ? { customerName: clip(name, BUYER_FIELD_MAX) } : {}),
      },
      { idempotencyKey: `tbc-${input.reference}`, signal: o.signal },
    );
    if (res.kind === 'pg_error' && ALREADY_USED_ORDER.has(res.code)) {
      // This orderId was used before (an earlier attempt of ours): the payment under it is the answer.
      const found = await this.retrieveByReference(c, { reference: input.reference, expected: input.amount }, o);
      return found.status === 'NOT_FOUND'
        ? unknownOutcome('unmapped_status', `${res.code} but no payment under the orderId yet`, {
            code: res.code,
            httpStatus: res.httpStatus,
          })
        : found;
    }
    return checkIntegrity(input.amount, chargeResultToOutcome(res), { reference: input.reference });
  }

  async retrieve(c: TossBillingCredentials, input: RetrieveInput, o: CallOptions = {}): Promise<LookupOutcome> {
    const res = await this.client.getPayment(c, input.gatewayPaymentId, { signal: o.signal });
    return checkIntegrity(
      input.expected,
      lookupResultToOutcome(res),
      input.reference !== undefined ? { reference: input.reference } : {},
    );
  }

  async retrieveByReference(
    c: TossBillingCredentials,
    input: RetrieveByReferenceInput,
    o: CallOptions = {},
  ): Promise<LookupOutcome> {
    const res = await this.client.getPaymentByOrderId(c, input.reference, { signal: o.signal });
    return checkIntegrity(input.expected, lookupResultToOutcome(res), { reference: input.reference });
  }

  /** Cancels all (no `amount`) or part; `cancelId` is the Idempotency-Key so a retry never refunds twice. */
  async cancel(c: TossBillingCredentials, input: CancelInput, o: CallOptions = {}): Promise<CancelOutcome> {
    if (input.amount) {
      const refused = preflightAmount(this.descriptor, input.amount);
      if (refused) return refused;
    }
    if (input.reason.trim() === '' || [...input.reason].length > 200)
      return notSent('invalid_request', 'INVALID_REASON', 'reason must be 1-200 characters, not blank', false);
    const res = await this.client.cancel(
      c,
      input.gatewayPaymentId,
      { cancelReason: input.reason, ...(input.amount ? { cancelAmount: toMajorNumber(input.amount) } : {}) },
      { idempotencyKey: `tbx-${sha(input.cancelId)}`, signal: o.signal },
    );
    return cancelResultToOutcome(res);
  }

  /** A pointer to re-fetch, never a state (Toss payment webhooks are unsigned). */
  parseWebhook(_c: TossBillingCredentials, input: WebhookInput): WebhookParseResult {
    return parseTossBillingWebhook(input);
  }
}

function isAbsoluteUrl(v: unknown): v is string {
  if (typeof v !== 'string') return false;
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
