// PortOne V1 takes and returns amounts in the currency's major unit (10.5 USD); the product keeps integer minor
// units. Conversions go through decimal digits, never `* 100`, so 19.99 becomes 1999 and not 1998.9999999999998.

// ISO 4217 minor-unit exponents that differ from the usual 2.
const EXPONENT_0 = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'ISK',
  'JPY',
  'KMF',
  'KRW',
  'PYG',
  'RWF',
  'UGX',
  'UYI',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const EXPONENT_3 = new Set(['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND']);

/** The ISO 4217 number of decimal places of `currency` (2 unless listed otherwise). */
export function currencyExponent(currency: string): number {
  if (EXPONENT_0.has(currency)) return 0;
  if (EXPONENT_3.has(currency)) return 3;
  return 2;
}

/**
 * Integer minor units → PortOne's major-unit number (1050 USD → 10.5, 1000 JPY → 1000).
 * @throws RangeError when `minor` is not a non-negative safe integer.
 */
export function minorToPortoneAmount(minor: number, currency: string): number {
  if (!Number.isSafeInteger(minor) || minor < 0)
    throw new RangeError('minorToPortoneAmount: minor must be a non-negative safe integer');
  // Division by a power of ten is correctly rounded: the nearest double to the exact decimal, printed as that decimal.
  return minor / 10 ** currencyExponent(currency);
}

/**
 * PortOne's major-unit number → integer minor units, exactly.
 * @throws RangeError when the amount is negative, not finite, or has more decimals than the currency allows.
 */
export function portoneAmountToMinor(amount: number, currency: string): number {
  const exponent = currencyExponent(currency);
  const m = /^(\d+)(?:\.(\d+))?$/.exec(Number.isFinite(amount) ? String(amount) : '');
  if (!m) throw new RangeError('portoneAmountToMinor: not a non-negative decimal amount');
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > exponent)
    throw new RangeError(`portoneAmountToMinor: more than ${exponent} decimal places for ${currency}`);
  const minor = BigInt(m[1]) * 10n ** BigInt(exponent) + BigInt(frac.padEnd(exponent, '0') || '0');
  if (minor > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('portoneAmountToMinor: amount too large');
  return Number(minor);
}

/** True when `amount` has no more decimal places than `currency` allows. */
export function hasValidDecimals(amount: number, currency: string): boolean {
  try {
    portoneAmountToMinor(amount, currency);
    return true;
  } catch {
    return false;
  }
}
