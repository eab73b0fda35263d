import type { LookupOutcome } from '@app/pg-contract';
import { strictMock } from '../../test/helpers/strict-mock';
import type { Clock } from '../clock/clock';
import type { Subscription } from '../subscriptions/subscription.entity';
import type { ChargeReviewAction } from './charge-review-action.entity';
import type { Charge } from './charge.entity';
import { newCharge } from './charges.mapper';
import type { ChargeReconciler } from './charges.reconciliation';
import type { ChargesRepository, RecordSummary, ResultWrite } from './charges.repository';
import { ChargeReview } from './charges.review';

const NOW = new Date('2026-12-07T00:00:00Z');

const inReview = (over: Partial<Charge> = {}): Charge =>
  newCharge({
    id: 'chg_1',
    merchantId: 'mch_1',
    subscriptionId: 'sub_1',
    customerId: 'cus_1',
    billingKeyId: 'bk_1',
    gateway: 'portone-paypal-rt',
    kind: 'recurring',
    cycle: 0,
    attempt: 1,
    merchantUid: 'sub_1-c0-a1',
    amount: 1999,
    currency: 'USD',
    orderName: 'Pro',
    status: 'pending',
    gatewayPaymentId: 'imp_1',
    review: true,
    reviewReason: 'PENDING_AFTER_LAST_LOOKUP',
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  });

function setup(charge: Charge | null, opts: { applied?: boolean } = {}) {
  const recorded: Array<{ writes: readonly ResultWrite[]; action?: ChargeReviewAction }> = [];
  const outcomes: LookupOutcome[] = [];
  const sub = { id: 'sub_1' } as Subscription;
  const repo = strictMock<ChargesRepository>({
    findForMerchant: async (m, id) => (charge && charge.merchantId === m && charge.id === id ? charge : null),
    findSubscriptions: async () => [sub],
    recordResults: async (writes, action): Promise<RecordSummary> => {
      recorded.push({ writes, action });
      return { applied: [opts.applied ?? true], fenced: 0 };
    },
    insertReviewAction: async () => undefined,
  });
  const lookUpNow = jest.fn(async () => undefined);
  const reconciler = strictMock<ChargeReconciler>({
    lookUpNow,
    resultWrite: (c, outcome, s) => {
      outcomes.push(outcome);
      expect(s).toBe(sub);
      const status = outcome.status === 'SUCCEEDED' ? 'succeeded' : 'failed';
      return {
        write: { chargeId: c.id, from: ['pending', 'unknown'], chargePatch: { status, gatewayPaymentId: 'x' } },
        result: { effect: status === 'succeeded' ? 'succeeded' : 'soft_decline', patch: { status } },
      };
    },
  });
  const clock = strictMock<Clock>({ now: () => NOW });
  return { review: new ChargeReview(repo, reconciler, clock), recorded, outcomes, lookUpNow };
}

describe('ChargeReview', () => {
  it('resolves through the result path as a PG answer, and records the action in the same write', async () => {
    const { review, recorded, outcomes } = setup(inReview());
    const action = await review.resolve('mch_1', 'chg_1', { resolution: 'succeeded', note: 'paid' }, 'key_a');
    expect(outcomes).toEqual([expect.objectContaining({ status: 'SUCCEEDED', gatewayPaymentId: 'imp_1' })]);
    expect(outcomes[0]).toMatchObject({ amount: { amount: 1999, currency: 'USD' } });
    expect(recorded).toHaveLength(1);
    expect(recorded[0].action).toBe(action);
    expect(action).toMatchObject({
      action: 'resolve',
      resolution: 'succeeded',
      note: 'paid',
      apiKeyId: 'key_a',
      chargeStatus: 'succeeded',
      createdAt: NOW,
    });
  });

  it('resolves failed as a soft decline, and keeps a missing PG id missing', async () => {
    const { review, recorded, outcomes } = setup(inReview({ gatewayPaymentId: null, status: 'unknown' }));
    await review.resolve('mch_1', 'chg_1', { resolution: 'failed', note: 'no' }, 'key_a');
    expect(outcomes).toEqual([expect.objectContaining({ status: 'DECLINED', kind: 'soft', code: 'RESOLVED_FAILED' })]);
    expect(recorded[0].writes[0].chargePatch).toMatchObject({ status: 'failed', gatewayPaymentId: null });
  });

  it('refuses a charge not in review before writing anything', async () => {
    const { review, recorded } = setup(inReview({ review: false, status: 'succeeded' }));
    await expect(review.resolve('mch_1', 'chg_1', { resolution: 'failed', note: 'x' }, 'key_a')).rejects.toMatchObject({
      code: 'CHARGE_NOT_IN_REVIEW',
      details: [{ status: 'succeeded', review: false }],
    });
    expect(recorded).toEqual([]);
  });

  it('answers CHARGE_NOT_IN_REVIEW when another writer settled the charge first', async () => {
    const { review } = setup(inReview(), { applied: false });
    await expect(
      review.resolve('mch_1', 'chg_1', { resolution: 'succeeded', note: 'x' }, 'key_a'),
    ).rejects.toMatchObject({ code: 'CHARGE_NOT_IN_REVIEW' });
  });

  it("answers 404 for another merchant's charge, on both actions", async () => {
    const { review, lookUpNow, recorded } = setup(inReview());
    await expect(review.lookup('mch_2', 'chg_1', 'key_b')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      review.resolve('mch_2', 'chg_1', { resolution: 'succeeded', note: 'x' }, 'key_b'),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(lookUpNow).not.toHaveBeenCalled();
    expect(recorded).toEqual([]);
  });

  it('looks up only pending or unknown charges', async () => {
    const open = setup(inReview());
    expect(await open.review.lookup('mch_1', 'chg_1', 'key_a')).toMatchObject({ action: 'lookup', apiKeyId: 'key_a' });
    expect(open.lookUpNow).toHaveBeenCalledTimes(1);
    const settled = setup(inReview({ status: 'failed', review: false }));
    await expect(settled.review.lookup('mch_1', 'chg_1', 'key_a')).rejects.toMatchObject({ code: 'CHARGE_NOT_OPEN' });
    expect(settled.lookUpNow).not.toHaveBeenCalled();
  });
});
