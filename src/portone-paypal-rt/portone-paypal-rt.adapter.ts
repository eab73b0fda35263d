import { Injectable } from '@nestjs/common';
import {
  checkIntegrity,
  notSent,
  preflightAmount,
  subtractMoney,
  toMajorNumber,
  unknownOutcome,
  type BillingKeyOutcome,
  type CallOptions,
  type CancelInput,
  type CancelOutcome,
  type ChargeBillingKeyInput,
  type ClientRequest,
  type CompleteBillingKeyInput,
  type CredentialCheck,
  type DeleteBillingKeyInput,
  type DeleteBillingKeyOutcome,
  type GatewayDescriptor,
  type IssueBillingKeyInput,
  type LookupOutcome,
  type Money,
  type NotSentOutcome,
  type PaymentGatewayAdapter,
  type PaymentOutcome,
  type RetrieveByReferenceInput,
  type RetrieveInput,
  type WebhookInput,
  type WebhookParseResult,
} from '@app/pg-contract';
import { isPortoneNotFound, PortoneClient } from '@app/portone-client';
import { failureOutcome, lookupFailureOutcome, paymentOutcome, readPayment } from './portone-paypal-rt.mapper';
import { PORTONE_PAYPAL_RT_DESCRIPTOR, type PortonePaypalRtCredentials } from './portone-paypal-rt.descriptor';
import { clientCredentials } from './portone-paypal-rt.helpers';
import { confirmRefusal, fetchPayment, findByReference, resolvePending } from './portone-paypal-rt.lookups';
import {
  againRequest,
  checkRtCredentials,
  invalidBillingKey,
  invalidReference,
  loadUiRequest,
} from './portone-paypal-rt.requests';
import { parseRtWebhook } from './portone-paypal-rt.webhooks';

// The descriptor and credentials type live in portone-paypal-rt.descriptor.ts; re-exported for existing imports.
export {
  PORTONE_DEFAULT_BILLING_KEY_NAME,
  PORTONE_PAYPAL_RT_CODE,
  PORTONE_PAYPAL_RT_DESCRIPTOR,
  type PortonePaypalRtCredentials,
} from './portone-paypal-rt.descriptor';

/**
 * The `portone-paypal-rt` adapter over {@link PortoneClient}. Stateless: the core owns billing keys and charges; this
 * class only turns contract inputs into PortOne calls and PortOne answers into outcomes with certainty. Requests are
 * built in portone-paypal-rt.requests.ts, look-ups read in .lookups.ts, webhooks parsed in .webhooks.ts.
 */
@Injectable()
export class PortonePaypalRtAdapter implements PaymentGatewayAdapter<PortonePaypalRtCredentials> {
  readonly descriptor: GatewayDescriptor = PORTONE_PAYPAL_RT_DESCRIPTOR;

  constructor(private readonly client: PortoneClient) {}

  /** Checks the shape of credentials; problems name fields, never values. */
  checkCredentials(raw: unknown): CredentialCheck<PortonePaypalRtCredentials> {
    return checkRtCredentials(raw);
  }

  // ---- billing keys ----------------------------------------------------------------------------------------------

  /** The `IMP.loadUI('paypal-rt', request, callback)` request of seed 004, STC as an object. Sends nothing. */
  async issueBillingKey(
    credentials: PortonePaypalRtCredentials,
    input: IssueBillingKeyInput,
  ): Promise<ClientRequest | NotSentOutcome> {
    return loadUiRequest(credentials, input);
  }

  /**
   * The callback's `imp_uid` is only a pointer: the payment is fetched, must be this issuance (our merchant_uid, our
   * customer_uid, usage `issue`), and a paid issuance is confirmed by the key's own record at PortOne.
   */
  async completeBillingKey(
    credentials: PortonePaypalRtCredentials,
    input: CompleteBillingKeyInput,
    options: CallOptions = {},
  ): Promise<BillingKeyOutcome> {
    // The loadUI callback's imp_uid, or the core's generic `gatewayPaymentId` (a webhook's or the reconciler's pointer).
    const impUid = input.pointer.imp_uid ?? input.pointer.gatewayPaymentId;
    if (typeof impUid !== 'string' || impUid === '' || impUid.length > 200) {
      return { status: 'FAILED', code: 'INVALID_POINTER', message: 'the callback did not carry an imp_uid' };
    }
    const claimed = input.pointer.merchant_uid;
    if (claimed !== undefined && claimed !== input.reference) {
      return { status: 'FAILED', code: 'REFERENCE_MISMATCH', message: 'the pointer names another issuance' };
    }
    const fetched = await fetchPayment(this.client, credentials, impUid, options);
    if (!('payment' in fetched)) {
      return fetched.status === 'NOT_FOUND'
        ? { status: 'FAILED', code: 'PAYMENT_NOT_FOUND', message: 'PortOne has no such payment for this merchant' }
        : fetched;
    }
    const p = fetched.payment;
    if (p.merchantUid !== input.reference || p.customerUid !== input.billingKey || p.customerUidUsage !== 'issue') {
      return {
        status: 'FAILED',
        code: 'REFERENCE_MISMATCH',
        message: 'the payment is not this billing-key issuance',
        gatewayPaymentId: p.impUid,
        rawStatus: p.status,
      };
    }
    const outcome = paymentOutcome(p);
    switch (outcome.status) {
      case 'SUCCEEDED': {
        const customer = await this.client.getCustomer(clientCredentials(credentials), input.billingKey, options);
        if (customer.kind === 'ok')
          return {
            status: 'ACTIVE',
            billingKey: input.billingKey,
            gatewayPaymentId: p.impUid,
            rawStatus: p.status,
            extra: { sandbox: p.sandbox },
          };
        const failure = lookupFailureOutcome(customer);
        if (failure.status === 'NOT_FOUND')
          return {
            status: 'FAILED',
            code: 'BILLING_KEY_NOT_FOUND',
            message: 'PortOne does not know this billing key',
            gatewayPaymentId: p.impUid,
            rawStatus: p.status,
          };
        return failure;
      }
      case 'PENDING':
        return {
          status: 'PENDING',
          billingKey: input.billingKey,
          gatewayPaymentId: p.impUid,
          rawStatus: p.status,
          ...(outcome.reason ? { reason: outcome.reason } : {}),
        };
      case 'DECLINED':
        return {
          status: 'FAILED',
          code: outcome.code,
          message: outcome.message,
          gatewayPaymentId: p.impUid,
          rawStatus: p.status,
        };
      case 'UNKNOWN':
        return outcome;
      default:
        return unknownOutcome('unmapped_status', `issuance payment is ${p.status}`, {
          gatewayPaymentId: p.impUid,
          rawStatus: p.status,
        });
    }
  }

  /** `DELETE /subscribe/customers/{customer_uid}`; a key PortOne does not know is already deleted (idempotent). */
  async deleteBillingKey(
    credentials: PortonePaypalRtCredentials,
    input: DeleteBillingKeyInput,
    options: CallOptions = {},
  ): Promise<DeleteBillingKeyOutcome> {
    const invalid = invalidBillingKey(input.billingKey);
    if (invalid) return invalid;
    const reason = input.reason?.slice(0, 200);
    const res = await this.client.deleteCustomer(clientCredentials(credentials), input.billingKey, {
      ...options,
      ...(reason ? { reason } : {}),
    });
    if (res.kind === 'ok') return { status: 'DELETED', alreadyAbsent: false };
    if (isPortoneNotFound(res)) return { status: 'DELETED', alreadyAbsent: true };
    const failure = failureOutcome(res);
    return failure.status === 'DECLINED'
      ? { status: 'DECLINED', code: failure.code, message: failure.message }
      : failure;
  }

  /**
   * `POST /subscribe/payments/again`. Approved only when the payment is `paid`; a `failed` answer is re-read with
   * `extension` (PayPal may hold it pending); a refused request is checked against what PortOne already has under the
   * merchant_uid, because a replay of a paid merchant_uid is refused too and must not read as a decline.
   */
  async chargeBillingKey(
    credentials: PortonePaypalRtCredentials,
    input: ChargeBillingKeyInput,
    options: CallOptions = {},
  ): Promise<PaymentOutcome> {
    const refused = preflightAmount(this.descriptor, input.amount);
    if (refused) return refused;
    const request = againRequest(input);
    if ('status' in request) return request;
    const creds = clientCredentials(credentials);
    const res = await this.client.again(creds, request, options);
    if (res.kind === 'ok') {
      const read = readPayment(res.data);
      if ('problem' in read) return unknownOutcome('unreadable_response', read.problem, { httpStatus: res.httpStatus });
      const resolved = await resolvePending(this.client, credentials, read, options);
      const checked = checkIntegrity(input.amount, resolved, { reference: input.reference }) as PaymentOutcome;
      return checked.status === 'DECLINED'
        ? confirmRefusal(this.client, credentials, input.billingKey, checked, options)
        : checked;
    }
    const outcome = failureOutcome(res);
    if (outcome.status !== 'DECLINED') return outcome;
    // Refused: because this merchant_uid already holds a payment (a replay)? Only a lookup can tell.
    const existing = await findByReference(this.client, credentials, input.reference, options);
    if (existing.status === 'NOT_FOUND' || existing.status === 'DECLINED')
      return confirmRefusal(this.client, credentials, input.billingKey, outcome, options);
    if (existing.status === 'UNKNOWN' || existing.status === 'NOT_SENT') {
      return unknownOutcome(
        'unreadable_response',
        `charge refused (${outcome.message}) and the existing payment could not be looked up`,
      );
    }
    return checkIntegrity(input.amount, existing, { reference: input.reference }) as PaymentOutcome;
  }

  // ---- lookups ---------------------------------------------------------------------------------------------------

  /** `GET /payments/{imp_uid}?extension=true`, checked against what we expected. */
  async retrieve(
    credentials: PortonePaypalRtCredentials,
    input: RetrieveInput,
    options: CallOptions = {},
  ): Promise<LookupOutcome> {
    const fetched = await fetchPayment(this.client, credentials, input.gatewayPaymentId, options);
    if (!('payment' in fetched)) return fetched;
    return checkIntegrity(
      input.expected,
      paymentOutcome(fetched.payment),
      input.reference !== undefined ? { reference: input.reference } : {},
    );
  }

  /** Every attempt under our merchant_uid (`findAll`); the one that tells the truth is picked by {@link pickAttempt}. */
  async retrieveByReference(
    credentials: PortonePaypalRtCredentials,
    input: RetrieveByReferenceInput,
    options: CallOptions = {},
  ): Promise<LookupOutcome> {
    const invalid = invalidReference(input.reference);
    if (invalid) return invalid;
    return checkIntegrity(input.expected, await findByReference(this.client, credentials, input.reference, options), {
      reference: input.reference,
    });
  }

  // ---- cancel ----------------------------------------------------------------------------------------------------

  /**
   * `POST /payments/cancel` with `checksum` (the balance we believe in: a stale view is refused). A cancel is done
   * only when it appears in `cancel_history`; a PayPal cancel PortOne accepted but PayPal has not approved is PENDING.
   */
  async cancel(
    credentials: PortonePaypalRtCredentials,
    input: CancelInput,
    options: CallOptions = {},
  ): Promise<CancelOutcome> {
    if (input.amount) {
      const refused = preflightAmount(this.descriptor, input.amount);
      if (refused) return refused;
    }
    if (typeof input.reason !== 'string' || input.reason.trim() === '')
      return notSent('invalid_request', 'INVALID_REASON', 'reason is required', false);
    const before = await fetchPayment(this.client, credentials, input.gatewayPaymentId, options);
    if (!('payment' in before)) {
      return before.status === 'NOT_FOUND'
        ? { status: 'DECLINED', code: 'PAYMENT_NOT_FOUND', message: before.message }
        : before;
    }
    const p = before.payment;
    if (p.merchantUid !== input.reference)
      return notSent('invalid_request', 'REFERENCE_MISMATCH', 'the payment does not carry this reference', false);
    if (input.amount && input.amount.currency !== p.amount.currency)
      return notSent('invalid_request', 'CURRENCY_MISMATCH', `payment is in ${p.amount.currency}`, false);
    const balance = subtractMoney(p.amount, p.cancelled);
    const checksum = input.refundableBalance ?? balance;
    if (checksum.currency !== p.amount.currency)
      return notSent('invalid_request', 'CURRENCY_MISMATCH', `payment is in ${p.amount.currency}`, false);
    const requested: Money = input.amount ?? balance;
    if (requested.amount <= 0)
      return { status: 'DECLINED', code: 'NOTHING_TO_CANCEL', message: 'the payment has no refundable balance' };

    const res = await this.client.cancel(
      clientCredentials(credentials),
      {
        imp_uid: p.impUid,
        reason: input.reason.slice(0, 200),
        checksum: toMajorNumber(checksum),
        ...(input.amount ? { amount: toMajorNumber(input.amount) } : {}),
        // Without it PortOne sends no webhook after an API cancel, and a pending one would settle only by look-up.
        enable_webhook: true,
      },
      options,
    );
    if (res.kind !== 'ok') {
      // Official clients' tests: an unknown imp_uid is HTTP 200 code 1 "취소할 결제건이 존재하지 않습니다".
      if (isPortoneNotFound(res))
        return {
          status: 'DECLINED',
          code: 'PAYMENT_NOT_FOUND',
          message: res.kind === 'pg_error' ? res.message : 'not found',
        };
      const failure = failureOutcome(res);
      return failure.status === 'DECLINED'
        ? { status: 'DECLINED', code: failure.code, message: failure.message }
        : failure;
    }
    const after = readPayment(res.data);
    if ('problem' in after) return unknownOutcome('unreadable_response', after.problem, { httpStatus: res.httpStatus });
    const known = new Set(p.cancelHistory.map((c) => c.cancellationId));
    const added = after.cancelHistory.filter((c) => !known.has(c.cancellationId));
    if (added.length === 0) return { status: 'PENDING', requested, rawStatus: after.status };
    const refunded = added.reduce<Money>(
      (sum, c) => ({ amount: sum.amount + c.amount.amount, currency: sum.currency }),
      { amount: 0, currency: p.amount.currency },
    );
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

  /** PortOne's unsigned `{ imp_uid, merchant_uid, status }` pointer; see {@link parseRtWebhook}. */
  parseWebhook(_credentials: PortonePaypalRtCredentials, input: WebhookInput): WebhookParseResult {
    return parseRtWebhook(input);
  }
}
