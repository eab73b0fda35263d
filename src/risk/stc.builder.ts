/**
 * PayPal STC data, pure: from the merchant's profile, the customer record and the caller's risk context to the
 * `additional_data` list, what is missing, and the outcome the policy gives it. Then the three shapes the PGs take:
 * PortOne `IMP.loadUI` (object), PortOne `again` (JSON string) and Toss `setTransactionContext` (flat object).
 * No I/O, no clock (the caller passes `now`), no logging: the service records, counts and logs.
 */
import { isEmail, isIP, isISO31661Alpha2, isISO8601 } from 'class-validator';
import { isSupportedCountry, parsePhoneNumberFromString } from 'libphonenumber-js';
import { stcPolicyFor, type StcPolicy } from '../merchants/merchant.stc-policy';
import { extraKeysFor, STC_BASE_KEYS, type StcBaseSource, type StcKeySpec, type StcPurpose } from './stc-industry-keys';

export interface StcKeyValue {
  key: string;
  value: string;
}

export type StcOutcome = 'sent' | 'sent_partial' | 'refused';

export interface StcMerchantFacts {
  industry: string;
  retailFulfillment: string | null;
  paypalAccountId: string | null;
}

export interface StcCustomerFacts {
  firstName: string;
  lastName: string;
  email: string;
  phone: string | null;
  countryCode: string;
  accountCreatedAt: Date | null;
}

export interface StcBuildInput {
  merchant: StcMerchantFacts;
  customer: StcCustomerFacts;
  purpose: StcPurpose;
  /** Extra keys from the caller (e.g. a charge's `riskContext`); checked against the industry's table. */
  riskContext?: Record<string, unknown> | null;
  now: Date;
}

/** One problem with one key. Never carries the value (it may be personal data). */
export interface StcIssue {
  field: string;
  source: string;
  errors: string[];
}

export interface StcBuildResult {
  policy: StcPolicy;
  additionalData: StcKeyValue[];
  /** Keys the policy asks for that are absent or unusable: refused when required, sent without when recommended. */
  missing: StcIssue[];
  /** Problems in the caller's risk context (unknown keys, bad values): always refused, whatever the policy. */
  contextErrors: StcIssue[];
  outcome: StcOutcome;
}

export const MAX_RISK_CONTEXT_KEYS = 40;
const MAX_TEXT = 255;
const KEY_SHAPE = /^[a-z][a-z0-9_]{0,63}$/;

export function buildStc(input: StcBuildInput): StcBuildResult {
  const { merchant, customer, purpose, now } = input;
  const policy = stcPolicyFor(merchant.industry, merchant.retailFulfillment);
  const additionalData: StcKeyValue[] = [];
  const missing: StcIssue[] = [];

  for (const spec of STC_BASE_KEYS) {
    const raw = baseValue(spec.source, merchant, customer);
    if (raw === null || raw === undefined || raw === '') {
      missing.push({ field: spec.key, source: spec.source, errors: ['missing'] });
      continue;
    }
    const checked =
      spec.key === 'sender_create_date'
        ? checkCreateDate(raw, now)
        : spec.source === 'customer.phone'
          ? checkStcPhone(String(raw), customer.countryCode)
          : checkValue(spec, raw);
    if ('error' in checked) missing.push({ field: spec.key, source: spec.source, errors: [checked.error] });
    else additionalData.push({ key: spec.key, value: checked.value });
  }

  const extras = extraKeysFor(merchant.industry, merchant.retailFulfillment);
  const checked = checkRiskContext(merchant, input.riskContext);
  const contextErrors = checked.errors;
  const supplied = new Map(Object.entries(checked.context));
  // Table order, so the same input always gives the same list.
  for (const spec of extras) {
    const value = supplied.get(spec.key);
    if (value !== undefined) additionalData.push({ key: spec.key, value });
    else if (spec.requiredFor?.includes(purpose) && !contextErrors.some((e) => e.field === spec.key)) {
      missing.push({ field: spec.key, source: `riskContext.${spec.key}`, errors: [`missing (needed for ${purpose})`] });
    }
  }

  const outcome: StcOutcome =
    contextErrors.length || (missing.length && policy === 'required')
      ? 'refused'
      : missing.length
        ? 'sent_partial'
        : 'sent';
  return { policy, additionalData, missing, contextErrors, outcome };
}

/**
 * A caller's risk context against the industry's table: the normalised values of the keys it may send, and one issue
 * per refused key (unknown for the industry, a base key, not a string, a bad value, too many keys). Never the values.
 */
export function checkRiskContext(
  merchant: Pick<StcMerchantFacts, 'industry' | 'retailFulfillment'>,
  riskContext: Record<string, unknown> | null | undefined,
): { context: Record<string, string>; errors: StcIssue[] } {
  const byKey = new Map(extraKeysFor(merchant.industry, merchant.retailFulfillment).map((s) => [s.key, s]));
  const entries = Object.entries(riskContext ?? {});
  const errors: StcIssue[] = [];
  const context: Record<string, string> = {};
  if (entries.length > MAX_RISK_CONTEXT_KEYS) {
    errors.push({ field: 'riskContext', source: 'riskContext', errors: [`at most ${MAX_RISK_CONTEXT_KEYS} keys`] });
  }
  for (const [key, raw] of entries.slice(0, MAX_RISK_CONTEXT_KEYS)) {
    const field = KEY_SHAPE.test(key) ? key : key.slice(0, 64);
    const source = `riskContext.${field}`;
    if (STC_BASE_KEYS.some((b) => b.key === key)) {
      errors.push({
        field,
        source,
        errors: ['derived from the merchant and customer records; not accepted in riskContext'],
      });
      continue;
    }
    const spec = byKey.get(key);
    if (!spec) {
      errors.push({ field, source, errors: [`not an STC key for industry ${merchant.industry}`] });
      continue;
    }
    if (typeof raw !== 'string') {
      errors.push({ field, source, errors: ['must be a string'] });
      continue;
    }
    const checked = checkValue(spec, raw);
    if ('error' in checked) errors.push({ field, source, errors: [checked.error] });
    else context[key] = checked.value;
  }
  return { context, errors };
}

/**
 * A context stored earlier (a subscription's, checked when it was created) against the merchant's industry as it is
 * now: the keys still valid are kept, the others are named in `dropped`. The industry may have changed since; a stale
 * key is left out of the charge rather than refusing it (a refusal would be retried until dunning cancels).
 */
export function retainValidContext(
  merchant: Pick<StcMerchantFacts, 'industry' | 'retailFulfillment'>,
  stored: Readonly<Record<string, unknown>> | null | undefined,
): { context: Record<string, string>; dropped: string[] } {
  const { context, errors } = checkRiskContext(merchant, stored);
  return { context, dropped: errors.map((e) => e.field) };
}

/**
 * `sender_phone` as seed 004 sends it: the national number (its example is `(02)16705176` beside
 * `sender_country_code: "KR"`), so the digits of the national format when the number belongs to the customer's
 * country, E.164 when it belongs to another (the national digits alone would name the wrong country). A stored value
 * libphonenumber cannot read (customers stored before phones were parsed) is sent as stored when it looks like a phone.
 */
export function checkStcPhone(raw: string, countryCode: string): Checked {
  const country = countryCode.toUpperCase();
  const parsed = isSupportedCountry(country)
    ? parsePhoneNumberFromString(raw, country)
    : parsePhoneNumberFromString(raw);
  if (parsed?.isValid())
    return { value: parsed.country === country ? parsed.formatNational().replace(/\D/g, '') : parsed.number };
  return checkValue({ key: 'sender_phone', format: 'phone' }, raw);
}

/** PortOne `IMP.loadUI` request field `bypass` (an object). */
export function toLoadUIBypass(data: readonly StcKeyValue[]): { paypal_v2: { additional_data: StcKeyValue[] } } {
  return { paypal_v2: { additional_data: data.map(({ key, value }) => ({ key, value })) } };
}

/** PortOne `POST /subscribe/payments/again` field `bypass`: the same object as a JSON string. */
export function toAgainBypass(data: readonly StcKeyValue[]): string {
  return JSON.stringify(toLoadUIBypass(data));
}

/** Toss `paymentMethodOptions.paypal.setTransactionContext`: the same keys as a flat object. */
export function toTossTransactionContext(data: readonly StcKeyValue[]): Record<string, string> {
  return Object.fromEntries(data.map(({ key, value }) => [key, value]));
}

/** ISO 8601 with an explicit offset and whole seconds, as the seed's example (`2023-10-10T23:59:59+09:00`); UTC here. */
export function formatStcDate(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

function baseValue(
  source: StcBaseSource,
  merchant: StcMerchantFacts,
  customer: StcCustomerFacts,
): string | Date | null {
  switch (source) {
    case 'merchant.paypalAccountId':
      return merchant.paypalAccountId;
    case 'customer.firstName':
      return customer.firstName;
    case 'customer.lastName':
      return customer.lastName;
    case 'customer.email':
      return customer.email;
    case 'customer.phone':
      return customer.phone;
    case 'customer.countryCode':
      return customer.countryCode;
    case 'customer.accountCreatedAt':
      return customer.accountCreatedAt;
  }
}

type Checked = { value: string } | { error: string };

function checkCreateDate(raw: string | Date, now: Date): Checked {
  const date = raw instanceof Date ? raw : new Date(raw);
  if (Number.isNaN(date.getTime())) return { error: 'invalid: not a date' };
  if (date.getTime() > now.getTime()) return { error: 'invalid: in the future' };
  return { value: formatStcDate(date) };
}

/** Normalises and checks one value against its spec; the error text never repeats the value. */
export function checkValue(spec: StcKeySpec, raw: string | Date): Checked {
  if (raw instanceof Date)
    return Number.isNaN(raw.getTime()) ? { error: 'invalid: not a date' } : { value: formatStcDate(raw) };
  const value = raw.trim();
  if (!value) return { error: 'invalid: empty' };
  if (value.length > MAX_TEXT) return { error: `invalid: longer than ${MAX_TEXT} characters` };
  // eslint-disable-next-line no-control-regex -- STC text may not carry control characters
  if (/[\u0000-\u001f\u007f]/.test(value)) return { error: 'invalid: control characters' };
  switch (spec.format) {
    case 'text':
      return { value };
    case 'email':
      return isEmail(value) ? { value } : { error: 'invalid: not an email address' };
    case 'phone': {
      const digits = value.replace(/\D/g, '').length;
      return /^\+?[0-9 ()-]+$/.test(value) && digits >= 6 && digits <= 15
        ? { value }
        : { error: 'invalid: not a phone number' };
    }
    case 'country': {
      const upper = value.toUpperCase();
      return isISO31661Alpha2(upper) ? { value: upper } : { error: 'invalid: not an ISO 3166-1 alpha-2 country code' };
    }
    case 'us_zip':
      return /^\d{5}(-\d{4})?$/.test(value) ? { value } : { error: 'invalid: not a US ZIP code' };
    case 'ip':
      return isIP(value) ? { value } : { error: 'invalid: not an IP address' };
    case 'int':
      return /^(0|[1-9]\d{0,8})$/.test(value) ? { value } : { error: 'invalid: not a non-negative integer' };
    case 'flag':
      return value === '1' || value === '0' ? { value } : { error: 'invalid: must be "1" or "0"' };
    case 'date':
      return isISO8601(value, { strict: true }) ? { value } : { error: 'invalid: not an ISO 8601 date' };
    case 'enum':
      return spec.values?.includes(value) ? { value } : { error: `invalid: one of ${(spec.values ?? []).join(', ')}` };
    case 'paypal_account':
      return /^[A-Za-z0-9]{5,64}$/.test(value) ? { value } : { error: 'invalid: not a PayPal account id' };
  }
}
