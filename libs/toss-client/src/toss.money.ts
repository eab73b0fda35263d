// Toss expresses USD as a decimal number (10.5); the product keeps integer cents. Converting through string digits
// instead of multiplying by 100 keeps the result exact: 19.99 * 100 is 1998.9999999999998 in binary floating point.

const DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Converts a Toss USD amount (a decimal number such as 19.99, or its string form) to integer cents, exactly.
 * @throws RangeError when the value is negative, not finite, has more than two decimal places, or exceeds
 *   `Number.MAX_SAFE_INTEGER` cents — such a value is not a USD amount and must not be rounded silently.
 */
export function usdToCents(value: number | string): number {
  // Number → shortest round-trip decimal string ("19.99"), which is the decimal Toss sent.
  const text = typeof value === 'number' ? numberToPlainString(value) : value.trim();
  const m = DECIMAL.exec(text);
  if (!m) throw new RangeError('usdToCents: not a non-negative decimal amount');
  const whole = m[1];
  const frac = (m[2] ?? '').replace(/0+$/, '');
  if (frac.length > 2) throw new RangeError('usdToCents: more than two decimal places');
  const cents = BigInt(whole) * 100n + BigInt(frac.padEnd(2, '0'));
  if (cents > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('usdToCents: amount too large');
  return Number(cents);
}

/**
 * Converts integer cents to the decimal number Toss expects (1999 → 19.99). Division by 100 is correctly rounded,
 * so the result is the double nearest to the exact decimal and serialises as exactly that decimal in JSON.
 * @throws RangeError when `cents` is not a non-negative safe integer.
 */
export function centsToUsd(cents: number): number {
  if (!Number.isSafeInteger(cents) || cents < 0)
    throw new RangeError('centsToUsd: cents must be a non-negative safe integer');
  return cents / 100;
}

function numberToPlainString(n: number): string {
  if (!Number.isFinite(n)) return 'NaN';
  // Exponent notation (1e21, 1e-7) is never a valid two-decimal amount within range; let the pattern reject it.
  return String(n);
}
