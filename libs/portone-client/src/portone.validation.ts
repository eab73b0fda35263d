import { charLength, type PgInvalidRequest } from '@app/pg-http';
import { hasValidDecimals } from './portone.money';
import type {
  PortoneAgainRequest,
  PortoneCallOptions,
  PortoneCancelRequest,
  PortoneCredentials,
} from './portone.types';

/** Checks of a PortoneClient call's input and options, done before anything is sent. Pure apart from a URL verdict cache. */

const STATUS_FILTERS: readonly string[] = ['ready', 'paid', 'failed', 'cancelled'];
const CURRENCY = /^[A-Z]{3}$/;
// PortOne-issued ids are opaque ASCII tokens; anything else is a bug upstream.
const OPAQUE_ID = /^[\x21-\x7E]{1,200}$/;
/** `POST /subscribe/payments/again` `name`: maxLength 40 in the official OpenAPI (counted in code points). */
export const AGAIN_NAME_MAX = 40;

export function invalidRequest(field: string, message: string): PgInvalidRequest {
  return { kind: 'invalid_request', field, message };
}

export function checkCredentials(credentials: PortoneCredentials): PgInvalidRequest | null {
  if (!credentials || typeof credentials.impKey !== 'string' || credentials.impKey.trim() === '') {
    return invalidRequest('credentials.impKey', 'a non-empty imp_key is required');
  }
  if (typeof credentials.impSecret !== 'string' || credentials.impSecret.trim() === '') {
    return invalidRequest('credentials.impSecret', 'a non-empty imp_secret is required');
  }
  return null;
}

export function checkCallOptions(options: PortoneCallOptions): PgInvalidRequest | null {
  if (options.timeoutMs !== undefined && (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0)) {
    return invalidRequest('options.timeoutMs', 'must be a positive number');
  }
  return null;
}

export function checkOpaqueId(field: string, value: unknown): PgInvalidRequest | null {
  return typeof value === 'string' && OPAQUE_ID.test(value)
    ? null
    : invalidRequest(field, 'must be 1–200 printable ASCII characters');
}

function checkLength(field: string, value: unknown, max: number): PgInvalidRequest | null {
  if (typeof value !== 'string' || value.trim() === '') return invalidRequest(field, 'must be a non-empty string');
  return charLength(value) <= max ? null : invalidRequest(field, `must be at most ${max} characters`);
}

export function checkMerchantUid(field: string, value: unknown): PgInvalidRequest | null {
  return checkLength(field, value, 40);
}

export function checkCustomerUid(field: string, value: unknown): PgInvalidRequest | null {
  return checkLength(field, value, 80);
}

export function checkStatusFilter(status: unknown): PgInvalidRequest | null {
  return status === undefined || (typeof status === 'string' && STATUS_FILTERS.includes(status))
    ? null
    : invalidRequest('status', `must be one of ${STATUS_FILTERS.join(', ')}`);
}

export function checkAgain(r: PortoneAgainRequest): PgInvalidRequest | null {
  if (!r || typeof r !== 'object') return invalidRequest('request', 'a request is required');
  const basic =
    checkCustomerUid('request.customer_uid', r.customer_uid) ??
    checkMerchantUid('request.merchant_uid', r.merchant_uid) ??
    // The official OpenAPI gives again.name maxLength 40.
    checkLength('request.name', r.name, AGAIN_NAME_MAX);
  if (basic) return basic;
  if (typeof r.currency !== 'string' || !CURRENCY.test(r.currency))
    return invalidRequest('request.currency', 'an ISO 4217 code is required');
  // PayPal RT cannot charge KRW (seed 004); PortOne would default a missing currency to KRW.
  if (r.currency === 'KRW') return invalidRequest('request.currency', 'KRW is not accepted by PayPal RT');
  if (typeof r.amount !== 'number' || !Number.isFinite(r.amount) || r.amount <= 0)
    return invalidRequest('request.amount', 'must be a positive number');
  if (!hasValidDecimals(r.amount, r.currency))
    return invalidRequest('request.amount', `has more decimal places than ${r.currency} allows`);
  for (const field of ['buyer_name', 'buyer_email', 'buyer_tel', 'buyer_addr', 'buyer_postcode'] as const) {
    if (r[field] !== undefined && typeof r[field] !== 'string')
      return invalidRequest(`request.${field}`, 'must be a string');
  }
  if (
    r.custom_data !== undefined &&
    typeof r.custom_data !== 'string' &&
    (r.custom_data === null || typeof r.custom_data !== 'object')
  ) {
    return invalidRequest('request.custom_data', 'must be a JSON string or an object');
  }
  if (r.notice_url !== undefined && (typeof r.notice_url !== 'string' || !isHttpUrl(r.notice_url))) {
    return invalidRequest('request.notice_url', 'must be one http(s) URL');
  }
  if (r.bypass !== undefined) {
    const entries = (r.bypass as { paypal_v2?: { additional_data?: unknown } } | null)?.paypal_v2?.additional_data;
    const valid =
      Array.isArray(entries) &&
      entries.every((e: unknown) => {
        const entry = e as { key?: unknown; value?: unknown } | null;
        return !!entry && typeof entry.key === 'string' && entry.key !== '' && typeof entry.value === 'string';
      });
    if (!valid)
      return invalidRequest('request.bypass', 'must be { paypal_v2: { additional_data: [{ key, value: string }] } }');
  }
  return null;
}

export function checkCancel(r: PortoneCancelRequest): PgInvalidRequest | null {
  if (!r || typeof r !== 'object') return invalidRequest('request', 'a request is required');
  if (r.imp_uid === undefined && r.merchant_uid === undefined)
    return invalidRequest('request.imp_uid', 'imp_uid or merchant_uid is required');
  const ids =
    (r.imp_uid !== undefined ? checkOpaqueId('request.imp_uid', r.imp_uid) : null) ??
    (r.merchant_uid !== undefined ? checkMerchantUid('request.merchant_uid', r.merchant_uid) : null);
  if (ids) return ids;
  if (typeof r.reason !== 'string' || r.reason.trim() === '' || charLength(r.reason) > 200) {
    return invalidRequest('request.reason', 'must be 1–200 characters');
  }
  if (r.amount !== undefined && (typeof r.amount !== 'number' || !Number.isFinite(r.amount) || r.amount <= 0)) {
    return invalidRequest('request.amount', 'must be a positive number (omit it for a full cancel)');
  }
  if (r.checksum !== undefined && (typeof r.checksum !== 'number' || !Number.isFinite(r.checksum) || r.checksum < 0)) {
    return invalidRequest('request.checksum', 'must be a non-negative number');
  }
  if (r.enable_webhook !== undefined && typeof r.enable_webhook !== 'boolean')
    return invalidRequest('request.enable_webhook', 'must be a boolean');
  return null;
}

/**
 * URLs already checked, and the verdict: a charge's notice_url is its merchant's, the same on every call, so it is
 * parsed once rather than on every call. Bounded: cleared when full.
 */
const checkedUrls = new Map<string, boolean>();
const CHECKED_URLS_MAX = 1000;

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  let ok = checkedUrls.get(value);
  if (ok === undefined) {
    ok = parsesAsHttpUrl(value);
    if (checkedUrls.size >= CHECKED_URLS_MAX) checkedUrls.clear();
    checkedUrls.set(value, ok);
  }
  return ok;
}

function parsesAsHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export function checkBaseUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error('PortoneClient: baseUrl must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error('PortoneClient: baseUrl must be an http(s) URL');
  if (url.username || url.password) throw new Error('PortoneClient: baseUrl must not carry credentials');
  return value.replace(/\/+$/, '');
}

export function checkPositive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`PortoneClient: ${name} must be a positive number of milliseconds`);
  return value;
}
