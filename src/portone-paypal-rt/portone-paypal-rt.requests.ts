import {
  notSent,
  toMajorNumber,
  type ChargeBillingKeyInput,
  type ClientRequest,
  type CredentialCheck,
  type IssueBillingKeyInput,
  type NotSentOutcome,
} from '@app/pg-contract';
import type { PortoneAgainRequest } from '@app/portone-client';
import { PORTONE_DEFAULT_BILLING_KEY_NAME, type PortonePaypalRtCredentials } from './portone-paypal-rt.descriptor';
import {
  againName,
  CUSTOMER_UID_MAX,
  MERCHANT_UID_MAX,
  NAME_MAX,
  stcList,
  validLength,
} from './portone-paypal-rt.helpers';

/** What the `portone-paypal-rt` adapter sends: credential checks and the loadUI / `again` requests, built pure. */

/** Checks the shape of credentials; problems name fields, never values. */
export function checkRtCredentials(raw: unknown): CredentialCheck<PortonePaypalRtCredentials> {
  const o = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const problems = (['userCode', 'impKey', 'impSecret'] as const)
    .filter((k) => typeof o[k] !== 'string' || (o[k] as string).trim() === '')
    .map((k) => `${k} is required`);
  // 가맹점 식별코드 starts with imp (PortOne V1 console; IMP.init in iamport-typings); bounded so a row stays small.
  if (typeof o.userCode === 'string' && o.userCode.trim() !== '' && !/^imp[A-Za-z0-9_-]{1,60}$/.test(o.userCode))
    problems.push('userCode must start with imp');
  if (typeof o.impKey === 'string' && o.impKey.length > 200) problems.push('impKey must be at most 200 characters');
  if (typeof o.impSecret === 'string' && o.impSecret.length > 400)
    problems.push('impSecret must be at most 400 characters');
  // Every id stored before v1.1 (letters and digits, 5-64) still passes: stored credentials are re-checked on use.
  if (
    o.paypalAccountId !== undefined &&
    (typeof o.paypalAccountId !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(o.paypalAccountId))
  ) {
    problems.push('paypalAccountId must be 1-64 letters, digits, - or _');
  }
  if (problems.length > 0) return { ok: false, problems };
  return {
    ok: true,
    credentials: {
      userCode: o.userCode as string,
      impKey: o.impKey as string,
      impSecret: o.impSecret as string,
      ...(typeof o.paypalAccountId === 'string' ? { paypalAccountId: o.paypalAccountId } : {}),
    },
  };
}

/** The reference's own refusal, shared by every call that takes one. */
export function invalidReference(reference: unknown): NotSentOutcome | null {
  return validLength(reference, MERCHANT_UID_MAX)
    ? null
    : notSent('invalid_request', 'INVALID_REFERENCE', `reference must be 1-${MERCHANT_UID_MAX} characters`, false);
}

/** The billing key's own refusal, shared by every call that takes one. */
export function invalidBillingKey(billingKey: unknown): NotSentOutcome | null {
  return validLength(billingKey, CUSTOMER_UID_MAX)
    ? null
    : notSent('invalid_request', 'INVALID_BILLING_KEY', `billingKey must be 1-${CUSTOMER_UID_MAX} characters`, false);
}

/** The `IMP.loadUI('paypal-rt', request, callback)` request of seed 004, STC as an object. */
export function loadUiRequest(
  credentials: PortonePaypalRtCredentials,
  input: IssueBillingKeyInput,
): ClientRequest | NotSentOutcome {
  const invalid = invalidReference(input.reference) ?? invalidBillingKey(input.billingKey);
  if (invalid) return invalid;
  if (!validLength(input.buyer?.id, 100))
    return notSent('invalid_request', 'INVALID_BUYER', 'buyer.id is required', false);
  if (input.name !== undefined && !validLength(input.name, NAME_MAX))
    return notSent('invalid_request', 'INVALID_NAME', `name must be 1-${NAME_MAX} characters`, false);
  const request: Record<string, unknown> = {
    pg: credentials.paypalAccountId ? `paypal_v2.${credentials.paypalAccountId}` : 'paypal_v2',
    pay_method: 'paypal',
    merchant_uid: input.reference,
    customer_uid: input.billingKey,
    customer_id: input.buyer.id,
    name: input.name ?? PORTONE_DEFAULT_BILLING_KEY_NAME,
    // Seed 004: loadUI takes request_pay's parameters, whose official typings (iamport-typings RequestPayParams)
    // require `amount`; the digest notes loadUI ignores it. 0 charges nothing and keeps the object SDK-typed.
    amount: 0,
  };
  if (input.buyer.email) request.buyer_email = input.buyer.email;
  const buyerName = [input.buyer.firstName, input.buyer.lastName].filter(Boolean).join(' ');
  if (buyerName) request.buyer_name = buyerName;
  if (input.buyer.phone) request.buyer_tel = input.buyer.phone;
  if (input.noticeUrls?.length)
    request.notice_url = input.noticeUrls.length === 1 ? input.noticeUrls[0] : [...input.noticeUrls];
  if (input.customData) request.custom_data = input.customData;
  // loadUI takes STC as an object (seed 004); `again` as a JSON string.
  if (input.riskContext && Object.keys(input.riskContext).length > 0)
    request.bypass = { paypal_v2: { additional_data: stcList(input.riskContext) } };
  return {
    sdk: 'iamport-v1',
    init: { userCode: credentials.userCode },
    method: 'loadUI',
    uiType: 'paypal-rt',
    request,
  };
}

/** The body of `POST /subscribe/payments/again`, or the refusal of an input PortOne would refuse. */
export function againRequest(input: ChargeBillingKeyInput): PortoneAgainRequest | NotSentOutcome {
  const invalid = invalidReference(input.reference) ?? invalidBillingKey(input.billingKey);
  if (invalid) return invalid;
  const buyerName = [input.buyer?.firstName, input.buyer?.lastName].filter(Boolean).join(' ');
  return {
    customer_uid: input.billingKey,
    merchant_uid: input.reference,
    currency: input.amount.currency,
    amount: toMajorNumber(input.amount),
    // The OpenAPI caps `name` at 40; plan names run to 200, so they are cut rather than refused at renewal time.
    name: againName(input.orderName),
    ...(input.buyer?.email ? { buyer_email: input.buyer.email } : {}),
    ...(buyerName ? { buyer_name: buyerName } : {}),
    ...(input.buyer?.phone ? { buyer_tel: input.buyer.phone } : {}),
    // The REST `again` takes one notice_url (a string in the OpenAPI and seed 004); only the browser SDK takes a list.
    ...(input.noticeUrls?.length ? { notice_url: input.noticeUrls[0] } : {}),
    ...(input.customData ? { custom_data: input.customData } : {}),
    // The client sends bypass as the JSON string PortOne requires.
    ...(input.riskContext && Object.keys(input.riskContext).length > 0
      ? { bypass: { paypal_v2: { additional_data: stcList(input.riskContext) } } }
      : {}),
  };
}
