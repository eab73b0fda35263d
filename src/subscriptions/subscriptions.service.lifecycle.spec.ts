import type { GatewayDescriptor, GatewayRegistry, PaymentGatewayAdapter } from '@app/pg-contract';
import { strictMock } from '../../test/helpers/strict-mock';
import type { BillingKey } from '../billing-keys/billing-key.entity';
import type { BillingKeysService } from '../billing-keys/billing-keys.service';
import type { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import type { Customer } from '../customers/customer.entity';
import type { CustomersService } from '../customers/customers.service';
import type { Plan } from '../plans/plan.entity';
import type { PlansService } from '../plans/plans.service';
import type { RiskService } from '../risk/risk.service';
import type { Subscription } from './subscription.entity';
import type { SubscriptionsRepository } from './subscriptions.repository';
import { SubscriptionsService } from './subscriptions.service';

// The refusals before anything is stored, and cancels; creation itself is in subscriptions.service.spec.ts.
const NOW = new Date('2026-12-07T00:00:00.000Z');
const clock = { now: () => NOW } as Clock;

const codeOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return (err as DomainError).code;
};

function creating(opts: { keyCustomer?: string; gateway?: string; billingKeys?: boolean }) {
  const descriptor = {
    code: 'acme-pay',
    paymentMethod: 'card',
    capabilities: { billingKeys: opts.billingKeys ?? true, currencies: ['USD'] },
  } as unknown as GatewayDescriptor;
  const service = new SubscriptionsService(
    strictMock<SubscriptionsRepository>(), // no insert: a refused subscription must not be stored
    strictMock<CustomersService>({ require: async () => ({ id: 'cus_1' }) as Customer }),
    strictMock<PlansService>({ requireOpen: async () => ({ id: 'plan_1', currency: 'USD' }) as Plan }),
    strictMock<BillingKeysService>({
      requireChargeable: async () =>
        ({ id: 'bk_1', customerId: opts.keyCustomer ?? 'cus_1', gateway: opts.gateway ?? 'acme-pay' }) as BillingKey,
    }),
    strictMock<GatewayRegistry>({
      has: (code: string) => code === 'acme-pay',
      get: (() => ({ descriptor }) as PaymentGatewayAdapter) as GatewayRegistry['get'],
    }),
    strictMock<RiskService>(),
    clock,
  );
  return service.create('mch_1', { customerId: 'cus_1', planId: 'plan_1', billingKeyId: 'bk_1' });
}

describe('SubscriptionsService.create refusals', () => {
  it("refuses another customer's billing key", async () => {
    expect(await codeOf(creating({ keyCustomer: 'cus_2' }))).toBe('BILLING_KEY_CUSTOMER_MISMATCH');
  });

  it('refuses a key of a gateway that is not registered any more', async () => {
    expect(await codeOf(creating({ gateway: 'gone-pay' }))).toBe('UNSUPPORTED_GATEWAY');
  });

  it('refuses a key of a gateway that cannot charge billing keys', async () => {
    expect(await codeOf(creating({ billingKeys: false }))).toBe('UNSUPPORTED_GATEWAY');
  });
});

describe('SubscriptionsService.cancel', () => {
  const row = (status: Subscription['status']) =>
    ({
      id: 'sub_1',
      merchantId: 'mch_1',
      status,
      currentPeriodStart: NOW,
      currentPeriodEnd: NOW,
      nextChargeAt: null,
      anchorAt: NOW,
      canceledAt: null,
      createdAt: NOW,
      updatedAt: NOW,
    }) as unknown as Subscription;

  function setup(status: Subscription['status'] | null) {
    const repo = {
      findForMerchant: jest.fn(async () => (status ? row(status) : null)),
      cancelNow: jest.fn(async () => true),
      cancelAtPeriodEnd: jest.fn(async () => true),
    };
    const service = new SubscriptionsService(
      strictMock<SubscriptionsRepository>(repo),
      strictMock<CustomersService>(),
      strictMock<PlansService>(),
      strictMock<BillingKeysService>(),
      strictMock<GatewayRegistry>(),
      strictMock<RiskService>(),
      clock,
    );
    return { service, repo };
  }

  it('cancels now or at period end, as asked, scoped to the merchant', async () => {
    const now = setup('active');
    await now.service.cancel('mch_1', 'sub_1', { atPeriodEnd: false });
    expect(now.repo.cancelNow).toHaveBeenCalledWith('mch_1', 'sub_1', NOW);
    expect(now.repo.cancelAtPeriodEnd).not.toHaveBeenCalled();

    const atEnd = setup('past_due');
    await atEnd.service.cancel('mch_1', 'sub_1', { atPeriodEnd: true });
    expect(atEnd.repo.cancelAtPeriodEnd).toHaveBeenCalledWith('mch_1', 'sub_1', NOW);
    expect(atEnd.repo.cancelNow).not.toHaveBeenCalled();
  });

  it('answers a canceled subscription unchanged, writing nothing', async () => {
    const { service, repo } = setup('canceled');
    expect(await service.cancel('mch_1', 'sub_1', { atPeriodEnd: false })).toMatchObject({ status: 'canceled' });
    expect(repo.cancelNow).not.toHaveBeenCalled();
    expect(repo.cancelAtPeriodEnd).not.toHaveBeenCalled();
  });

  it("another merchant's or a missing subscription is NOT_FOUND", async () => {
    const { service, repo } = setup(null);
    expect(await codeOf(service.cancel('mch_2', 'sub_1', { atPeriodEnd: false }))).toBe('NOT_FOUND');
    expect(repo.cancelNow).not.toHaveBeenCalled();
  });
});
