import { checkIntegrity, isMismatch } from './pg.integrity';
import type { Money } from './pg.money';
import type { LookupOutcome, SucceededOutcome } from './pg.outcomes';

const usd = (amount: number): Money => ({ amount, currency: 'USD' });

function succeeded(amount: Money, over: Partial<SucceededOutcome> = {}): SucceededOutcome {
  return {
    status: 'SUCCEEDED',
    gatewayPaymentId: 'imp_1',
    reference: 'ref-1',
    amount,
    refunded: { amount: 0, currency: amount.currency },
    rawStatus: 'paid',
    ...over,
  };
}

describe('checkIntegrity', () => {
  it.each<[string, Money, LookupOutcome, string | null]>([
    ['same amount and currency', usd(1050), succeeded(usd(1050)), null],
    ['amount lower than asked', usd(1050), succeeded(usd(1000)), 'amount'],
    ['amount higher than asked', usd(1050), succeeded(usd(1051)), 'amount'],
    ['same number, other currency', usd(1050), succeeded({ amount: 1050, currency: 'EUR' }), 'currency'],
    ['KRW read as USD minor units', { amount: 10, currency: 'KRW' }, succeeded(usd(10)), 'currency'],
    ['amount is a float', usd(1050), succeeded({ amount: 10.5, currency: 'USD' }), 'unreadable_amount'],
    ['amount is NaN', usd(1050), succeeded({ amount: Number.NaN, currency: 'USD' }), 'unreadable_amount'],
    ['currency unknown', usd(1050), succeeded({ amount: 1050, currency: 'XXX' }), 'unreadable_amount'],
    ['refunded above the charge', usd(1050), succeeded(usd(1050), { refunded: usd(2000) }), 'unreadable_amount'],
    [
      'refunded in another currency',
      usd(1050),
      succeeded(usd(1050), { refunded: { amount: 0, currency: 'EUR' } }),
      'unreadable_amount',
    ],
    [
      'pending with another amount',
      usd(1050),
      { status: 'PENDING', gatewayPaymentId: 'imp_1', reference: 'ref-1', amount: usd(999), rawStatus: 'failed' },
      'amount',
    ],
    [
      'pending with the same amount',
      usd(1050),
      { status: 'PENDING', gatewayPaymentId: 'imp_1', reference: 'ref-1', amount: usd(1050), rawStatus: 'failed' },
      null,
    ],
  ])('%s', (_name, expected, outcome, field) => {
    const checked = checkIntegrity(expected, outcome);
    if (field === null) {
      expect(checked).toBe(outcome);
      expect(isMismatch(checked)).toBe(false);
    } else {
      expect(checked.status).toBe('MISMATCH');
      expect(checked).toMatchObject({ field, expected, gatewayPaymentId: 'imp_1', reportedStatus: outcome.status });
    }
  });

  it('keeps what the PG reported, so the core can cancel the right amount', () => {
    const checked = checkIntegrity(usd(1050), succeeded(usd(1000)));
    expect(checked).toEqual({
      status: 'MISMATCH',
      field: 'amount',
      expected: usd(1050),
      reported: usd(1000),
      gatewayPaymentId: 'imp_1',
      rawStatus: 'paid',
      reportedStatus: 'SUCCEEDED',
    });
  });

  it('checks the reference when one is expected', () => {
    expect(checkIntegrity(usd(1050), succeeded(usd(1050)), { reference: 'ref-1' }).status).toBe('SUCCEEDED');
    expect(checkIntegrity(usd(1050), succeeded(usd(1050)), { reference: 'ref-2' })).toMatchObject({
      status: 'MISMATCH',
      field: 'reference',
      expectedReference: 'ref-2',
      reportedReference: 'ref-1',
    });
  });

  it.each<LookupOutcome>([
    { status: 'DECLINED', kind: 'hard', code: 'X', message: 'no' },
    { status: 'NOT_SENT', reason: 'connection', retryable: true, code: 'ECONNREFUSED', message: 'refused' },
    { status: 'UNKNOWN', reason: 'timeout', message: 'no answer' },
    { status: 'NOT_FOUND', message: 'none' },
  ])('passes %j through untouched', (outcome) => {
    expect(checkIntegrity(usd(1), outcome)).toBe(outcome);
  });

  it('refuses an invalid expectation as a programming error', () => {
    expect(() => checkIntegrity({ amount: 1.5, currency: 'USD' }, succeeded(usd(150)))).toThrow();
    expect(() => checkIntegrity({ amount: 150, currency: 'usd' }, succeeded(usd(150)))).toThrow();
  });
});
