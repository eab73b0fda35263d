import { numberish, PAYPAL_CURRENCY_EXPONENTS, toMinor } from './sandbox.format';
import type { PgAnswer } from './sandbox.http';
import { BUYER_OUTCOMES, isObj, noticeUrls, ok, refuse, type Obj, type PaymentRecord } from './sandbox.portone.model';
import { renderPortonePayment } from './sandbox.portone.render';

/** Request checks of the PortOne sandbox, pure: they read the request and touch no state. */

/** Payments in PortOne's `sorting` order (`-started`, `paid`, ...). */
export function sortPayments(list: PaymentRecord[], sorting: string): PaymentRecord[] {
  const field = sorting.replace('-', '') as 'started' | 'paid' | 'updated';
  const key = (p: PaymentRecord) => (field === 'started' ? p.started_at : field === 'paid' ? p.paid_at : p.updated_at);
  const dir = sorting.startsWith('-') ? -1 : 1;
  // Ties (same second) keep creation order, reversed for descending sorts.
  const indexed = list.map((p, i) => [p, i] as const);
  indexed.sort((a, b) => dir * (key(a[0]) - key(b[0]) || a[1] - b[1]));
  return indexed.map(([p]) => p);
}

/** One page of a findAll look-up (`page`, `limit` <= 1000) over the already filtered and sorted attempts. */
export function pageOfPayments(list: PaymentRecord[], q: Obj): PgAnswer {
  const page = q.page === undefined ? 1 : numberish(q.page);
  const limit = q.limit === undefined ? 20 : numberish(q.limit);
  if (page === undefined || !Number.isInteger(page) || page < 1) return refuse(400, 'page는 1 이상의 정수여야 합니다.');
  if (limit === undefined || !Number.isInteger(limit) || limit < 1 || limit > 1000)
    return refuse(400, 'limit은 1~1000이어야 합니다.');
  if (list.length === 0) return refuse(404, '유효하지 않은 merchant_uid 입니다.');
  const start = (page - 1) * limit;
  return ok({
    total: list.length,
    previous: page > 1 ? page - 1 : 0,
    next: start + limit < list.length ? page + 1 : 0,
    list: list.slice(start, start + limit).map((p) => renderPortonePayment(p, false)),
  });
}

/** A `POST /subscribe/payments/again` body that passed the checks. */
export interface AgainRequest {
  customerUid: string;
  merchantUid: string;
  currency: string;
  exponent: number;
  amountMinor: number;
  name: string;
  urls: string[];
}

/**
 * Checks an `again` body. `bypass` is what the ledger records: the parsed JSON once it parsed, else the raw value.
 * `refusal` is the message of the first check that failed.
 */
export function parseAgainRequest(b: Obj): { bypass: unknown; request?: AgainRequest; refusal?: string } {
  let bypassParsed: unknown = b.bypass;
  const customerUid = b.customer_uid;
  const merchantUid = b.merchant_uid;
  if (typeof customerUid !== 'string' || customerUid.length === 0 || customerUid.length > 80) {
    return { bypass: bypassParsed, refusal: 'customer_uid는 1~80자의 문자열이어야 합니다.' };
  }
  if (typeof merchantUid !== 'string' || merchantUid.length === 0 || merchantUid.length > 40) {
    return { bypass: bypassParsed, refusal: 'merchant_uid는 1~40자의 문자열이어야 합니다.' };
  }
  const currency = b.currency;
  if (typeof currency !== 'string' || currency === '')
    return { bypass: bypassParsed, refusal: '페이팔 결제는 currency가 필수입니다.' };
  if (currency === 'KRW') return { bypass: bypassParsed, refusal: '페이팔 결제는 KRW 통화를 지원하지 않습니다.' };
  const exponent = PAYPAL_CURRENCY_EXPONENTS[currency];
  if (exponent === undefined)
    return { bypass: bypassParsed, refusal: `페이팔이 지원하지 않는 통화입니다: ${currency}` };
  const amount = numberish(b.amount);
  const amountMinor = amount === undefined ? undefined : toMinor(amount, exponent);
  if (amountMinor === undefined) {
    return {
      bypass: bypassParsed,
      refusal: `amount는 0보다 큰 ${currency} 금액이어야 합니다 (소수점 ${exponent}자리까지).`,
    };
  }
  if (typeof b.name !== 'string' || b.name === '') return { bypass: bypassParsed, refusal: 'name은 필수입니다.' };
  if (b.bypass !== undefined && b.bypass !== null) {
    // bypass is a JSON *string* (formData string in the OpenAPI; seed 004 JSON.stringify()s it). An object is a
    // client bug the real API would pass on mangled; refusing it makes the bug visible here.
    if (typeof b.bypass !== 'string') return { bypass: bypassParsed, refusal: 'bypass는 JSON 문자열이어야 합니다.' };
    try {
      bypassParsed = JSON.parse(b.bypass);
    } catch {
      return { bypass: bypassParsed, refusal: 'bypass가 올바른 JSON이 아닙니다.' };
    }
    if (!isObj(bypassParsed)) return { bypass: bypassParsed, refusal: 'bypass는 JSON 객체 문자열이어야 합니다.' };
  }
  const urls = noticeUrls(b.notice_url);
  if (!urls) return { bypass: bypassParsed, refusal: 'notice_url은 http(s) URL 또는 그 배열이어야 합니다.' };
  return {
    bypass: bypassParsed,
    request: { customerUid, merchantUid, currency, exponent, amountMinor, name: b.name, urls },
  };
}

/** A buyer window (`IMP.loadUI`) request that passed the checks. */
export interface BuyerRequest {
  outcome: string;
  pg: string;
  merchantUid: string;
  customerUid: string;
  urls: string[];
  bypass: unknown;
}

/** Checks the loadUI request and the simulated buyer; a failure is the HTTP 400 answer the buyer window gets. */
export function parseBuyerRequest(r: unknown, buyer: unknown): BuyerRequest | { bad: PgAnswer } {
  const fail = (message: string): { bad: PgAnswer } => ({
    bad: {
      status: 400,
      body: {
        success: false,
        imp_uid: null,
        merchant_uid: isObj(r) ? (r.merchant_uid ?? null) : null,
        error_msg: message,
      },
    },
  });
  if (!isObj(r)) return fail('request must be an object');
  if (!isObj(buyer)) return fail('buyer must be an object { email, country, outcome? }');
  const outcome = buyer.outcome ?? 'approve';
  if (typeof outcome !== 'string' || !(BUYER_OUTCOMES as readonly string[]).includes(outcome)) {
    return fail(`buyer.outcome must be one of ${BUYER_OUTCOMES.join(', ')}`);
  }
  if (typeof buyer.country !== 'string' || !/^[A-Z]{2}$/.test(buyer.country))
    return fail('buyer.country must be an ISO 3166-1 alpha-2 code');
  if (buyer.email !== undefined && typeof buyer.email !== 'string') return fail('buyer.email must be a string');
  const pg = r.pg;
  if (typeof pg !== 'string' || !/^paypal_v2(\.[A-Za-z0-9_-]{1,40})?$/.test(pg))
    return fail('pg must be paypal_v2 or paypal_v2.<PayPal account id>');
  if (r.pay_method !== 'paypal') return fail('pay_method must be paypal');
  const merchantUid = r.merchant_uid;
  if (typeof merchantUid !== 'string' || merchantUid.length === 0 || merchantUid.length > 40)
    return fail('merchant_uid is required (at most 40 characters)');
  const customerUid = r.customer_uid;
  if (typeof customerUid !== 'string' || customerUid.length === 0 || customerUid.length > 80)
    return fail('customer_uid is required (at most 80 characters)');
  if (r.customer_id !== undefined && typeof r.customer_id !== 'string') return fail('customer_id must be a string');
  if (r.name !== undefined && typeof r.name !== 'string') return fail('name must be a string');
  const urls = noticeUrls(r.notice_url);
  if (!urls) return fail('notice_url must be an http(s) URL or an array of them');
  if (
    r.custom_data !== undefined &&
    r.custom_data !== null &&
    typeof r.custom_data !== 'object' &&
    typeof r.custom_data !== 'string'
  ) {
    return fail('custom_data must be an object');
  }
  const bypass = r.bypass;
  if (bypass !== undefined) {
    const data = isObj(bypass) && isObj(bypass.paypal_v2) ? bypass.paypal_v2.additional_data : undefined;
    const valid =
      Array.isArray(data) && data.every((e) => isObj(e) && typeof e.key === 'string' && typeof e.value === 'string');
    if (!valid) return fail('bypass.paypal_v2.additional_data must be an array of { key, value } strings');
  }
  return { outcome, pg, merchantUid, customerUid, urls, bypass };
}
