import type { GatewayRegistry } from '@app/pg-contract';
import type { DataSource } from 'typeorm';
import type { Clock } from '../clock/clock';
import type { Charge } from './charge.entity';
import type { ChargeEvents } from './charges.events';
import { ExternalRefunds } from './charges.external-refunds';

const NOW = new Date('2026-12-01T10:00:00Z');
const charge = (over: Partial<Charge> = {}) =>
  ({
    id: 'chg_1',
    merchantId: 'mch_1',
    gateway: 'portone-paypal-rt',
    gatewayPaymentId: 'imps_1',
    merchantUid: 'm_1',
    amount: 5000,
    currency: 'USD',
    refundedAmount: 0,
    refundReserved: 0,
    status: 'succeeded',
    ...over,
  }) as Charge;

function setup(refunded: number) {
  const retrieve = jest.fn(async () => ({ status: 'SUCCEEDED', refunded: { amount: refunded, currency: 'USD' } }));
  const update = jest.fn(async () => undefined);
  const insert = jest.fn(async () => undefined);
  const execute = jest.fn(async () => ({ affected: 1 }));
  const cancelChanged = jest.fn(async () => undefined);
  const qb = { update: () => qb, set: () => qb, where: () => qb, andWhere: () => qb, execute };
  const ds = {
    getRepository: () => ({ update }),
    transaction: async (fn: (em: unknown) => Promise<unknown>) => fn({ createQueryBuilder: () => qb, insert }),
  } as unknown as DataSource;
  const service = new ExternalRefunds(
    { require: () => ({ retrieve }) } as unknown as GatewayRegistry,
    { now: () => NOW } as Clock,
    ds,
    { cancelChanged } as unknown as ChargeEvents,
  );
  return { service, update, insert, cancelChanged };
}

describe('ExternalRefunds', () => {
  it('records the difference as one external, settled cancel', async () => {
    const s = setup(2000);
    await expect(s.service.apply(charge(), {})).resolves.toBe('recorded');
    expect(s.insert).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({ amount: 2000, external: true, status: 'succeeded' }),
    );
    // Its events (cancel.succeeded, charge.refunded) in the same transaction.
    expect(s.cancelChanged).toHaveBeenCalledWith(expect.anything(), expect.stringMatching(/^chx_/), { refunded: true });
  });

  it('flags what it cannot explain (a cancel of ours reserved, or a total below ours) instead of guessing', async () => {
    for (const [refunded, over] of [
      [2000, { refundReserved: 1000 }],
      [1000, { refundedAmount: 3000, status: 'partially_canceled' as const }],
    ] as const) {
      const s = setup(refunded);
      await expect(s.service.apply(charge(over), {})).resolves.toBe('flagged');
      expect(s.update).toHaveBeenCalledWith(
        { id: 'chg_1' },
        expect.objectContaining({ review: true, reviewReason: 'EXTERNAL_REFUND_UNEXPLAINED' }),
      );
      expect(s.insert).not.toHaveBeenCalled();
      expect(s.cancelChanged).not.toHaveBeenCalled();
    }
  });

  it('changes nothing when the totals agree', async () => {
    const s = setup(0);
    await expect(s.service.apply(charge(), {})).resolves.toBe('none');
  });
});
