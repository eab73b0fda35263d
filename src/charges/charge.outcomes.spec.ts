import type { PaymentOutcome } from '@app/pg-contract';
import { chargeResultOf, MERCHANT_UID_MAX, paidStatus, recurringMerchantUid } from './charge.outcomes';

const now = new Date('2027-01-01T00:00:00.000Z');
const backoff = [60_000, 300_000];
const charge = { amount: 1999, lookupAttempts: 0, gatewayPaymentId: null };
const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('charge outcomes', () => {
  it('merchant_uid is deterministic per (subscription, cycle, attempt) and fits PortOne’s 40 characters', () => {
    const id = 'sub_AbCdEfGhIjKlMnOp';
    expect(recurringMerchantUid(id, 12, 3)).toBe('sub_AbCdEfGhIjKlMnOp-c12-a3');
    expect(recurringMerchantUid(id, 12, 3)).toBe(recurringMerchantUid(id, 12, 3));
    expect(recurringMerchantUid(id, 99999, 9).length).toBeLessThanOrEqual(MERCHANT_UID_MAX);
    expect(() => recurringMerchantUid('sub_' + 'x'.repeat(40), 1, 1)).toThrow(RangeError);
  });

  it.each([
    [0, 'succeeded'],
    [500, 'partially_canceled'],
    [1999, 'canceled'],
  ])('a paid charge with %i refunded is %s', (refunded, status) => {
    expect(paidStatus(1999, refunded)).toBe(status);
  });

  const cases: Array<[string, PaymentOutcome, string, Record<string, unknown>]> = [
    [
      'SUCCEEDED',
      {
        status: 'SUCCEEDED',
        gatewayPaymentId: 'imp_1',
        reference: 'r',
        amount: usd(1999),
        refunded: usd(0),
        rawStatus: 'paid',
      },
      'succeeded',
      { status: 'succeeded', gatewayPaymentId: 'imp_1', settledAt: now },
    ],
    [
      'DECLINED soft',
      { status: 'DECLINED', kind: 'soft', code: 'INSTRUMENT_DECLINED', message: 'no' },
      'soft_decline',
      { status: 'failed', declineKind: 'soft', failureCode: 'INSTRUMENT_DECLINED' },
    ],
    [
      'DECLINED hard',
      { status: 'DECLINED', kind: 'hard', code: 'AGREEMENT_ALREADY_CANCELLED', message: 'no' },
      'hard_decline',
      { status: 'failed', declineKind: 'hard' },
    ],
    [
      'NOT_SENT retryable',
      { status: 'NOT_SENT', reason: 'connection', code: 'ECONNREFUSED', message: 'x', retryable: true },
      'resend',
      { status: 'sending', resendable: true },
    ],
    [
      'NOT_SENT final',
      { status: 'NOT_SENT', reason: 'invalid_request', code: 'CURRENCY_NOT_SUPPORTED', message: 'x', retryable: false },
      'hard_decline',
      { status: 'failed', declineKind: 'hard' },
    ],
    // Our PG keys refused (or an input bug) says nothing about the customer's payment method: dunning, never a cancel at attempt 1.
    [
      'NOT_SENT keys refused',
      { status: 'NOT_SENT', reason: 'refused_by_pg', code: 'UNAUTHORIZED', message: 'x', retryable: false },
      'soft_decline',
      { status: 'failed', declineKind: 'soft' },
    ],
    [
      'NOT_SENT invalid input',
      { status: 'NOT_SENT', reason: 'invalid_request', code: 'INVALID_REQUEST', message: 'x', retryable: false },
      'soft_decline',
      { status: 'failed', declineKind: 'soft' },
    ],
    [
      'PENDING',
      { status: 'PENDING', gatewayPaymentId: 'imp_2', reference: 'r', amount: usd(1999), rawStatus: 'failed' },
      'blocked',
      { status: 'pending', nextLookupAt: new Date(now.getTime() + 60_000), lookupAttempts: 0 },
    ],
    [
      'UNKNOWN',
      { status: 'UNKNOWN', reason: 'timeout', message: 'no answer' },
      'blocked',
      { status: 'unknown', nextLookupAt: new Date(now.getTime() + 60_000), failureCode: 'TIMEOUT' },
    ],
    [
      'MISMATCH',
      {
        status: 'MISMATCH',
        field: 'amount',
        expected: usd(1999),
        reported: usd(1),
        gatewayPaymentId: 'imp_3',
        rawStatus: 'paid',
        reportedStatus: 'SUCCEEDED',
      },
      'blocked',
      { status: 'unknown', review: true, reviewReason: 'MISMATCH_AMOUNT' },
    ],
  ];
  it.each(cases)('%s → %s', (_name, outcome, effect, patch) => {
    const r = chargeResultOf(outcome, charge, now, backoff);
    expect(r.effect).toBe(effect);
    expect(r.patch).toMatchObject(patch);
  });

  it('an unknown status is never success: a pending look-up result stays blocked, and after the last look-up is flagged', () => {
    const pending: PaymentOutcome = {
      status: 'PENDING',
      gatewayPaymentId: 'imp_2',
      reference: 'r',
      amount: usd(1999),
      rawStatus: 'failed',
    };
    const second = chargeResultOf(pending, { ...charge, lookupAttempts: 1 }, now, backoff, { fromLookup: true });
    expect(second.patch).toMatchObject({
      lookupAttempts: 2,
      nextLookupAt: null,
      review: true,
      reviewReason: 'PENDING_AFTER_LAST_LOOKUP',
    });
    const first = chargeResultOf(pending, charge, now, backoff, { fromLookup: true });
    expect(first.patch).toMatchObject({ lookupAttempts: 1, nextLookupAt: new Date(now.getTime() + 300_000) });
    expect(first.patch.review).toBeUndefined();
  });
});
