import { randomBytes, randomFillSync } from 'node:crypto';

/** Identifier and time formats the two PGs use, plus money conversion between major and minor units. */

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

// Random bytes from a pool refilled 4 KiB at a time (as crypto.randomUUID does): one getrandom call per ≈ 100 ids
// instead of one each, which billing-run profiles of the sandbox showed as a visible share of its busy time.
const POOL_SIZE = 4096;
const pool = Buffer.alloc(POOL_SIZE);
let poolOffset = POOL_SIZE;

/** `length` fresh random bytes; the view is valid until the next call (use it synchronously). */
function pooledRandom(length: number): Buffer {
  if (length > POOL_SIZE) return randomBytes(length);
  if (poolOffset + length > POOL_SIZE) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const view = pool.subarray(poolOffset, poolOffset + length);
  poolOffset += length;
  return view;
}

function randomFrom(alphabet: string, length: number): string {
  const bytes = pooledRandom(length);
  let out = '';
  // The modulo bias is irrelevant for simulator ids.
  for (let i = 0; i < length; i++) out += alphabet[bytes[i] % alphabet.length];
  return out;
}

// imp_uid is `imp_` + 12 digits: a random 3-digit prefix per process, then a 9-digit counter, so ids never repeat
// within a process (a billion payments) and rarely across sandbox processes.
const impPrefix = 100 + (randomBytes(2).readUInt16BE(0) % 900);
let impCounter = 0;

/** PortOne imp_uid: `imp_` + 12 digits, unique within the process. */
export function newImpUid(): string {
  impCounter += 1;
  return `imp_${impPrefix}${String(impCounter % 1_000_000_000).padStart(9, '0')}`;
}

/** PayPal transaction id: 17 upper-case alphanumerics. */
export function newPaypalTransactionId(): string {
  return randomFrom(UPPER_ALNUM, 17);
}

/** Toss paymentKey: an opaque 50-character key (real keys are opaque strings of about that length). */
export function newPaymentKey(): string {
  return `tsbx${randomFrom(BASE62, 46)}`;
}

/** Toss transactionKey: 32 hex characters. */
export function newTransactionKey(): string {
  return pooledRandom(16).toString('hex');
}

/** An opaque random id with a prefix (cancel request ids, cancellation ids, tokens, webhook transmission ids). */
export function newOpaqueId(prefix: string, bytes = 12): string {
  return `${prefix}${pooledRandom(bytes).toString('hex')}`;
}

const KST_OFFSET_MS = 9 * 3600_000;

/** Toss timestamps: ISO 8601 in Korea time with the offset, seconds precision (`2024-02-13T12:18:14+09:00`). */
export function tossTime(ms: number): string {
  return `${new Date(ms + KST_OFFSET_MS).toISOString().slice(0, 19)}+09:00`;
}

/** Toss webhook `createdAt`: Korea local time with microseconds and no offset (`2022-01-01T00:00:00.000000`). */
export function tossWebhookTime(ms: number): string {
  return `${new Date(ms + KST_OFFSET_MS).toISOString().slice(0, 23)}000`;
}

/** PortOne timestamps: Unix seconds. */
export function unixSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

/**
 * Decimal places of the currencies PayPal accepts (PayPal takes HUF, JPY and TWD without decimals). The sandbox
 * refuses currencies outside this list for PayPal charges.
 */
export const PAYPAL_CURRENCY_EXPONENTS: Readonly<Record<string, number>> = {
  AUD: 2,
  BRL: 2,
  CAD: 2,
  CNY: 2,
  CZK: 2,
  DKK: 2,
  EUR: 2,
  HKD: 2,
  HUF: 0,
  ILS: 2,
  JPY: 0,
  MYR: 2,
  MXN: 2,
  TWD: 0,
  NZD: 2,
  NOK: 2,
  PHP: 2,
  PLN: 2,
  GBP: 2,
  SGD: 2,
  SEK: 2,
  CHF: 2,
  THB: 2,
  USD: 2,
};

/**
 * Converts an amount in major units (as the PG receives it, e.g. 10.5) to integer minor units, or undefined when it is
 * not a finite number, not positive (unless allowZero) or has more decimals than the currency allows.
 */
export function toMinor(amount: number, exponent: number, allowZero = false): number | undefined {
  if (typeof amount !== 'number' || !Number.isFinite(amount)) return undefined;
  if (amount < 0 || (!allowZero && amount === 0)) return undefined;
  const scaled = amount * 10 ** exponent;
  const minor = Math.round(scaled);
  // Binary floats: 10.1 * 100 = 1010.0000000000001; anything further off has too many decimals.
  if (Math.abs(scaled - minor) > 1e-6 || !Number.isSafeInteger(minor)) return undefined;
  return minor;
}

/** Integer minor units back to the PG's major-unit number (1050 -> 10.5). */
export function toMajor(minor: number, exponent: number): number {
  return Number((minor / 10 ** exponent).toFixed(exponent));
}

/** A number from JSON, or from a numeric string (form bodies carry strings); undefined otherwise. */
export function numberish(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '' && /^-?\d+(\.\d+)?$/.test(value.trim())) return Number(value);
  return undefined;
}

/** A boolean from JSON, or from "true"/"false" (form bodies, query strings). */
export function booleanish(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/**
 * Longest strings PortOne V1 returns: the `maxLength`s of the official OpenAPI's PaymentAnnotation and
 * CustomerAnnotation (the same limits as the `again` / customer parameters they come from).
 */
export const PORTONE_MAX_LENGTH = {
  name: 40,
  buyer_name: 16,
  buyer_email: 64,
  buyer_tel: 16,
  buyer_addr: 128,
  buyer_postcode: 8,
  customer_name: 20,
  customer_tel: 20,
  customer_email: 200,
} as const;

/**
 * A string cut to `max` characters (code points, as JSON Schema counts them); null stays null. The documents say
 * nothing of a longer value but that PortOne stores a merchant_uid over 40 characters "cut to 40" (OpenAPI, `again`,
 * smartro_v2 note), so the sandbox answers with the cut value rather than one PortOne cannot send.
 */
export function clip(value: string | null, max: number): string | null {
  if (value === null || value.length <= max) return value;
  const points = Array.from(value);
  return points.length <= max ? value : points.slice(0, max).join('');
}
