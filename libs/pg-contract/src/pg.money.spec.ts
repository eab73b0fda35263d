import {
  addMoney,
  assertMoney,
  compareMoney,
  currencyExponent,
  CurrencyMismatchError,
  CURRENCY_EXPONENTS,
  fromMajorUnits,
  InvalidAmountError,
  isKnownCurrency,
  isMoney,
  money,
  moneyProblem,
  sameMoney,
  subtractMoney,
  toMajorNumber,
  toMajorUnits,
  UnknownCurrencyError,
} from './pg.money';

describe('currency exponents', () => {
  it.each([
    ['USD', 2],
    ['EUR', 2],
    ['GBP', 2],
    ['KRW', 0],
    ['JPY', 0],
    ['VND', 0],
    ['CLP', 0],
    ['KWD', 3],
    ['BHD', 3],
    ['CLF', 4],
    ['HUF', 2],
    ['TWD', 2],
  ])('%s has %i decimals (ISO 4217)', (code, exp) => {
    expect(currencyExponent(code)).toBe(exp);
  });

  it.each(['usd', 'XXX', 'US', 'USDD', '', 'toString', '__proto__', 'constructor'])(
    'refuses %j instead of guessing',
    (code) => {
      expect(isKnownCurrency(code)).toBe(false);
      expect(() => currencyExponent(code)).toThrow(UnknownCurrencyError);
    },
  );

  it('is frozen', () => {
    expect(Object.isFrozen(CURRENCY_EXPONENTS)).toBe(true);
    expect(() => {
      (CURRENCY_EXPONENTS as Record<string, number>).XYZ = 2;
    }).toThrow(TypeError);
  });
});

describe('toMajorUnits', () => {
  it.each<[number, string, string]>([
    [1999, 'USD', '19.99'],
    [1050, 'USD', '10.50'],
    [1000, 'USD', '10.00'],
    [5, 'USD', '0.05'],
    [0, 'USD', '0.00'],
    [-5, 'USD', '-0.05'],
    [-1999, 'EUR', '-19.99'],
    [5000, 'KRW', '5000'],
    [0, 'JPY', '0'],
    [1, 'KWD', '0.001'],
    [12345, 'BHD', '12.345'],
    [1, 'CLF', '0.0001'],
    [Number.MAX_SAFE_INTEGER, 'USD', '90071992547409.91'],
  ])('%i %s -> %s', (amount, currency, expected) => {
    expect(toMajorUnits({ amount, currency })).toBe(expected);
  });

  it.each([
    [{ amount: 10.5, currency: 'USD' }, InvalidAmountError],
    [{ amount: Number.NaN, currency: 'USD' }, InvalidAmountError],
    [{ amount: 2 ** 53, currency: 'USD' }, InvalidAmountError],
    [{ amount: 100, currency: 'XXX' }, UnknownCurrencyError],
    [{ amount: 100, currency: 'usd' }, UnknownCurrencyError],
  ])('refuses %j', (m, error) => {
    expect(() => toMajorUnits(m)).toThrow(error);
  });
});

describe('toMajorNumber', () => {
  it.each<[number, string, number, string]>([
    [1999, 'USD', 19.99, '19.99'],
    [1050, 'USD', 10.5, '10.5'],
    [30, 'USD', 0.3, '0.3'],
    [5000, 'KRW', 5000, '5000'],
    [123456789012345, 'KRW', 123456789012345, '123456789012345'],
  ])('%i %s -> %d, serialised as %s', (amount, currency, n, json) => {
    expect(toMajorNumber({ amount, currency })).toBe(n);
    expect(JSON.stringify(toMajorNumber({ amount, currency }))).toBe(json);
  });

  it('refuses amounts a double cannot carry exactly', () => {
    expect(() => toMajorNumber({ amount: 1234567890123456, currency: 'USD' })).toThrow(InvalidAmountError);
  });

  it('round-trips every cent from 0 to 100000.00 exactly through JSON', () => {
    for (let amount = 0; amount <= 10_000_000; amount += 997) {
      const wire = JSON.parse(JSON.stringify({ amount: toMajorNumber({ amount, currency: 'USD' }) })) as {
        amount: number;
      };
      expect(fromMajorUnits(wire.amount, 'USD').amount).toBe(amount);
    }
  });
});

describe('fromMajorUnits', () => {
  it.each<[string | number, string, number]>([
    ['19.99', 'USD', 1999],
    [19.99, 'USD', 1999],
    [10.5, 'USD', 1050],
    ['10.5', 'USD', 1050],
    ['10.500', 'USD', 1050],
    [10, 'USD', 1000],
    ['0.01', 'USD', 1],
    [0.07, 'USD', 7],
    [1.15, 'USD', 115],
    [4.35, 'USD', 435],
    [0, 'USD', 0],
    ['  7.25 ', 'USD', 725],
    [5000, 'KRW', 5000],
    ['5000', 'KRW', 5000],
    ['5000.00', 'KRW', 5000],
    ['12.345', 'KWD', 12345],
    ['90071992547409.91', 'USD', Number.MAX_SAFE_INTEGER],
    ['-0', 'USD', 0],
  ])('%j %s -> %i', (value, currency, expected) => {
    const m = fromMajorUnits(value, currency);
    expect(m).toEqual({ amount: expected, currency });
    expect(Object.isFrozen(m)).toBe(true);
  });

  it('is exact where float multiplication is not', () => {
    // The naive way gets these wrong: 19.99 * 100 = 1998.9999999999998, 1.005 * 1000 = 1004.9999999999999.
    expect(19.99 * 100).not.toBe(1999);
    expect(fromMajorUnits(19.99, 'USD').amount).toBe(1999);
    expect(fromMajorUnits('1.005', 'KWD').amount).toBe(1005);
  });

  it.each<[unknown, string, unknown]>([
    [0.1 + 0.2, 'USD', InvalidAmountError], // 0.30000000000000004: float noise is refused, never rounded
    ['10.005', 'USD', InvalidAmountError],
    ['10.5', 'KRW', InvalidAmountError],
    ['1e3', 'USD', InvalidAmountError],
    [1e21, 'USD', InvalidAmountError],
    [1e-7, 'USD', InvalidAmountError],
    ['', 'USD', InvalidAmountError],
    ['.5', 'USD', InvalidAmountError],
    ['5.', 'USD', InvalidAmountError],
    ['+5', 'USD', InvalidAmountError],
    ['0x10', 'USD', InvalidAmountError],
    ['1,000.00', 'USD', InvalidAmountError],
    [Number.NaN, 'USD', InvalidAmountError],
    [Number.POSITIVE_INFINITY, 'USD', InvalidAmountError],
    [-1, 'USD', InvalidAmountError],
    ['-0.01', 'USD', InvalidAmountError],
    ['90071992547409.92', 'USD', InvalidAmountError],
    [null, 'USD', InvalidAmountError],
    ['10', 'XXX', UnknownCurrencyError],
    ['10', 'usd', UnknownCurrencyError],
  ])('refuses %j %s', (value, currency, error) => {
    expect(() => fromMajorUnits(value as string, currency)).toThrow(error as new () => Error);
  });

  it('accepts negatives only when asked', () => {
    expect(fromMajorUnits('-0.05', 'USD', { allowNegative: true })).toEqual({ amount: -5, currency: 'USD' });
  });

  it.each<[number, string]>([
    [1999, 'USD'],
    [1, 'USD'],
    [100, 'KRW'],
    [12345, 'BHD'],
    [98765, 'CLF'],
  ])('round-trips %i %s through the decimal string', (amount, currency) => {
    expect(fromMajorUnits(toMajorUnits({ amount, currency }), currency)).toEqual({ amount, currency });
  });
});

describe('validation and arithmetic', () => {
  it.each<[unknown, { positive?: boolean; allowNegative?: boolean }, boolean]>([
    [{ amount: 100, currency: 'USD' }, {}, true],
    [{ amount: 0, currency: 'USD' }, {}, true],
    [{ amount: 0, currency: 'USD' }, { positive: true }, false],
    [{ amount: -1, currency: 'USD' }, {}, false],
    [{ amount: -1, currency: 'USD' }, { allowNegative: true }, true],
    [{ amount: 1.5, currency: 'USD' }, {}, false],
    [{ amount: '100', currency: 'USD' }, {}, false],
    [{ amount: 100, currency: 'XXX' }, {}, false],
    [{ amount: 100 }, {}, false],
    [null, {}, false],
    ['100 USD', {}, false],
  ])('isMoney(%j, %j) = %s', (value, options, ok) => {
    expect(isMoney(value, options)).toBe(ok);
    expect(moneyProblem(value, options) === null).toBe(ok);
  });

  it('assertMoney names the problem', () => {
    expect(() => assertMoney({ amount: 1, currency: 'ABC' })).toThrow(UnknownCurrencyError);
    expect(() => assertMoney({ amount: 1.5, currency: 'USD' })).toThrow(/safe integer/);
    expect(() => money(-1, 'USD')).toThrow(/negative/);
  });

  it('adds, subtracts and compares within one currency only', () => {
    const a = money(1050, 'USD');
    const b = money(300, 'USD');
    expect(addMoney(a, b)).toEqual({ amount: 1350, currency: 'USD' });
    expect(subtractMoney(b, a)).toEqual({ amount: -750, currency: 'USD' });
    expect(compareMoney(a, b)).toBe(1);
    expect(compareMoney(b, a)).toBe(-1);
    expect(compareMoney(a, money(1050, 'USD'))).toBe(0);
    expect(sameMoney(a, money(1050, 'USD'))).toBe(true);
    expect(sameMoney(a, money(1050, 'EUR'))).toBe(false);
    expect(() => addMoney(a, money(1, 'EUR'))).toThrow(CurrencyMismatchError);
    expect(() => subtractMoney(a, money(1, 'KRW'))).toThrow(CurrencyMismatchError);
    expect(() => compareMoney(a, money(1, 'JPY'))).toThrow(CurrencyMismatchError);
    expect(() => addMoney(money(Number.MAX_SAFE_INTEGER, 'USD'), money(1, 'USD'))).toThrow(InvalidAmountError);
  });
});
