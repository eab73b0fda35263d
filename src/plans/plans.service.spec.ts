import type { GatewayDescriptor, GatewayRegistry } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import { DomainError } from '../common/errors/domain.error';
import type { Plan } from './plan.entity';
import type { PlansRepository } from './plans.repository';
import { PlansService } from './plans.service';

const NOW = new Date('2026-12-07T00:00:00.000Z');
const descriptor = (code: string, currencies: string[], refusesCurrencies: string[] = [], billingKeys = true) =>
  ({ code, displayName: code, paymentMethod: 'card', capabilities: { oneTimePayments: !billingKeys, billingKeys, cancel: true, partialCancel: true, webhookKind: 'unsigned', currencies, refusesCurrencies } }) as GatewayDescriptor;

function setup(descriptors: GatewayDescriptor[]) {
  const repo = { insert: jest.fn(async (p: Plan) => p) };
  const registry = { list: () => descriptors } as unknown as GatewayRegistry;
  const service = new PlansService(repo as unknown as PlansRepository, { now: () => NOW } as Clock, registry);
  return { service, repo };
}
const plan = (currency: string) => ({ name: 'Pro', amount: 1000, currency, interval: 'month' });

describe('PlansService.create: currencies some registered billing-key gateway takes', () => {
  // As the registry describes them: one takes USD and EUR and refuses KRW, another KRW; a one-time gateway takes GBP.
  const gateways = [descriptor('gw-a', ['USD', 'EUR'], ['KRW']), descriptor('gw-b', ['KRW']), descriptor('gw-once', ['GBP'], [], false)];

  it.each(['USD', 'eur', 'KRW'])('%s is accepted (upper-cased)', async (currency) => {
    const { service, repo } = setup(gateways);
    expect((await service.create('mch_1', plan(currency))).currency).toBe(currency.toUpperCase());
    expect(repo.insert).toHaveBeenCalledTimes(1);
  });

  it.each(['XXX', 'GBP'])('%s, which no billing-key gateway takes, is 400 UNSUPPORTED_CURRENCY listing what is accepted; nothing stored', async (currency) => {
    const { service, repo } = setup(gateways);
    const err = await service.create('mch_1', plan(currency)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({ code: 'UNSUPPORTED_CURRENCY', details: [{ field: 'currency', accepted: ['EUR', 'KRW', 'USD'] }] });
    expect(repo.insert).not.toHaveBeenCalled();
  });

  it('a currency gateways only name as refused (KRW) is not accepted', async () => {
    const { service } = setup([descriptor('gw-a', ['USD'], ['KRW'])]);
    await expect(service.create('mch_1', plan('KRW'))).rejects.toMatchObject({ code: 'UNSUPPORTED_CURRENCY' });
  });
});
