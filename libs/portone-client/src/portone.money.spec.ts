import { currencyExponent, minorToPortoneAmount, portoneAmountToMinor } from './portone.money';

describe('PortOne amounts (major units) ↔ minor units', () => {
  it.each([
    [1999, 'USD', 19.99],
    [1050, 'USD', 10.5],
    [10, 'USD', 0.1],
    [1000, 'JPY', 1000],
    [1234, 'KWD', 1.234],
  ])('minorToPortoneAmount(%p, %s) = %p', (minor, currency, major) => {
    expect(minorToPortoneAmount(minor, currency)).toBe(major);
    expect(portoneAmountToMinor(major, currency)).toBe(minor);
  });

  it.each([
    [19.999, 'USD'],
    [100.5, 'JPY'],
    [-1, 'USD'],
    [Number.NaN, 'USD'],
    [0.1 + 0.2, 'USD'],
  ])('portoneAmountToMinor(%p, %s) throws', (amount, currency) => {
    expect(() => portoneAmountToMinor(amount, currency)).toThrow(RangeError);
  });

  it('rejects non-integer minor units', () => {
    expect(() => minorToPortoneAmount(10.5, 'USD')).toThrow(RangeError);
  });

  it('knows the exponents that differ from 2', () => {
    expect([
      currencyExponent('USD'),
      currencyExponent('EUR'),
      currencyExponent('JPY'),
      currencyExponent('KRW'),
      currencyExponent('BHD'),
    ]).toEqual([2, 2, 0, 0, 3]);
  });

  it('round-trips every USD amount up to $2,000.00 exactly', () => {
    for (let cents = 0; cents <= 200_000; cents++) {
      if (portoneAmountToMinor(minorToPortoneAmount(cents, 'USD'), 'USD') !== cents)
        throw new Error(`drift at ${cents}`);
    }
  });
});
