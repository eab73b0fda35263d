import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { PaymentGatewayAdapter } from './pg.adapter';
import { webhookUrl, type GatewayCapabilities } from './pg.descriptor';
import type { LookupOutcome } from './pg.outcomes';
import { PgContractModule } from './pg-contract.module';
import {
  GatewayCapabilityError,
  GatewayRegistry,
  GatewayRegistryError,
  registrationProblems,
  UnknownGatewayError,
} from './pg.registry';
import { PG_ADAPTERS } from './pg.tokens';

const notFound = async (): Promise<LookupOutcome> => ({ status: 'NOT_FOUND', message: 'none' });
const caps = (over: Partial<GatewayCapabilities> = {}): GatewayCapabilities => ({
  oneTimePayments: false,
  billingKeys: true,
  cancel: false,
  partialCancel: false,
  webhookKind: 'none',
  currencies: ['USD'],
  billingKeyDeletion: true,
  ...over,
});

/** A billing-key adapter with every billing-key method; cancel and webhooks as declared by `extra`. */
function billingKeyAdapter(
  code: string,
  over: Partial<GatewayCapabilities> = {},
  methods: Partial<PaymentGatewayAdapter> = {},
): PaymentGatewayAdapter {
  return {
    descriptor: { code, displayName: code, capabilities: caps(over), paymentMethod: 'card' },
    issueBillingKey: async () => ({ sdk: 'x', init: {}, method: 'x', request: {} }),
    completeBillingKey: async () => ({ status: 'FAILED', code: 'X', message: 'x' }),
    deleteBillingKey: async () => ({ status: 'DELETED', alreadyAbsent: false }),
    chargeBillingKey: async () => ({ status: 'UNKNOWN', reason: 'timeout', message: 'x' }),
    retrieve: notFound,
    retrieveByReference: notFound,
    ...methods,
  };
}

const ADAPTER_OPTIONS = 'ADAPTER_OPTIONS';

@Injectable()
class AlphaAdapter implements PaymentGatewayAdapter {
  readonly descriptor;
  constructor(@Inject(ADAPTER_OPTIONS) readonly options: { code: string }) {
    this.descriptor = {
      code: options.code,
      displayName: 'Alpha',
      capabilities: caps({ cancel: true, partialCancel: true, webhookKind: 'unsigned' }),
      paymentMethod: 'card',
    };
  }
  issueBillingKey = billingKeyAdapter('x').issueBillingKey;
  completeBillingKey = billingKeyAdapter('x').completeBillingKey;
  deleteBillingKey = billingKeyAdapter('x').deleteBillingKey;
  chargeBillingKey = billingKeyAdapter('x').chargeBillingKey;
  retrieve = notFound;
  retrieveByReference = notFound;
  cancel = async () => ({ status: 'DECLINED' as const, code: 'X', message: 'x' });
  parseWebhook = () => ({ kind: 'ignore' as const, reason: 'test' });
}

@Injectable()
class BetaAdapter implements PaymentGatewayAdapter {
  readonly descriptor = {
    code: 'beta',
    displayName: 'Beta',
    capabilities: caps({ billingKeys: false, billingKeyDeletion: false, oneTimePayments: true }),
    paymentMethod: 'card',
  };
  prepareCheckout = async () => ({
    reference: 'r',
    amount: { amount: 1, currency: 'USD' },
    client: { sdk: 'x', init: {}, method: 'x', request: {} },
  });
  confirm = async () => ({ status: 'UNKNOWN' as const, reason: 'timeout' as const, message: 'x' });
  retrieve = notFound;
  retrieveByReference = notFound;
}

/** Declares cancel but does not implement it. */
@Injectable()
class BrokenAdapter implements PaymentGatewayAdapter {
  readonly descriptor = {
    code: 'broken',
    displayName: 'Broken',
    capabilities: caps({ cancel: true, billingKeys: false, billingKeyDeletion: false, oneTimePayments: true }),
    paymentMethod: 'card',
  };
  prepareCheckout = new BetaAdapter().prepareCheckout;
  confirm = new BetaAdapter().confirm;
  retrieve = notFound;
  retrieveByReference = notFound;
}

async function boot(options: Parameters<typeof PgContractModule.forRoot>[0]) {
  const moduleRef = await Test.createTestingModule({ imports: [PgContractModule.forRoot(options)] }).compile();
  await moduleRef.init();
  return moduleRef;
}

describe('PgContractModule + GatewayRegistry', () => {
  it('registers classes (with their own dependencies) and instances, in order, and resolves them by code', async () => {
    const instance = billingKeyAdapter('gamma');
    const moduleRef = await boot({
      adapters: [AlphaAdapter, BetaAdapter, instance],
      providers: [{ provide: ADAPTER_OPTIONS, useValue: { code: 'alpha' } }],
    });
    const registry = moduleRef.get(GatewayRegistry);
    expect(registry.list().map((d) => d.code)).toEqual(['alpha', 'beta', 'gamma']);
    expect(registry.get('alpha')).toBeInstanceOf(AlphaAdapter);
    expect(registry.get('gamma')).toBe(instance);
    expect(registry.has('beta')).toBe(true);
    expect(registry.has('delta')).toBe(false);
    expect(moduleRef.get<PaymentGatewayAdapter[]>(PG_ADAPTERS)).toHaveLength(3);

    const alpha = registry.require('alpha', 'billingKeys');
    await expect(
      alpha.chargeBillingKey(
        {},
        { billingKey: 'k', issuedAs: 'k', reference: 'r', amount: { amount: 1, currency: 'USD' }, orderName: 'o' },
      ),
    ).resolves.toMatchObject({
      status: 'UNKNOWN',
    });
    expect(registry.require('alpha', 'webhooks').parseWebhook({}, { headers: {}, body: {} })).toEqual({
      kind: 'ignore',
      reason: 'test',
    });
    expect(registry.require('beta', 'oneTimePayments')).toBeInstanceOf(BetaAdapter);
    await moduleRef.close();
  });

  it('answers unknown codes and missing capabilities with typed errors', async () => {
    const moduleRef = await boot({ adapters: [BetaAdapter] });
    const registry = moduleRef.get(GatewayRegistry);
    expect(() => registry.get('nope')).toThrow(UnknownGatewayError);
    expect(() => registry.require('beta', 'billingKeys')).toThrow(GatewayCapabilityError);
    expect(() => registry.require('beta', 'cancel')).toThrow(/does not support cancel/);
    expect(() => registry.require('beta', 'webhooks')).toThrow(GatewayCapabilityError);
    await moduleRef.close();
  });

  it('refuses to boot when a declared capability has no method', async () => {
    await expect(boot({ adapters: [BetaAdapter, BrokenAdapter] })).rejects.toThrow(GatewayRegistryError);
    await expect(boot({ adapters: [BrokenAdapter] })).rejects.toThrow(
      /BrokenAdapter \("broken"\): declares cancel but does not implement cancel\(\)/,
    );
  });

  it('refuses to boot when two adapters share a code', async () => {
    await expect(boot({ adapters: [BetaAdapter, billingKeyAdapter('beta')] })).rejects.toThrow(
      /code "beta" is already used by adapters\[0\]/,
    );
    // The same class listed twice is the same mistake.
    await expect(boot({ adapters: [BetaAdapter, BetaAdapter] })).rejects.toThrow(/already used/);
  });

  it('checks on first use when the module was compiled but never initialised', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [PgContractModule.forRoot({ adapters: [BrokenAdapter] })],
    }).compile();
    expect(() => moduleRef.get(GatewayRegistry).list()).toThrow(GatewayRegistryError);
    await moduleRef.close();
  });

  it('can be global', async () => {
    @Injectable()
    class Consumer {
      constructor(readonly registry: GatewayRegistry) {}
    }
    @Module({ providers: [Consumer] })
    class FeatureModule {}
    const moduleRef = await Test.createTestingModule({
      imports: [PgContractModule.forRoot({ adapters: [BetaAdapter], global: true }), FeatureModule],
    }).compile();
    await moduleRef.init();
    expect(moduleRef.get(Consumer).registry.list()).toHaveLength(1);
    await moduleRef.close();
  });
});

describe('registrationProblems', () => {
  it('is empty for a consistent list', () => {
    expect(
      registrationProblems([
        billingKeyAdapter('pg-a'),
        billingKeyAdapter(
          'pg-b',
          { cancel: true },
          { cancel: async () => ({ status: 'DECLINED', code: 'x', message: 'x' }) },
        ),
      ]),
    ).toEqual([]);
  });

  it.each<[string, PaymentGatewayAdapter, RegExp]>([
    ['bad code', billingKeyAdapter('Bad Code'), /code "Bad Code" must match/],
    ['one-letter code', billingKeyAdapter('a'), /must match/],
    [
      'unknown currency',
      billingKeyAdapter('pg-a', { currencies: ['USD', 'XYZ'] }),
      /currency "XYZ" is not a known ISO 4217 code/,
    ],
    ['lower-case currency', billingKeyAdapter('pg-a', { currencies: ['usd'] }), /currency "usd"/],
    ['no currency', billingKeyAdapter('pg-a', { currencies: [] }), /at least one/],
    ['accepted and refused', billingKeyAdapter('pg-a', { refusesCurrencies: ['USD'] }), /both accepted and refused/],
    [
      'partial without full cancel',
      billingKeyAdapter(
        'pg-a',
        { partialCancel: true },
        { cancel: async () => ({ status: 'DECLINED', code: 'x', message: 'x' }) },
      ),
      /partialCancel requires cancel/,
    ],
    [
      'no payment capability',
      billingKeyAdapter('pg-a', { billingKeys: false }),
      /neither oneTimePayments nor billingKeys/,
    ],
    [
      'webhooks without parseWebhook',
      billingKeyAdapter('pg-a', { webhookKind: 'unsigned' }),
      /declares webhooks but does not implement parseWebhook/,
    ],
    ['bad webhookKind', billingKeyAdapter('pg-a', { webhookKind: 'maybe' as 'none' }), /webhookKind "maybe"/],
    [
      'billing keys without lookups',
      billingKeyAdapter('pg-a', {}, { retrieveByReference: undefined }),
      /declares billingKeys but does not implement retrieveByReference/,
    ],
    [
      'billing keys without charge',
      billingKeyAdapter('pg-a', {}, { chargeBillingKey: undefined }),
      /does not implement chargeBillingKey/,
    ],
    ['no descriptor', { descriptor: undefined } as unknown as PaymentGatewayAdapter, /has no descriptor/],
    [
      'billing keys without billingKeyDeletion',
      billingKeyAdapter('pg-a', { billingKeyDeletion: undefined }),
      /billingKeyDeletion must be a boolean/,
    ],
    [
      'billingKeyDeletion without deleteBillingKey',
      billingKeyAdapter('pg-a', {}, { deleteBillingKey: undefined }),
      /declares billingKeyDeletion but does not implement deleteBillingKey/,
    ],
    [
      'bad billingKeyFlow',
      billingKeyAdapter('pg-a', { billingKeyFlow: 'popup' as 'redirect' }),
      /billingKeyFlow "popup"/,
    ],
    [
      'no paymentMethod',
      { ...billingKeyAdapter('pg-a'), descriptor: { ...billingKeyAdapter('pg-a').descriptor, paymentMethod: '' } },
      /paymentMethod must be/,
    ],
    [
      'bad webhook alias',
      {
        ...billingKeyAdapter('pg-a'),
        descriptor: { ...billingKeyAdapter('pg-a').descriptor, webhookAliases: ['Bad/Alias'] },
      },
      /webhook alias "Bad\/Alias"/,
    ],
  ])('%s', (_name, adapter, message) => {
    expect(registrationProblems([adapter]).join('\n')).toMatch(message);
  });

  it('accepts a billing-key gateway that cannot delete keys (no deleteBillingKey needed)', () => {
    expect(
      registrationProblems([
        billingKeyAdapter(
          'pg-a',
          { billingKeyDeletion: false, billingKeyFlow: 'redirect' },
          { deleteBillingKey: undefined },
        ),
      ]),
    ).toEqual([]);
  });

  it('builds webhook URLs from the descriptor code', () => {
    expect(webhookUrl('https://api.example.com/', { code: 'toss-billing' }, 'mch_1')).toBe(
      'https://api.example.com/v1/webhooks/toss-billing/mch_1',
    );
  });

  it('lists every problem at once', () => {
    const problems = registrationProblems([
      billingKeyAdapter('pg-a', { currencies: ['XYZ'] }, { chargeBillingKey: undefined }),
      billingKeyAdapter('pg-a'),
    ]);
    expect(problems).toHaveLength(3);
  });
});
