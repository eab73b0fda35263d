import { Injectable } from '@nestjs/common';
import {
  checkIntegrity,
  fromMajorUnits,
  notSent,
  preflightAmount,
  toMajorNumber,
  toMajorUnits,
  unknownOutcome,
  type CallOptions,
  type CancelInput,
  type CancelOutcome,
  type CheckoutPreparation,
  type ConfirmInput,
  type CredentialCheck,
  type GatewayCancelView,
  type GatewayDescriptor,
  type LookupOutcome,
  type Money,
  type NotSentOutcome,
  type OneTimeFlow,
  type PaymentGatewayAdapter,
  type PaymentInspection,
  type PaymentOutcome,
  type PaymentPointer,
  type PrepareCheckoutInput,
  type RefusalAdvice,
  type RetrieveByReferenceInput,
  type RetrieveInput,
  type ReturnCheck,
  type WebhookInput,
  type WebhookParseResult,
} from '@app/pg-contract';
import {
  parseTossWebhook,
  TossClient,
  type TossCancelRequest,
  type TossPayment,
  type TossResult,
} from '@app/toss-client';
import {
  cancelsOf,
  confirmResultToOutcome,
  lookupResultToOutcome,
  refundedOf,
  TOSS_CURRENCY,
  type TossCancelView,
} from './toss-foreign-pay.mapper';
import { checkRedirect, confirmIdempotencyKey } from './toss-foreign-pay.redirect';
import { checkTossReturn, describeTossRefusal } from './toss-foreign-pay.onetime';

/** A merchant's Toss keys for the PayPal MID (foreign easy pay has its own key pair). */
export interface TossForeignPayCredentials {
  /** `test_ck_…` / `live_ck_…`: public, handed to the browser SDK. */
  readonly clientKey: string;
  /** `test_sk_…` / `live_sk_…`: server only, never logged or returned. */
  readonly secretKey: string;
}

export const TOSS_FOREIGN_PAY_CODE = 'toss-foreign-pay';

/** The credentials the core resolves for this gateway: the adapter's, marked in sandbox mode when they are test keys. */
export type TossCredentials = TossForeignPayCredentials & { readonly sandbox?: boolean };

export const TOSS_FOREIGN_PAY_DESCRIPTOR: GatewayDescriptor = Object.freeze({
  code: TOSS_FOREIGN_PAY_CODE,
  displayName: 'Toss Payments foreign easy pay (PayPal)',
  capabilities: Object.freeze({
    oneTimePayments: true,
    billingKeys: false,
    cancel: true,
    partialCancel: true,
    webhookKind: 'unsigned' as const,
    // Foreign easy pay takes USD only (seed 000).
    currencies: Object.freeze(['USD']),
    refusesCurrencies: Object.freeze(['KRW']),
  }),
  paymentMethod: 'paypal',
  webhookAliases: Object.freeze(['toss']),
  publicCredentialFields: Object.freeze(['clientKey']),
  // The v1 error codes of Toss orders (TOSS_AMOUNT_MISMATCH, …), kept by the one-time payments core.
  errorCodePrefix: 'TOSS',
});

/** The payment as Toss reports it, with its cancels (the contract's inspection). */
export type TossPaymentInspection = PaymentInspection;

/**
 * The `toss-foreign-pay` gateway: Toss Payments foreign easy pay (PayPal, USD, redirect flow) over `TossClient`.
 * Stateless: the core owns orders and their transitions.
 */
@Injectable()
export class TossForeignPayAdapter implements PaymentGatewayAdapter<TossForeignPayCredentials> {
  readonly descriptor = TOSS_FOREIGN_PAY_DESCRIPTOR;

  constructor(private readonly toss: TossClient) {}

  checkCredentials(raw: unknown): CredentialCheck<TossForeignPayCredentials> {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const problems: string[] = [];
    // Toss key formats (docs.tosspayments.com, API keys): test_/live_ prefixed; gck/gsk are the payment-widget pair.
    if (typeof r.clientKey !== 'string' || !/^(test|live)_(ck|gck)_[A-Za-z0-9_-]{1,200}$/.test(r.clientKey))
      problems.push('clientKey must be a Toss client key (test_ck_… or live_ck_…)');
    if (typeof r.secretKey !== 'string' || !/^(test|live)_(sk|gsk)_[A-Za-z0-9_-]{1,200}$/.test(r.secretKey))
      problems.push('secretKey must be a Toss secret key (test_sk_… or live_sk_…)');
    return problems.length
      ? { ok: false, problems }
      : { ok: true, credentials: { clientKey: r.clientKey as string, secretKey: r.secretKey as string } };
  }

  /** The SDK's `requestPayment` parameters (seed 000). Sends nothing. */
  async prepareCheckout(
    c: TossForeignPayCredentials,
    input: PrepareCheckoutInput,
  ): Promise<CheckoutPreparation | NotSentOutcome> {
    const refused = preflightAmount(this.descriptor, input.amount);
    if (refused) return refused;
    if (!/^[A-Za-z0-9_=-]{6,64}$/.test(input.reference))
      return notSent(
        'invalid_request',
        'INVALID_REFERENCE',
        'orderId must be 6-64 characters of [A-Za-z0-9_=-]',
        false,
      );
    if (input.orderName.length < 1 || input.orderName.length > 100)
      return notSent('invalid_request', 'INVALID_ORDER_NAME', 'orderName must be 1-100 characters', false);
    const country = input.buyer?.country;
    if (!country || !/^[A-Z]{2}$/.test(country))
      return notSent(
        'invalid_request',
        'COUNTRY_REQUIRED',
        "the buyer's ISO 3166-1 alpha-2 country is required",
        false,
      );
    const ctx = input.riskContext && Object.keys(input.riskContext).length > 0 ? input.riskContext : undefined;
    return {
      reference: input.reference,
      amount: input.amount,
      client: {
        sdk: 'tosspayments-v2',
        init: { clientKey: c.clientKey },
        method: 'requestPayment',
        request: {
          method: 'FOREIGN_EASY_PAY',
          amount: { currency: TOSS_CURRENCY, value: toMajorNumber(input.amount) },
          orderId: input.reference,
          orderName: input.orderName,
          successUrl: input.successUrl,
          failUrl: input.failUrl,
          // STC goes inside `foreignEasyPay`: the SDK typings (ForeignEasyPayPaymentRequest in
          // @tosspayments/tosspayments-sdk types/index.d.ts) have no top-level paymentMethodOptions.
          foreignEasyPay: {
            provider: 'PAYPAL',
            country,
            ...(ctx ? { paymentMethodOptions: { paypal: { setTransactionContext: { ...ctx } } } } : {}),
          },
        },
      },
    };
  }

  /**
   * Confirms with the stored amount after comparing the redirect with it (a tampered one is NOT_SENT
   * `AMOUNT_MISMATCH`). The Idempotency-Key is derived from the order and checkout, so a retry never confirms twice.
   */
  async confirm(c: TossForeignPayCredentials, input: ConfirmInput, o: CallOptions = {}): Promise<PaymentOutcome> {
    const refused = preflightAmount(this.descriptor, input.expected);
    if (refused) return refused;
    // A re-send after an unknown outcome names the stored paymentKey: the redirect it was checked from, rebuilt.
    const pointer =
      input.gatewayPaymentId !== undefined
        ? { paymentKey: input.gatewayPaymentId, orderId: input.reference, amount: toMajorUnits(input.expected) }
        : input.pointer;
    const redirect = checkRedirect(input.reference, input.expected, pointer);
    if (!redirect.ok) return redirect.refused;
    const res = await this.toss.confirm(
      { secretKey: c.secretKey },
      { paymentKey: redirect.paymentKey, orderId: input.reference, amount: toMajorNumber(input.expected) },
      { idempotencyKey: confirmIdempotencyKey(input.reference, redirect.paymentKey), signal: o.signal },
    );
    if (res.kind === 'pg_error' && res.code === 'ALREADY_PROCESSED_PAYMENT') {
      // Confirmed before (by us, under another key): the payment itself is the answer.
      return (await this.retrieve(
        c,
        { gatewayPaymentId: redirect.paymentKey, expected: input.expected, reference: input.reference },
        o,
      )) as PaymentOutcome;
    }
    if (
      res.kind === 'pg_error' &&
      res.code === 'FORBIDDEN_REQUEST' &&
      (await this.isAnotherOrdersKey(c, redirect.paymentKey, input.reference, o))
    ) {
      // Seed 000: FORBIDDEN_REQUEST = our key pair, or an orderId/paymentKey that differs from the original request.
      // A paymentKey Toss files under another orderId was swapped into the redirect: the buyer's doing, not our keys.
      return notSent(
        'invalid_request',
        'PAYMENT_KEY_MISMATCH',
        "the redirect's paymentKey belongs to another order",
        false,
      );
    }
    return checkIntegrity(input.expected, confirmResultToOutcome(res), { reference: input.reference });
  }

  /** True only when Toss shows the payment and files it under another orderId (any failure: false). */
  private async isAnotherOrdersKey(
    c: TossForeignPayCredentials,
    paymentKey: string,
    reference: string,
    o: CallOptions,
  ): Promise<boolean> {
    const res = await this.toss.getPayment({ secretKey: c.secretKey }, paymentKey, { signal: o.signal });
    return res.kind === 'ok' && typeof res.data.orderId === 'string' && res.data.orderId !== reference;
  }

  async retrieve(c: TossForeignPayCredentials, input: RetrieveInput, o: CallOptions = {}): Promise<LookupOutcome> {
    return (await this.inspect(c, { gatewayPaymentId: input.gatewayPaymentId }, input.expected, input.reference, o))
      .outcome;
  }

  async retrieveByReference(
    c: TossForeignPayCredentials,
    input: RetrieveByReferenceInput,
    o: CallOptions = {},
  ): Promise<LookupOutcome> {
    return (await this.inspect(c, { reference: input.reference }, input.expected, input.reference, o)).outcome;
  }

  /**
   * The payment (by paymentKey or orderId) checked against what we expect, plus its cancels: what a webhook, a
   * timed-out confirm or a timed-out cancel is resolved with.
   */
  async inspect(
    c: TossForeignPayCredentials,
    pointer: PaymentPointer,
    expected: Money,
    reference?: string,
    o: CallOptions = {},
  ): Promise<PaymentInspection> {
    const res =
      'gatewayPaymentId' in pointer
        ? await this.toss.getPayment({ secretKey: c.secretKey }, pointer.gatewayPaymentId, { signal: o.signal })
        : await this.toss.getPaymentByOrderId({ secretKey: c.secretKey }, pointer.reference, { signal: o.signal });
    const outcome = checkIntegrity(expected, lookupResultToOutcome(res), reference !== undefined ? { reference } : {});
    return { outcome, cancels: res.kind === 'ok' ? safeCancels(res.data).map(toGatewayCancel) : [] };
  }

  /** The success redirect compared with the stored order, sending nothing (the same check `confirm` makes first). */
  checkReturn(input: ConfirmInput): ReturnCheck {
    return checkTossReturn(input);
  }

  /** What a Toss code means for a step of the one-time flow (this folder's refusal tables). */
  describeRefusal(flow: OneTimeFlow, code: string, httpStatus?: number): RefusalAdvice {
    return describeTossRefusal(flow, code, httpStatus);
  }

  /**
   * Cancels all (no `amount`) or part; a partial cancel always carries `currency` (seed 000). `cancelId` is the
   * Idempotency-Key. Foreign easy pay cancels are asynchronous: IN_PROGRESS is PENDING until Toss says DONE.
   */
  async cancel(c: TossForeignPayCredentials, input: CancelInput, o: CallOptions = {}): Promise<CancelOutcome> {
    let body: TossCancelRequest = { cancelReason: input.reason };
    if (input.amount) {
      const refused = preflightAmount(this.descriptor, input.amount);
      if (refused) return refused;
      body = { cancelReason: input.reason, cancelAmount: toMajorNumber(input.amount), currency: input.amount.currency };
    }
    if (input.reason.trim() === '' || [...input.reason].length > 200)
      return notSent('invalid_request', 'INVALID_REASON', 'reason must be 1-200 characters, not blank', false);
    const res = await this.toss.cancel({ secretKey: c.secretKey }, input.gatewayPaymentId, body, {
      idempotencyKey: input.cancelId,
      signal: o.signal,
    });
    return cancelResultToOutcome(res);
  }

  /**
   * A pointer to re-fetch, never a state (payment webhooks are unsigned). CANCEL_STATUS_CHANGED carries the cancel
   * alone (no paymentKey in most deliveries): its transactionKey lets the core find the payment through its own cancel.
   * The body's status and cancel count are returned as a claim, for deduplication only.
   */
  parseWebhook(_c: TossForeignPayCredentials, input: WebhookInput): WebhookParseResult {
    const parsed = parseTossWebhook(input.body, input.headers);
    if (!parsed.ok) return { kind: 'ignore', reason: `${parsed.reason}: ${parsed.detail}` };
    const { event, transmission } = parsed;
    const dedup = transmission.id !== undefined ? { dedupKey: transmission.id } : {};
    const paymentKey = event.data.paymentKey;
    const orderId = event.data.orderId;
    if (event.eventType === 'CANCEL_STATUS_CHANGED') {
      const data = event.data;
      return {
        kind: 'refetch',
        ...(paymentKey ? { gatewayPaymentId: paymentKey } : {}),
        event: event.eventType,
        ...dedup,
        cancel: { gatewayCancelId: data.transactionKey, rawStatus: data.cancelStatus },
      };
    }
    if (!paymentKey && !orderId) return { kind: 'ignore', reason: `${event.eventType} names no payment` };
    const data = event.data;
    return {
      kind: 'refetch',
      ...(paymentKey ? { gatewayPaymentId: paymentKey } : {}),
      ...(orderId ? { reference: orderId } : {}),
      event: event.eventType,
      ...dedup,
      claim: { rawStatus: String(data.status), cancelCount: Array.isArray(data.cancels) ? data.cancels.length : 0 },
    };
  }
}

function toGatewayCancel(c: TossCancelView): GatewayCancelView {
  // StatusClass UNKNOWN is never produced for a cancel (no table fallback to it); treated as in progress if it were.
  return {
    gatewayCancelId: c.transactionKey,
    amount: c.amount,
    state: c.state === 'UNKNOWN' ? 'PENDING' : c.state,
    rawStatus: c.rawStatus,
  };
}

function safeCancels(p: TossPayment): TossCancelView[] {
  try {
    return cancelsOf(p);
  } catch {
    return [];
  }
}

/** A cancel answer → outcome. The new cancel is the last of `cancels`. */
export function cancelResultToOutcome(res: TossResult<TossPayment>): CancelOutcome {
  switch (res.kind) {
    case 'invalid_request':
      return notSent('invalid_request', 'INVALID_REQUEST', `${res.field}: ${res.message}`, false);
    case 'not_sent':
      return notSent('connection', res.reason.toUpperCase(), res.detail, true);
    case 'unknown':
      return unknownOutcome(
        res.reason === 'response_timeout' ? 'timeout' : res.reason === 'server_error' ? 'server_error' : 'connection',
        res.detail,
        {
          ...(res.httpStatus !== undefined ? { httpStatus: res.httpStatus } : {}),
          ...(res.code !== undefined ? { code: res.code } : {}),
        },
      );
    case 'pg_error':
      // Our keys (401) or the same Idempotency-Key still running (409): Toss did nothing with this request.
      if (res.httpStatus === 401) return notSent('refused_by_pg', res.code, res.message, false);
      if (res.httpStatus === 409) return notSent('refused_by_pg', res.code, res.message, true);
      return { status: 'DECLINED', code: res.code, message: res.message };
    default: {
      let cancels: TossCancelView[];
      try {
        cancels = cancelsOf(res.data);
      } catch (err) {
        return unknownOutcome('unreadable_response', (err as Error).message);
      }
      const last = cancels[cancels.length - 1];
      if (!last) return unknownOutcome('unreadable_response', 'the cancel answer lists no cancel');
      switch (last.state) {
        case 'SUCCEEDED': {
          const total = refundedOf(cancels);
          let paid: number;
          try {
            paid = fromMajorUnits(res.data.totalAmount, TOSS_CURRENCY).amount;
          } catch (err) {
            return unknownOutcome('unreadable_response', `unreadable totalAmount: ${(err as Error).message}`);
          }
          return {
            status: 'SUCCEEDED',
            refunded: last.amount,
            totalRefunded: total,
            remaining: { amount: paid - total.amount, currency: TOSS_CURRENCY },
            gatewayCancelId: last.transactionKey,
            rawStatus: res.data.status,
          };
        }
        case 'DECLINED':
          return { status: 'DECLINED', code: 'CANCEL_ABORTED', message: 'Toss aborted the cancel' };
        default:
          return {
            status: 'PENDING',
            requested: last.amount,
            gatewayCancelId: last.transactionKey,
            rawStatus: last.rawStatus,
          };
      }
    }
  }
}
