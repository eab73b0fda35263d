import {
  unknownOutcome,
  type CallOptions,
  type DeclinedOutcome,
  type LookupOutcome,
  type NotFoundOutcome,
  type NotSentOutcome,
  type UnknownOutcome,
} from '@app/pg-contract';
import { isPortoneNotFound, type PortoneClient } from '@app/portone-client';
import type { PortonePaypalRtCredentials } from './portone-paypal-rt.descriptor';
import { clientCredentials } from './portone-paypal-rt.helpers';
import {
  lookupFailureOutcome,
  paymentOutcome,
  pickAttempt,
  readPayment,
  type RtPayment,
} from './portone-paypal-rt.mapper';
import { classifyRefusal } from './portone-paypal-rt.refusals';

/** The read side of the `portone-paypal-rt` adapter: payments and keys looked up at PortOne, read with certainty. */

export type Fetched = { payment: RtPayment } | NotFoundOutcome | NotSentOutcome | UnknownOutcome;

/** `GET /payments/{imp_uid}?extension=true` read into a payment, or the outcome that replaces it. */
export async function fetchPayment(
  client: PortoneClient,
  credentials: PortonePaypalRtCredentials,
  impUid: string,
  options: CallOptions,
): Promise<Fetched> {
  const res = await client.getPayment(clientCredentials(credentials), impUid, { ...options, extension: true });
  if (res.kind !== 'ok') {
    // A malformed id (from a webhook or a callback) was never sent: PortOne cannot have such a payment.
    if (res.kind === 'invalid_request') return { status: 'NOT_FOUND', message: 'not a PortOne payment id' };
    return lookupFailureOutcome(res);
  }
  const read = readPayment(res.data);
  if ('problem' in read) return unknownOutcome('unreadable_response', read.problem, { httpStatus: res.httpStatus });
  // A live merchant must never count a test-channel payment.
  if (read.sandbox && !credentials.sandbox)
    return unknownOutcome('unreadable_response', 'a sandbox payment answered a live lookup', {
      gatewayPaymentId: read.impUid,
    });
  return { payment: read };
}

/**
 * A refusal the table marks `unknown` (code -1, an unknown customer, PayPal ending the agreement) is hard only when
 * `GET /subscribe/customers/{customer_uid}` confirms the key is gone; a look-up that finds it, fails or is unclear
 * leaves it soft, so dunning retries rather than cancels.
 */
export async function confirmRefusal(
  client: PortoneClient,
  credentials: PortonePaypalRtCredentials,
  billingKey: string,
  outcome: DeclinedOutcome,
  options: CallOptions,
): Promise<DeclinedOutcome> {
  if (classifyRefusal(outcome.code, outcome.message).kind !== 'unknown') return outcome;
  const customer = await client.getCustomer(clientCredentials(credentials), billingKey, options);
  if (customer.kind === 'ok' || !isPortoneNotFound(customer)) return { ...outcome, kind: 'soft' };
  return {
    ...outcome,
    kind: 'hard',
    code: 'BILLING_KEY_DELETED',
    message: `${outcome.message}; PortOne no longer knows this billing key`,
  };
}

/** A `failed` payment read without `extension` (the `again` answer) is re-read with it: PayPal may hold it pending. */
export async function resolvePending(
  client: PortoneClient,
  credentials: PortonePaypalRtCredentials,
  p: RtPayment,
  options: CallOptions,
): Promise<LookupOutcome> {
  if (p.status !== 'failed' || p.extensionRead) return paymentOutcome(p);
  const fetched = await fetchPayment(client, credentials, p.impUid, options);
  if ('payment' in fetched) return paymentOutcome(fetched.payment);
  // Cannot tell pending from declined: calling it a decline could make dunning charge twice.
  return unknownOutcome('unreadable_response', 'failed charge whose PayPal state could not be read', {
    gatewayPaymentId: p.impUid,
    rawStatus: p.status,
  });
}

/** Every attempt under our merchant_uid (`findAll`); the one that tells the truth is picked by {@link pickAttempt}. */
export async function findByReference(
  client: PortoneClient,
  credentials: PortonePaypalRtCredentials,
  reference: string,
  options: CallOptions,
): Promise<LookupOutcome> {
  const res = await client.findAllPayments(clientCredentials(credentials), reference, options);
  if (res.kind !== 'ok') {
    const failure = lookupFailureOutcome(res);
    return failure.status === 'NOT_FOUND'
      ? { status: 'NOT_FOUND', message: 'no payment under this reference' }
      : failure;
  }
  const attempts: RtPayment[] = [];
  for (const raw of res.data) {
    const read = readPayment(raw);
    if ('problem' in read) return unknownOutcome('unreadable_response', read.problem);
    if (read.sandbox && !credentials.sandbox) continue;
    if (read.status === 'failed' && !read.extensionRead) {
      // findAll carries no `extension`: a failed attempt is re-read so a pending one is never taken for a decline.
      const again = await fetchPayment(client, credentials, read.impUid, options);
      if (!('payment' in again))
        return unknownOutcome('unreadable_response', 'a failed attempt could not be re-read', {
          gatewayPaymentId: read.impUid,
        });
      attempts.push(again.payment);
    } else attempts.push(read);
  }
  const picked = pickAttempt(attempts);
  return picked ? paymentOutcome(picked) : { status: 'NOT_FOUND', message: 'no payment under this reference' };
}
