import { isPaypalPending, paypalPendingInfo } from './portone-paypal.pending';
import type { PortonePayment } from './portone.types';

type Case = [string, Pick<PortonePayment, 'status' | 'extension'>, { pending: boolean; reason?: string }];

describe('isPaypalPending / paypalPendingInfo', () => {
  const cases: Case[] = [
    [
      'failed + Pending + paymentreview',
      { status: 'failed', extension: { PaymentStatus: 'Pending', PendingReason: 'paymentreview' } },
      { pending: true, reason: 'paymentreview' },
    ],
    [
      'failed + Pending + echeck',
      { status: 'failed', extension: { PaymentStatus: 'Pending', PendingReason: 'echeck' } },
      { pending: true, reason: 'echeck' },
    ],
    [
      'failed + Pending + multi-currency',
      { status: 'failed', extension: { PaymentStatus: 'Pending', PendingReason: 'multi-currency' } },
      { pending: true, reason: 'multi-currency' },
    ],
    [
      'failed + Pending without a reason (still pending: never retry it as a decline)',
      { status: 'failed', extension: { PaymentStatus: 'Pending' } },
      { pending: true },
    ],
    [
      'ready + Pending + intl',
      { status: 'ready', extension: { PaymentStatus: 'Pending', PendingReason: 'intl' } },
      { pending: true, reason: 'intl' },
    ],
    [
      'key spelling: payment_status / pending_reason, lower-case value',
      { status: 'failed', extension: { payment_status: 'pending', pending_reason: 'verify' } },
      { pending: true, reason: 'verify' },
    ],
    [
      'nested under paypal_v2',
      { status: 'failed', extension: { paypal_v2: { PaymentStatus: 'Pending', PendingReason: 'paymentreview' } } },
      { pending: true, reason: 'paymentreview' },
    ],
    [
      'failed + Denied (a real decline)',
      { status: 'failed', extension: { PaymentStatus: 'Denied' } },
      { pending: false },
    ],
    [
      'failed + Failed',
      { status: 'failed', extension: { PaymentStatus: 'Failed', PendingReason: 'none' } },
      { pending: false },
    ],
    [
      'failed + Completed (inconsistent: trust PortOne, not pending)',
      { status: 'failed', extension: { PaymentStatus: 'Completed' } },
      { pending: false },
    ],
    ['failed without extension (not requested)', { status: 'failed' }, { pending: false }],
    ['failed with extension null', { status: 'failed', extension: null }, { pending: false }],
    [
      'failed with an extension lacking PaymentStatus',
      { status: 'failed', extension: { REMITTER: 'x' } },
      { pending: false },
    ],
    [
      'failed with a non-string PaymentStatus',
      { status: 'failed', extension: { PaymentStatus: 1 } },
      { pending: false },
    ],
    [
      'paid + Pending (PortOne says paid: approved)',
      { status: 'paid', extension: { PaymentStatus: 'Pending', PendingReason: 'echeck' } },
      { pending: false },
    ],
    ['cancelled + Pending', { status: 'cancelled', extension: { PaymentStatus: 'Pending' } }, { pending: false }],
  ];

  it.each(cases)('%s', (_name, payment, expected) => {
    expect(paypalPendingInfo(payment)).toEqual(expected);
    expect(isPaypalPending(payment)).toBe(expected.pending);
  });
});
