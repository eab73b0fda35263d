import { centsToUsd, usdToCents } from './toss.money';

describe('USD ↔ cents', () => {
  it.each([
    [19.99, 1999],
    [0.1, 10],
    [0.29, 29],
    [1.005, null], // 1.005 has three decimals: refused, not rounded
    [10.5, 1050],
    [0, 0],
    [1234567.89, 123456789],
    ['10.50', 1050],
    ['19.99', 1999],
    ['7', 700],
    [' 3.1 ', 310],
  ] as Array<[number | string, number | null]>)('usdToCents(%p) = %p', (input, expected) => {
    if (expected === null) expect(() => usdToCents(input)).toThrow(RangeError);
    else expect(usdToCents(input)).toBe(expected);
  });

  it.each([
    19.999,
    -1,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    1e-7,
    1e21,
    0.1 + 0.2,
    '1,000.00',
    '',
    '-5',
    '1e3',
    '0x10',
  ])('usdToCents(%p) throws RangeError', (input) => {
    expect(() => usdToCents(input)).toThrow(RangeError);
  });

  it('centsToUsd gives the decimal Toss expects, serialised exactly', () => {
    expect(centsToUsd(1999)).toBe(19.99);
    expect(JSON.stringify({ amount: centsToUsd(1999) })).toBe('{"amount":19.99}');
    expect(JSON.stringify({ amount: centsToUsd(10) })).toBe('{"amount":0.1}');
    expect(centsToUsd(0)).toBe(0);
  });

  it.each([1.5, -1, Number.NaN, Number.MAX_SAFE_INTEGER + 1])('centsToUsd(%p) throws RangeError', (cents) => {
    expect(() => centsToUsd(cents)).toThrow(RangeError);
  });

  it('round-trips every amount up to $2,000.00 and a spread of large ones without drift', () => {
    for (let cents = 0; cents <= 200_000; cents++) {
      const usd = centsToUsd(cents);
      if (usdToCents(usd) !== cents) throw new Error(`drift at ${cents}`);
      if (usdToCents(String(usd)) !== cents) throw new Error(`string drift at ${cents}`);
    }
    for (const cents of [9_999_999_99, 123_456_789_01, 900_719_925_474_099])
      expect(usdToCents(centsToUsd(cents))).toBe(cents);
  });
});
