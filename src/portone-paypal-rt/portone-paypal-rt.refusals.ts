/**
 * What a PortOne V1 / PayPal RT refusal means for dunning, as data. See README.md in this folder.
 *
 * - `hard`: this billing key will be refused again; the subscription is canceled. Only three things are hard: a
 *   Korean buyer account, a currency PayPal RT refuses, and a billing key PortOne confirms is gone.
 * - `unknown`: may mean the key is gone; the adapter asks `GET /subscribe/customers/{customer_uid}` and only a
 *   confirmed not-found makes it hard (a look-up that fails or is unclear leaves it soft).
 * - `soft`: retried on the dunning schedule. Anything no rule matches is soft.
 */
export type RefusalKind = 'hard' | 'soft' | 'unknown';

export interface RefusalRule {
  /** Our stable code for the refusal (recorded on the charge when the PG gave no better one). */
  readonly id: string;
  /** PortOne envelope codes, or PayPal issue codes from the `[CODE]` prefix of `fail_reason`. */
  readonly codes?: ReadonlyArray<string | number>;
  /** Matched against PortOne's message or `fail_reason`. */
  readonly message?: RegExp;
  readonly kind: RefusalKind;
  /** Where this behaviour is documented (never our own code). */
  readonly source: string;
}

/** First match wins: the hard rules first, then the ones that need confirming, then the known soft ones. */
export const PORTONE_REFUSALS: readonly RefusalRule[] = Object.freeze([
  {
    id: 'KOREAN_BUYER_ACCOUNT',
    codes: ['KOREAN_BUYER_ACCOUNT'],
    message: /한국인/,
    kind: 'hard',
    source: 'seed 004: "구매자 계정이 한국인 경우 해당 서비스 이용이 불가합니다."',
  },
  {
    id: 'CURRENCY_NOT_SUPPORTED',
    codes: ['CURRENCY_NOT_SUPPORTED'],
    kind: 'hard',
    source: 'seed 004 (PayPal RT refuses KRW); PayPal REST API error reference, issue CURRENCY_NOT_SUPPORTED',
  },
  {
    // Set by the adapter only: an `unknown` refusal after the customer look-up answered not found.
    id: 'BILLING_KEY_DELETED',
    kind: 'hard',
    source:
      'portone-v1.openapi.json GET /subscribe/customers/{customer_uid} 404 "유효하지 않은 customer_uid"; iamport-rest-client-python tests/test_billing_key.py (a deleted key\'s look-up is refused)',
  },
  {
    id: 'UNKNOWN_CUSTOMER',
    message: /등록되지 않은 구매자/,
    kind: 'unknown',
    source:
      'iamport/iamport-rest-client-python tests/test_pay_again.py (earlier revisions: code 1 "등록되지 않은 구매자입니다.")',
  },
  {
    id: 'CARD_COMPANY_REQUEST_FAILED',
    message: /카드사 요청에 실패/,
    kind: 'soft',
    source:
      'PortOne billing guide via pg-api-reference.md "Envelope": code != 0 → "카드사 요청에 실패" (often transient)',
  },
  {
    // -1 is both "unknown customer_uid" and the transient failure above: only the customer look-up can tell.
    id: 'REQUEST_FAILED',
    codes: [-1],
    kind: 'unknown',
    source: 'iamport/iamport-rest-client-python tests/test_pay_again.py (unknown customer_uid → code -1)',
  },
  {
    // PayPal ended the agreement or the account: the key may be gone at PortOne too, or only for now.
    id: 'PAYPAL_AGREEMENT_OR_ACCOUNT',
    codes: ['AGREEMENT_ALREADY_CANCELLED', 'PAYER_ACCOUNT_LOCKED_OR_CLOSED', 'PAYER_ACCOUNT_RESTRICTED'],
    kind: 'unknown',
    source: 'PayPal REST API error reference (Orders v2 / reference transactions issues)',
  },
  {
    id: 'PAYPAL_FUNDING_DECLINED',
    codes: ['INSTRUMENT_DECLINED', 'TRANSACTION_REFUSED', 'PAYER_ACTION_REQUIRED', 'PAYER_CANNOT_PAY'],
    kind: 'soft',
    source: 'PayPal REST API error reference (Orders v2 issues): the funding source refused this time',
  },
  {
    id: 'BUYER_CANCELED',
    codes: ['BUYER_CANCELED'],
    message: /사용자가 결제를 취소/,
    kind: 'soft',
    source: 'PortOne PayPal fail_reason "[PayPal] 사용자가 결제를 취소하였습니다." (seed 004 callback)',
  },
] satisfies RefusalRule[]);

/** The refusal nobody listed: soft (a refusal took nothing, so a retry cannot charge twice; hard would give up a good key). */
export const UNLISTED_REFUSAL: RefusalRule = Object.freeze({
  id: 'REQUEST_REFUSED',
  kind: 'soft',
  source: 'fail-safe default (house rule)',
});

/**
 * The rule a refusal falls under. Pure and total. A specific code (a PayPal issue code, or our own id) decides first;
 * then the message; PortOne's bare envelope codes (-1, 1) last, since they say only that the request failed. So a soft
 * PayPal code whose text happens to match a hard rule's pattern stays soft, and a message refines a bare -1.
 */
export function classifyRefusal(
  code: string | number | null | undefined,
  message: string | null | undefined,
  rules: readonly RefusalRule[] = PORTONE_REFUSALS,
): RefusalRule {
  const matchesCode = (rule: RefusalRule) => rule.id === code || rule.codes?.some((c) => c === code);
  const specific = typeof code === 'string' ? rules.find(matchesCode) : undefined;
  if (specific) return specific;
  const text = typeof message === 'string' ? message : '';
  const byText = text !== '' ? rules.find((rule) => rule.message?.test(text)) : undefined;
  if (byText) return byText;
  return (typeof code === 'number' ? rules.find(matchesCode) : undefined) ?? UNLISTED_REFUSAL;
}
