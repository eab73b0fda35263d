import type { PortoneResult } from './portone.types';

/**
 * PortOne says "not found" two ways: HTTP 404 (the official OpenAPI documents it for `GET /payments/{imp_uid}`,
 * `GET /payments/find…`, `GET /payments/findAll…`, `GET|DELETE /subscribe/customers/{customer_uid}`), or HTTP 200
 * with a non-zero `code` and one of these messages (its official clients raise their code error only on HTTP 200).
 * A message is matched, never a bare code: code 1 and -1 also carry refusals that have nothing to do with existence.
 */
export const PORTONE_NOT_FOUND_MESSAGES: ReadonlyArray<{ readonly pattern: RegExp; readonly source: string }> =
  Object.freeze([
    // Cancel of an unknown imp_uid or merchant_uid: code 1.
    {
      pattern: /취소할 결제건이 존재하지 않습니다/,
      source: 'iamport/iamport-rest-client-python tests/test_cancel.py; iamport-rest-client-nodejs tests',
    },
    // A billing key PortOne does not know (again and the customer look-up): code 1 or -1.
    {
      pattern: /등록되지 않은 구매자/,
      source:
        'iamport/iamport-rest-client-python tests/test_pay_again.py (earlier revisions); iamport-rest-client-java examples',
    },
    // The OpenAPI's 404 descriptions, should the same text come with HTTP 200.
    {
      pattern: /유효하지 않은 (imp_uid|merchant_uid|customer_uid)|거래건이 존재하지 않|존재하지 않는 결제정보/,
      source: 'portone-v1.openapi.json 404 responses',
    },
  ]);

/** Whether a PortoneClient result says the payment or customer does not exist (HTTP 404, or code ≠ 0 with a not-found message). */
export function isPortoneNotFound(r: PortoneResult<unknown>): boolean {
  if (r.kind !== 'pg_error' || r.phase !== 'call') return false;
  if (r.httpStatus === 404) return true;
  if (r.code === 0) return false;
  const message = r.message ?? '';
  return PORTONE_NOT_FOUND_MESSAGES.some((m) => m.pattern.test(message));
}
