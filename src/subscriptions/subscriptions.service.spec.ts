import type { GatewayDescriptor, GatewayRegistry } from '@app/pg-contract';
import type { BillingKeysService } from '../billing-keys/billing-keys.service';
import type { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import type { Customer } from '../customers/customer.entity';
import type { CustomersService } from '../customers/customers.service';
import type { PlansService } from '../plans/plans.service';
import type { RiskService } from '../risk/risk.service';
import type { Subscription } from './subscription.entity';
import type { SubscriptionsRepository } from './subscriptions.repository';
import { SubscriptionsService } from './subscriptions.service';

const NOW = new Date('2026-12-07T00:00:00.000Z');
const customer = { id: 'cus_1', merchantId: 'mch_1', countryCode: 'US' } as Customer;

function setup(
  opts: { currency?: string; keyCurrencies?: string[]; stc?: (ctx: unknown) => Record<string, string> } = {},
) {
  const repo = {
    insert: jest.fn(async (s: Subscription) => s),
    findForMerchant: jest.fn(async (): Promise<Subscription | null> => null),
    update: jest.fn(async (_m: string, _id: string, _expected: object, _change: object) => true),
    findRiskContexts: jest.fn(async (ids: readonly string[]) =>
      ids.map((id) => ({ id, riskContext: id === 'sub_1' ? { receiver_account_id: 'S' } : null })),
    ),
  };
  const plan = {
    id: 'plan_1',
    name: 'Pro',
    amount: 1999,
    currency: opts.currency ?? 'USD',
    interval: 'month',
    intervalCount: 1,
  };
  const descriptor = {
    code: 'gw-keys',
    paymentMethod: 'paypal',
    capabilities: { billingKeys: true, currencies: opts.keyCurrencies ?? ['USD'], refusesCurrencies: [] },
  } as unknown as GatewayDescriptor;
  const risk = {
    checkSubscriptionContext: jest.fn(async (_m: string, _c: Customer, ctx: unknown) =>
      opts.stc ? opts.stc(ctx) : {},
    ),
  };
  const service = new SubscriptionsService(
    repo as unknown as SubscriptionsRepository,
    { require: async () => customer } as unknown as CustomersService,
    { require: async () => plan } as unknown as PlansService,
    {
      requireChargeable: async () => ({ id: 'bk_1', customerId: 'cus_1', gateway: 'gw-keys' }),
    } as unknown as BillingKeysService,
    { has: () => true, get: () => ({ descriptor }) } as unknown as GatewayRegistry,
    risk as unknown as RiskService,
    { now: () => NOW } as Clock,
  );
  return { service, repo, risk };
}
const body = { customerId: 'cus_1', planId: 'plan_1', billingKeyId: 'bk_1' };

describe('SubscriptionsService.create', () => {
  it('checks the risk context against the merchant and customer, stores what the check returns and shows it', async () => {
    const { service, repo, risk } = setup({ stc: () => ({ receiver_account_id: 'SELLER-1' }) });
    const view = await service.create('mch_1', { ...body, riskContext: { receiver_account_id: ' SELLER-1 ' } });
    expect(risk.checkSubscriptionContext).toHaveBeenCalledWith('mch_1', customer, {
      receiver_account_id: ' SELLER-1 ',
    });
    expect(repo.insert.mock.calls[0][0]).toMatchObject({
      riskContext: { receiver_account_id: 'SELLER-1' },
      status: 'incomplete',
      currency: 'USD',
      nextChargeAt: NOW,
    });
    expect(view.riskContext).toEqual({ receiver_account_id: 'SELLER-1' });
  });

  it('no context: stored as null, shown as {}', async () => {
    const { service, repo } = setup();
    expect((await service.create('mch_1', body)).riskContext).toEqual({});
    expect(repo.insert.mock.calls[0][0].riskContext).toBeNull();
  });

  it('a refused context (STC_DATA_REQUIRED) records nothing', async () => {
    const { service, repo } = setup({
      stc: () => {
        throw new DomainError('STC_DATA_REQUIRED', 'missing', [{ field: 'receiver_account_id' }]);
      },
    });
    await expect(service.create('mch_1', body)).rejects.toMatchObject({
      code: 'STC_DATA_REQUIRED',
      details: [{ field: 'receiver_account_id' }],
    });
    expect(repo.insert).not.toHaveBeenCalled();
  });

  it("a plan currency the key's gateway does not take is 400 UNSUPPORTED_CURRENCY before the STC check", async () => {
    const { service, repo, risk } = setup({ currency: 'EUR', keyCurrencies: ['USD'] });
    await expect(service.create('mch_1', body)).rejects.toMatchObject({
      code: 'UNSUPPORTED_CURRENCY',
      details: [{ field: 'planId', accepted: ['USD'] }],
    });
    expect(risk.checkSubscriptionContext).not.toHaveBeenCalled();
    expect(repo.insert).not.toHaveBeenCalled();
  });

  it('riskContexts: by id, null when a subscription has none', async () => {
    const { service } = setup();
    expect(await service.riskContexts(['sub_1', 'sub_2'])).toEqual(
      new Map([
        ['sub_1', { receiver_account_id: 'S' }],
        ['sub_2', null],
      ]),
    );
  });
});

describe('SubscriptionsService.update and resume', () => {
  const existing = (over: Partial<Subscription> = {}) =>
    ({
      id: 'sub_1',
      merchantId: 'mch_1',
      customerId: 'cus_1',
      planId: 'plan_0',
      billingKeyId: 'bk_0',
      gateway: 'gw-keys',
      status: 'past_due',
      amount: 999,
      currency: 'USD',
      interval: 'month',
      intervalCount: 1,
      cycle: 2,
      attempt: 2,
      currentPeriodStart: NOW,
      currentPeriodEnd: NOW,
      nextChargeAt: new Date(NOW.getTime() + 86_400_000),
      cancelAtPeriodEnd: false,
      riskContext: null,
      createdAt: NOW,
      ...over,
    }) as Subscription;

  it('a new key of a past_due subscription waiting for its retry: used at once, and the retry is due now', async () => {
    const { service, repo } = setup();
    repo.findForMerchant.mockResolvedValue(existing());
    await service.update('mch_1', 'sub_1', { billingKeyId: 'bk_1' });
    expect(repo.update).toHaveBeenCalledWith(
      'mch_1',
      'sub_1',
      {},
      {
        billingKeyId: 'bk_1',
        gateway: 'gw-keys',
        nextChargeAt: NOW,
        updatedAt: NOW,
      },
    );
  });

  it('an incomplete subscription whose first charge was declined is retried now too; a first charge not yet due is not', async () => {
    const { service, repo } = setup();
    repo.findForMerchant.mockResolvedValue(existing({ status: 'incomplete', cycle: 0, attempt: 2 }));
    await service.update('mch_1', 'sub_1', { billingKeyId: 'bk_1' });
    expect(repo.update.mock.calls[0][3]).toMatchObject({ nextChargeAt: NOW });
    repo.findForMerchant.mockResolvedValue(existing({ status: 'incomplete', cycle: 0, attempt: 1 }));
    await service.update('mch_1', 'sub_1', { billingKeyId: 'bk_1' });
    expect(repo.update.mock.calls[1][3]).not.toHaveProperty('nextChargeAt');
  });

  it('a charge still at the PG (no next charge) keeps its schedule; the key still changes', async () => {
    const { service, repo } = setup();
    repo.findForMerchant.mockResolvedValue(existing({ nextChargeAt: null }));
    await service.update('mch_1', 'sub_1', { billingKeyId: 'bk_1' });
    expect(repo.update.mock.calls[0][3]).not.toHaveProperty('nextChargeAt');
  });

  it('a new plan is pending until the next period; the current plan withdraws it; another interval is 422', async () => {
    const { service, repo } = setup();
    repo.findForMerchant.mockResolvedValue(existing({ status: 'active' }));
    await service.update('mch_1', 'sub_1', { planId: 'plan_1' });
    expect(repo.update.mock.calls[0][3]).toEqual({ pendingPlanId: 'plan_1', updatedAt: NOW });
    repo.findForMerchant.mockResolvedValue(existing({ status: 'active', planId: 'plan_1', pendingPlanId: 'plan_2' }));
    await service.update('mch_1', 'sub_1', { planId: 'plan_1' });
    expect(repo.update.mock.calls[1][3]).toEqual({ pendingPlanId: null, updatedAt: NOW });
    repo.findForMerchant.mockResolvedValue(existing({ interval: 'week' }));
    await expect(service.update('mch_1', 'sub_1', { planId: 'plan_1' })).rejects.toMatchObject({
      code: 'PLAN_INTERVAL_MISMATCH',
    });
    expect(repo.update).toHaveBeenCalledTimes(2);
  });

  it('riskContext is checked as at creation and stored as the check returns it', async () => {
    const { service, repo, risk } = setup({ stc: () => ({ receiver_account_id: 'SELLER-2' }) });
    repo.findForMerchant.mockResolvedValue(existing());
    await service.update('mch_1', 'sub_1', { riskContext: { receiver_account_id: 'SELLER-2 ' } });
    expect(risk.checkSubscriptionContext).toHaveBeenCalledWith('mch_1', customer, {
      receiver_account_id: 'SELLER-2 ',
    });
    expect(repo.update.mock.calls[0][3]).toEqual({ riskContext: { receiver_account_id: 'SELLER-2' }, updatedAt: NOW });
  });

  it('a canceled subscription cannot change or resume (409); resume needs a cancel at period end', async () => {
    const { service, repo } = setup();
    repo.findForMerchant.mockResolvedValue(existing({ status: 'canceled' }));
    await expect(service.update('mch_1', 'sub_1', { billingKeyId: 'bk_1' })).rejects.toMatchObject({
      code: 'SUBSCRIPTION_CANCELED',
    });
    await expect(service.resume('mch_1', 'sub_1')).rejects.toMatchObject({ code: 'SUBSCRIPTION_CANCELED' });
    repo.findForMerchant.mockResolvedValue(existing({ status: 'active' }));
    await expect(service.resume('mch_1', 'sub_1')).rejects.toMatchObject({ code: 'SUBSCRIPTION_NOT_CANCELING' });
    repo.findForMerchant.mockResolvedValue(existing({ status: 'active', cancelAtPeriodEnd: true }));
    await service.resume('mch_1', 'sub_1');
    expect(repo.update).toHaveBeenCalledWith(
      'mch_1',
      'sub_1',
      { cancelAtPeriodEnd: true },
      {
        cancelAtPeriodEnd: false,
        updatedAt: NOW,
      },
    );
  });
});
