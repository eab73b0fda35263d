/**
 * Money inside the product: an integer count of the currency's minor unit plus an ISO 4217 code. Conversion to a PG's
 * own units (PortOne and Toss take decimal major units such as 10.5) happens only at the PG edge, through the exact
 * string/integer conversions below: no float arithmetic ever touches an amount.
 */

/**
 * An amount of money: `amount` is an integer in the currency's minor unit (USD cents, KRW won, JPY yen), `currency`
 * an upper-case ISO 4217 code listed in {@link CURRENCY_EXPONENTS}.
 */
export interface Money {
  /** Integer minor units (a safe integer). */
  readonly amount: number;
  /** ISO 4217 alphabetic code, upper case. */
  readonly currency: string;
}

/**
 * ISO 4217 minor-unit exponents (decimal places) of the currencies this product can name. A currency that is not here
 * is refused everywhere: an exponent is never guessed, because a wrong one moves money by a factor of 10 or 100.
 * These are ISO's values; a PG that counts differently (PayPal takes HUF and TWD without decimals) converts at its
 * edge and refuses amounts it cannot represent.
 */
export const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  AED: 2,
  ARS: 2,
  AUD: 2,
  BDT: 2,
  BGN: 2,
  BHD: 3,
  BIF: 0,
  BRL: 2,
  CAD: 2,
  CHF: 2,
  CLF: 4,
  CLP: 0,
  CNY: 2,
  COP: 2,
  CZK: 2,
  DJF: 0,
  DKK: 2,
  EGP: 2,
  EUR: 2,
  GBP: 2,
  GNF: 0,
  HKD: 2,
  HUF: 2,
  IDR: 2,
  ILS: 2,
  INR: 2,
  IQD: 3,
  ISK: 0,
  JOD: 3,
  JPY: 0,
  KES: 2,
  KMF: 0,
  KRW: 0,
  KWD: 3,
  KZT: 2,
  LKR: 2,
  LYD: 3,
  MAD: 2,
  MNT: 2,
  MXN: 2,
  MYR: 2,
  NGN: 2,
  NOK: 2,
  NZD: 2,
  OMR: 3,
  PEN: 2,
  PHP: 2,
  PKR: 2,
  PLN: 2,
  PYG: 0,
  QAR: 2,
  RON: 2,
  RSD: 2,
  RUB: 2,
  RWF: 0,
  SAR: 2,
  SEK: 2,
  SGD: 2,
  THB: 2,
  TND: 3,
  TRY: 2,
  TWD: 2,
  UAH: 2,
  UGX: 0,
  USD: 2,
  UYI: 0,
  UYU: 2,
  UYW: 4,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  ZAR: 2,
});

/** Thrown for a currency code that is malformed or not in {@link CURRENCY_EXPONENTS}. */
export class UnknownCurrencyError extends Error {
  /** @param currency the offending value (only its string form is kept, truncated). */
  constructor(readonly currency: unknown) {
    super(
      `unknown currency ${JSON.stringify(String(currency).slice(0, 16))} (not an ISO 4217 code this product knows)`,
    );
    this.name = 'UnknownCurrencyError';
  }
}

/** Thrown for an amount that is not a valid amount of its currency (not an integer, unsafe, too many decimals...). */
export class InvalidAmountError extends Error {
  /** @param message what is wrong, without echoing more than the value itself. */
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAmountError';
  }
}

/** Thrown when two amounts of different currencies are combined or compared. */
export class CurrencyMismatchError extends Error {
  /** @param a first currency @param b second currency */
  constructor(a: string, b: string) {
    super(`currency mismatch: ${a} vs ${b}`);
    this.name = 'CurrencyMismatchError';
  }
}

const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

/** True when `code` is an upper-case ISO 4217 code listed in {@link CURRENCY_EXPONENTS}. */
export function isKnownCurrency(code: unknown): code is string {
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code) && hasOwn(CURRENCY_EXPONENTS, code);
}

/** The minor-unit exponent of `code` (USD 2, KRW 0, KWD 3). Throws {@link UnknownCurrencyError}; never guesses. */
export function currencyExponent(code: string): number {
  if (!isKnownCurrency(code)) throw new UnknownCurrencyError(code);
  return CURRENCY_EXPONENTS[code];
}

/**
 * Why `value` is not a valid {@link Money}, or null when it is: a known currency and a safe integer amount (negative
 * amounts are allowed only with `allowNegative`, zero only unless `positive`).
 */
export function moneyProblem(
  value: unknown,
  options: { positive?: boolean; allowNegative?: boolean } = {},
): string | null {
  if (typeof value !== 'object' || value === null) return 'money must be an object { amount, currency }';
  const { amount, currency } = value as { amount?: unknown; currency?: unknown };
  if (!isKnownCurrency(currency)) return `unknown currency ${JSON.stringify(String(currency).slice(0, 16))}`;
  if (typeof amount !== 'number' || !Number.isSafeInteger(amount))
    return 'amount must be a safe integer of minor units';
  if (amount < 0 && !options.allowNegative) return 'amount must not be negative';
  if (amount === 0 && options.positive) return 'amount must be positive';
  return null;
}

/** True when `value` is a valid {@link Money} (see {@link moneyProblem}). */
export function isMoney(value: unknown, options: { positive?: boolean; allowNegative?: boolean } = {}): value is Money {
  return moneyProblem(value, options) === null;
}

/** Throws {@link UnknownCurrencyError} or {@link InvalidAmountError} unless `value` is a valid {@link Money}. */
export function assertMoney(
  value: unknown,
  options: { positive?: boolean; allowNegative?: boolean } = {},
): asserts value is Money {
  const problem = moneyProblem(value, options);
  if (problem === null) return;
  const currency = (value as { currency?: unknown } | null)?.currency;
  if (typeof value === 'object' && value !== null && !isKnownCurrency(currency))
    throw new UnknownCurrencyError(currency);
  throw new InvalidAmountError(problem);
}

/** A validated, frozen {@link Money}. Throws like {@link assertMoney} (negative amounts refused). */
export function money(amount: number, currency: string): Money {
  const m = { amount, currency };
  assertMoney(m);
  return Object.freeze(m);
}

/** Zero of `currency`. */
export function zeroMoney(currency: string): Money {
  return money(0, currency);
}

/** True when both have the same currency and amount. */
export function sameMoney(a: Money, b: Money): boolean {
  return a.currency === b.currency && a.amount === b.amount;
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency) throw new CurrencyMismatchError(a.currency, b.currency);
}

/** `a + b`; throws {@link CurrencyMismatchError} across currencies and {@link InvalidAmountError} past 2^53. */
export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  const sum = a.amount + b.amount;
  if (!Number.isSafeInteger(sum)) throw new InvalidAmountError('sum is not a safe integer');
  return Object.freeze({ amount: sum, currency: a.currency });
}

/** `a - b`; throws {@link CurrencyMismatchError} across currencies. The result may be negative. */
export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  const diff = a.amount - b.amount;
  if (!Number.isSafeInteger(diff)) throw new InvalidAmountError('difference is not a safe integer');
  return Object.freeze({ amount: diff, currency: a.currency });
}

/** Negative, zero or positive as `a` is below, equal to or above `b`; throws across currencies. */
export function compareMoney(a: Money, b: Money): number {
  sameCurrency(a, b);
  return a.amount === b.amount ? 0 : a.amount < b.amount ? -1 : 1;
}

/**
 * The amount in major units as an exact decimal string with exactly the currency's number of decimals:
 * `{1999, USD}` → `"19.99"`, `{1050, USD}` → `"10.50"`, `{5000, KRW}` → `"5000"`, `{-5, USD}` → `"-0.05"`.
 * Pure integer/string work: no float is ever formed.
 */
export function toMajorUnits(m: Money): string {
  assertMoney(m, { allowNegative: true });
  const exp = CURRENCY_EXPONENTS[m.currency];
  const negative = m.amount < 0;
  const digits = String(Math.abs(m.amount));
  if (exp === 0) return `${negative ? '-' : ''}${digits}`;
  const padded = digits.padStart(exp + 1, '0');
  return `${negative ? '-' : ''}${padded.slice(0, -exp)}.${padded.slice(-exp)}`;
}

/** Largest number of significant digits a JSON number keeps exactly through a double and back. */
const MAX_EXACT_DIGITS = 15;

/**
 * The amount in major units as a JavaScript number for a PG's JSON body (`{1999, USD}` → `19.99`). The number is
 * parsed from the exact decimal string, and `JSON.stringify` prints the shortest form that reads back as the same
 * double, so the PG receives exactly `19.99`. Throws {@link InvalidAmountError} for amounts with more than 15
 * significant digits, which a double cannot carry exactly.
 */
export function toMajorNumber(m: Money): number {
  const text = toMajorUnits(m);
  const significant = text.replace(/[-.]/g, '').replace(/^0+/, '');
  if (significant.length > MAX_EXACT_DIGITS)
    throw new InvalidAmountError('amount has too many digits to send as a JSON number');
  return Number(text);
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Parses an amount in major units (as a PG reports it: `10.5`, `"19.99"`, `5000`) into {@link Money}. Exact: the
 * decimal text is split into digits, never multiplied as a float. Throws {@link InvalidAmountError} when the value is
 * not a plain decimal (exponent notation, NaN, empty), has more non-zero decimals than the currency allows
 * (`10.005 USD`, or float noise such as `0.30000000000000004`), or does not fit a safe integer; negative amounts only
 * with `allowNegative`. Throws {@link UnknownCurrencyError} for an unknown currency.
 */
export function fromMajorUnits(
  value: string | number,
  currency: string,
  options: { allowNegative?: boolean } = {},
): Money {
  const exp = currencyExponent(currency);
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new InvalidAmountError('amount is not a finite number');
    // String() gives the shortest decimal that reads back as this double: 19.99 -> "19.99". Exponent forms
    // (1e-7, 1e+21) are refused below: no real PG amount looks like that.
    text = Object.is(value, -0) ? '0' : String(value);
  } else if (typeof value === 'string') {
    text = value.trim();
  } else {
    throw new InvalidAmountError('amount must be a number or a decimal string');
  }
  const match = DECIMAL.exec(text);
  if (!match) throw new InvalidAmountError(`amount ${JSON.stringify(text.slice(0, 32))} is not a plain decimal number`);
  const [, sign, whole, frac = ''] = match;
  if (frac.length > exp && /[^0]/.test(frac.slice(exp))) {
    throw new InvalidAmountError(
      `amount ${JSON.stringify(text.slice(0, 32))} has more than ${exp} decimals for ${currency}`,
    );
  }
  const minorDigits = `${whole}${frac.slice(0, exp).padEnd(exp, '0')}`;
  const big = BigInt(minorDigits);
  if (big > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvalidAmountError('amount does not fit a safe integer of minor units');
  let amount = Number(big);
  if (sign && amount !== 0) {
    if (!options.allowNegative) throw new InvalidAmountError('amount must not be negative');
    amount = -amount;
  }
  return Object.freeze({ amount, currency });
}
