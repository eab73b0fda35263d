import type { GatewayDescriptor, GatewayRegistry } from '@app/pg-contract';
import { oneTimeRegistrationProblems } from './orders.errors';

const descriptor = (code: string, oneTimePayments: boolean): GatewayDescriptor => ({
  code,
  displayName: code,
  paymentMethod: 'card',
  capabilities: {
    oneTimePayments,
    billingKeys: !oneTimePayments,
    billingKeyDeletion: false,
    cancel: true,
    partialCancel: false,
    webhookKind: 'unsigned',
    currencies: ['EUR'],
  },
});

function registry(
  adapters: Record<string, { descriptor: GatewayDescriptor } & Record<string, unknown>>,
): GatewayRegistry {
  return {
    list: () => Object.values(adapters).map((a) => a.descriptor),
    get: (c: string) => adapters[c],
  } as unknown as GatewayRegistry;
}

const fn = () => undefined;

describe('oneTimeRegistrationProblems (checked at boot by OrdersModule)', () => {
  it('names each method a one-time gateway lacks', () => {
    const r = registry({ half: { descriptor: descriptor('half', true), cancel: fn, parseWebhook: fn } });
    expect(oneTimeRegistrationProblems(r)).toEqual([
      'half: declares oneTimePayments but does not implement inspect() (the one-time payments core calls it)',
      'half: declares oneTimePayments but does not implement checkReturn() (the one-time payments core calls it)',
      'half: declares oneTimePayments but does not implement describeRefusal() (the one-time payments core calls it)',
    ]);
  });

  it('is empty for a complete one-time gateway and ignores billing-key gateways', () => {
    const complete = {
      descriptor: descriptor('full', true),
      cancel: fn,
      inspect: fn,
      parseWebhook: fn,
      checkReturn: fn,
      describeRefusal: fn,
    };
    expect(
      oneTimeRegistrationProblems(registry({ full: complete, keys: { descriptor: descriptor('keys', false) } })),
    ).toEqual([]);
  });
});
