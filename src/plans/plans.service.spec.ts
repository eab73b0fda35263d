import type { GatewayDescriptor, GatewayRegistry } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import type { Plan } from './plan.entity';
import type { PlansRepository } from './plans.repository';
import { PlansService, toPlanDto } from './plans.service';
import { strictMock, type StrictImpl } from '../../test/helpers/strict-mock';

const NOW = new Date('2026-12-07T00:00:00.000Z');
const descriptor = (code: string, currencies: string[], refusesCurrencies: string[] = [], billingKeys = true) =>
  ({
    code,
    displayName: code,
    paymentMethod: 'card',
    capabilities: {
      oneTimePayments: !billingKeys,
      billingKeys,
      cancel: true,
      partialCancel: true,
      webhookKind: 'unsigned',
      currencies,
      refusesCurrencies,
    },
  }) as GatewayDescriptor;

function setup(descriptors: GatewayDescriptor[], repoImpl: StrictImpl<PlansRepository> = {}) {
  const insert = jest.fn(async (p: Plan) => p);
  const repo = strictMock<PlansRepository>({ insert, ...repoImpl });
  const registry = strictMock<GatewayRegistry>({ list: () => descriptors });
  const service = new PlansService(repo, strictMock<Clock>({ now: () => NOW }), registry);
  return { service, repo: { insert } };
}
const plan = (currency: string) => ({ name: 'Pro', amount: 1000, currency, interval: 'month' });

describe('PlansService.create: currencies some registered billing-key gateway takes', () => {
  // As the registry describes them: one takes USD and EUR and refuses KRW, another KRW; a one-time gateway takes GBP.
  const gateways = [
    descriptor('gw-a', ['USD', 'EUR'], ['KRW']),
    descriptor('gw-b', ['KRW']),
    descriptor('gw-once', ['GBP'], [], false),
  ];

  it.each(['USD', 'eur', 'KRW'])('%s is accepted (upper-cased)', async (currency) => {
    const { service, repo } = setup(gateways);
    expect((await service.create('mch_1', plan(currency))).currency).toBe(currency.toUpperCase());
    expect(repo.insert).toHaveBeenCalledTimes(1);
  });

  it.each(['XXX', 'GBP'])(
    '%s, which no billing-key gateway takes, is 400 UNSUPPORTED_CURRENCY listing what is accepted; nothing stored',
    async (currency) => {
      const { service, repo } = setup(gateways);
      const err = await service.create('mch_1', plan(currency)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({
        code: 'UNSUPPORTED_CURRENCY',
        details: [{ field: 'currency', accepted: ['EUR', 'KRW', 'USD'] }],
      });
      expect(repo.insert).not.toHaveBeenCalled();
    },
  );

  it('a currency gateways only name as refused (KRW) is not accepted', async () => {
    const { service } = setup([descriptor('gw-a', ['USD'], ['KRW'])]);
    await expect(service.create('mch_1', plan('KRW'))).rejects.toMatchObject({ code: 'UNSUPPORTED_CURRENCY' });
  });
});

describe('PlansService.create: what is stored', () => {
  it('stores a new plan of the merchant with the clock’s time and a default interval count of 1', async () => {
    const { service, repo } = setup([descriptor('gw-a', ['USD'])]);
    const dto = await service.create('mch_1', plan('usd'));
    const stored = repo.insert.mock.calls[0][0];
    expect(stored).toMatchObject({
      merchantId: 'mch_1',
      name: 'Pro',
      amount: 1000,
      currency: 'USD',
      interval: 'month',
      intervalCount: 1,
      createdAt: NOW,
    });
    expect(stored.id).toMatch(/^plan_/);
    expect(dto).toEqual({
      id: stored.id,
      name: 'Pro',
      amount: 1000,
      currency: 'USD',
      interval: 'month',
      intervalCount: 1,
      createdAt: NOW.toISOString(),
      archivedAt: null,
    });
  });
});

describe('PlansService.get / require', () => {
  const stored = {
    id: 'plan_1',
    merchantId: 'mch_1',
    name: 'Pro',
    amount: 1000,
    currency: 'USD',
    interval: 'year',
    intervalCount: 2,
    createdAt: NOW,
    archivedAt: null,
  } as Plan;
  const findForMerchant = jest.fn(async (merchantId: string, id: string) =>
    merchantId === 'mch_1' && id === 'plan_1' ? stored : null,
  );

  it('reads the merchant’s own plan as its view', async () => {
    const { service } = setup([], { findForMerchant });
    await expect(service.get('mch_1', 'plan_1')).resolves.toEqual(toPlanDto(stored));
    expect(toPlanDto(stored)).toEqual({
      id: 'plan_1',
      name: 'Pro',
      amount: 1000,
      currency: 'USD',
      interval: 'year',
      intervalCount: 2,
      createdAt: '2026-12-07T00:00:00.000Z',
      archivedAt: null,
    });
  });

  it('answers another merchant’s plan, or an unknown one, as NOT_FOUND', async () => {
    const { service } = setup([], { findForMerchant });
    await expect(service.require('mch_2', 'plan_1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.get('mch_1', 'plan_404')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('PlansService archive / requireOpen', () => {
  const stored = (archivedAt: Date | null) =>
    ({
      id: 'plan_1',
      merchantId: 'mch_1',
      name: 'Pro',
      amount: 1000,
      currency: 'USD',
      interval: 'month',
      intervalCount: 1,
      createdAt: NOW,
      archivedAt,
    }) as Plan;

  it('archives the merchant’s plan at the clock’s time and answers its view with archivedAt', async () => {
    let row = stored(null);
    const archive = jest.fn(async (_m: string, _id: string, at: Date) => ((row = { ...row, archivedAt: at }), true));
    const { service } = setup([], { findForMerchant: async () => row, archive });
    expect(await service.archive('mch_1', 'plan_1')).toMatchObject({ id: 'plan_1', archivedAt: NOW.toISOString() });
    expect(archive).toHaveBeenCalledWith('mch_1', 'plan_1', NOW);
  });

  it('another merchant’s plan is NOT_FOUND and nothing is archived', async () => {
    const archive = jest.fn(async () => true);
    const { service } = setup([], { findForMerchant: async () => null, archive });
    await expect(service.archive('mch_2', 'plan_1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(archive).not.toHaveBeenCalled();
  });

  it('requireOpen refuses an archived plan with PLAN_ARCHIVED on planId and passes an open one', async () => {
    const open = setup([], { findForMerchant: async () => stored(null) });
    await expect(open.service.requireOpen('mch_1', 'plan_1')).resolves.toMatchObject({ id: 'plan_1' });
    const closed = setup([], { findForMerchant: async () => stored(NOW) });
    await expect(closed.service.requireOpen('mch_1', 'plan_1')).rejects.toMatchObject({
      code: 'PLAN_ARCHIVED',
      details: [{ field: 'planId', errors: ['plan is archived'] }],
    });
  });
});
