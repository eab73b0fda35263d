import { Logger } from '@nestjs/common';
import type { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import type { AppConfig, PgConfig } from '../config/configuration';
import type { Customer } from '../customers/customer.entity';
import type { CustomersService } from '../customers/customers.service';
import type { Merchant } from '../merchants/merchant.entity';
import type { MerchantsService } from '../merchants/merchants.service';
import type { MetricsService } from '../metrics/metrics.service';
import type { FraudnetReservation } from './fraudnet-reservation.entity';
import type { RiskDecision } from './risk-decision.entity';
import type { RiskRepository } from './risk.repository';
import { decodeCursor, encodeCursor } from '../common/pagination';
import { FRAUDNET_FNCLS, FRAUDNET_RESERVATION_TTL_MS, RiskService } from './risk.service';

const NOW = new Date('2026-03-01T12:00:00.000Z');

function merchant(over: Partial<Merchant> = {}): Merchant {
  return {
    id: 'mch_1',
    name: 'M',
    industry: 'gaming_digital_goods',
    retailFulfillment: null,
    paypalAccountId: 'ACCT12345',
    country: 'US',
    returnUrl: null,
    apiKeyHash: 'h',
    apiKeyPrefix: 'p',
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  };
}
function customer(over: Partial<Customer> = {}): Customer {
  return {
    id: 'cus_1',
    merchantId: 'mch_1',
    email: 'pii@example.com',
    firstName: 'Piifirst',
    lastName: 'Piilast',
    phone: '+14155550100',
    countryCode: 'US',
    accountCreatedAt: new Date('2024-01-01T00:00:00Z'),
    externalId: null,
    createdAt: NOW,
    ...over,
  };
}

function setup(
  opts: { merchant?: Merchant; customer?: Customer; pg?: Partial<PgConfig>; app?: Partial<AppConfig> } = {},
) {
  // Strict mocks: any call not set up here throws.
  const strict = <T extends object>(impl: Partial<Record<keyof T, unknown>>): T =>
    new Proxy(impl, {
      get: (target, prop) => {
        if (prop in target) return target[prop as keyof typeof target];
        if (prop === 'then') return undefined;
        throw new Error(`unexpected call: ${String(prop)}`);
      },
    }) as T;
  const repo = {
    insertDecisions: jest.fn(async (_d: readonly RiskDecision[]) => undefined),
    listDecisions: jest.fn(async (): Promise<RiskDecision[]> => []),
    insertReservation: jest.fn(async (r: FraudnetReservation) => r),
    findUsableReservation: jest.fn(async (): Promise<FraudnetReservation | null> => null),
    consumeReservation: jest.fn(async () => true),
  };
  const merchants = { require: jest.fn(async () => opts.merchant ?? merchant()) };
  const customers = {
    findMany: jest.fn(async (merchantId: string, ids: readonly string[]) => {
      const c = opts.customer ?? customer();
      return new Map(c.merchantId === merchantId && ids.includes(c.id) ? [[c.id, c]] : []);
    }),
  };
  const counters = new Map<string, { inc: jest.Mock }>();
  const metrics = {
    counter: jest.fn((name: string) => {
      const c = counters.get(name) ?? { inc: jest.fn() };
      counters.set(name, c);
      return c;
    }),
  };
  const clock = { now: () => new Date(NOW) };
  const service = new RiskService(
    strict<RiskRepository>(repo),
    strict<MerchantsService>(merchants),
    strict<CustomersService>(customers),
    clock as Clock,
    strict<MetricsService>(metrics),
    { sandbox: true, ...opts.pg } as PgConfig,
    { production: false, ...opts.app } as AppConfig,
  );
  return { service, repo, merchants, customers, counters };
}

describe('RiskService.evaluateStc', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  it('sent: returns the three shapes and records the key names with the clock time', async () => {
    const { service, repo, counters } = setup();
    const out = await service.evaluateStc({ merchantId: 'mch_1', customerId: 'cus_1', purpose: 'billing_key_issue' });
    expect(out.outcome).toBe('sent');
    expect(out.additionalData).toHaveLength(7);
    expect(JSON.parse(out.againBypass)).toEqual(out.loadUIBypass);
    expect(out.tossTransactionContext.sender_email).toBe('pii@example.com');
    const [[decision]] = repo.insertDecisions.mock.calls[0];
    expect(decision).toMatchObject({
      merchantId: 'mch_1',
      customerId: 'cus_1',
      purpose: 'billing_key_issue',
      policy: 'required',
      outcome: 'sent',
      errorCode: null,
      createdAt: NOW,
    });
    expect(decision.keysSent).toEqual(out.additionalData.map((kv) => kv.key));
    expect(JSON.stringify(decision)).not.toContain('pii@example.com');
    expect(counters.get('stc_evaluations_total')?.inc).toHaveBeenCalledWith({
      purpose: 'billing_key_issue',
      outcome: 'sent',
    });
    expect(counters.get('stc_recommended_gaps_total')?.inc).not.toHaveBeenCalled();
  });

  it('required and missing: records the refusal first, then throws STC_DATA_REQUIRED naming the fields', async () => {
    const { service, repo } = setup({ customer: customer({ phone: null }) });
    const err = await service
      .evaluateStc({ merchantId: 'mch_1', customerId: 'cus_1', purpose: 'charge' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject({
      code: 'STC_DATA_REQUIRED',
      details: [{ field: 'sender_phone', source: 'customer.phone', errors: ['missing'] }],
    });
    expect(repo.insertDecisions).toHaveBeenCalledTimes(1);
    expect(repo.insertDecisions.mock.calls[0][0][0]).toMatchObject({
      outcome: 'refused',
      errorCode: 'STC_DATA_REQUIRED',
      keysSent: [],
      keysMissing: ['sender_phone'],
    });
  });

  it('bad context: STC_CONTEXT_INVALID even for a recommended merchant, recorded with the refused key names', async () => {
    const { service, repo } = setup({ merchant: merchant({ industry: 'saas' }) });
    await expect(
      service.evaluateStc({ merchantId: 'mch_1', customerId: 'cus_1', purpose: 'charge', riskContext: { bogus: 'x' } }),
    ).rejects.toMatchObject({
      code: 'STC_CONTEXT_INVALID',
    });
    expect(repo.insertDecisions.mock.calls[0][0][0]).toMatchObject({
      outcome: 'refused',
      errorCode: 'STC_CONTEXT_INVALID',
      keysInvalid: ['bogus'],
    });
  });

  it('recommended and missing: sent_partial, one gap count per field, a warning with key names and no personal data', async () => {
    const { service, counters } = setup({
      merchant: merchant({ industry: 'saas', paypalAccountId: null }),
      customer: customer({ phone: null }),
    });
    const out = await service.evaluateStc({ merchantId: 'mch_1', customerId: 'cus_1', purpose: 'charge' });
    expect(out).toMatchObject({ outcome: 'sent_partial', missing: ['sender_account_id', 'sender_phone'] });
    const gaps = counters.get('stc_recommended_gaps_total')?.inc;
    expect(gaps?.mock.calls).toEqual([[{ field: 'sender_account_id' }], [{ field: 'sender_phone' }]]);
    expect(warn).toHaveBeenCalledTimes(1);
    const logged = JSON.stringify(warn.mock.calls[0]);
    expect(logged).toContain('sender_phone');
    for (const pii of ['pii@example.com', 'Piifirst', 'Piilast', '+14155550100']) expect(logged).not.toContain(pii);
  });

  it("another merchant's customer is a 404 and nothing is recorded", async () => {
    const { service, repo } = setup();
    await expect(
      service.evaluateStc({ merchantId: 'mch_other', customerId: 'cus_1', purpose: 'charge' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(repo.insertDecisions).not.toHaveBeenCalled();
  });

  it('evaluateStcMany: one merchant read, one customer query, one insert for the batch, and a result per input', async () => {
    const { service, repo, merchants, customers } = setup({ customer: customer({ id: 'cus_1' }) });
    const out = await service.evaluateStcMany([
      { merchantId: 'mch_1', customerId: 'cus_1', purpose: 'charge' },
      { merchantId: 'mch_1', customerId: 'cus_gone', purpose: 'charge' },
      { merchantId: 'mch_1', customerId: 'cus_1', purpose: 'charge' },
    ]);
    expect(merchants.require).toHaveBeenCalledTimes(1);
    expect(customers.findMany).toHaveBeenCalledTimes(1);
    expect(repo.insertDecisions).toHaveBeenCalledTimes(1);
    expect(repo.insertDecisions.mock.calls[0][0]).toHaveLength(2);
    expect(out[0]).toMatchObject({ outcome: 'sent' });
    expect(out[1]).toBeInstanceOf(NotFoundError);
    expect(out[2]).toMatchObject({ outcome: 'sent' });
    expect((out[0] as { decisionId: string }).decisionId).not.toBe((out[2] as { decisionId: string }).decisionId);
  });

  it('loadStcContext reads a merchant and its customers side by side; evaluateStcMany then reads nothing more', async () => {
    const { service, merchants, customers, repo } = setup({ customer: customer({ id: 'cus_1' }) });
    let found!: (m: Merchant) => void;
    merchants.require.mockImplementationOnce(() => new Promise<Merchant>((r) => (found = r)));
    const loading = service.loadStcContext([{ merchantId: 'mch_1', customerId: 'cus_1' }]);
    await new Promise((r) => setImmediate(r));
    // The customers were asked for while the merchant was still being read.
    expect(customers.findMany).toHaveBeenCalledWith('mch_1', ['cus_1']);
    found(merchant());
    const context = await loading;
    const out = await service.evaluateStcMany(
      [{ merchantId: 'mch_1', customerId: 'cus_1', purpose: 'charge' }],
      context,
    );
    expect(out[0]).toMatchObject({ outcome: 'sent' });
    expect(merchants.require).toHaveBeenCalledTimes(1);
    expect(customers.findMany).toHaveBeenCalledTimes(1);
    expect(repo.insertDecisions).toHaveBeenCalledTimes(1);
  });

  it("a merchant that does not exist is its inputs' NOT_FOUND; a failed read is not an absent merchant: it rejects", async () => {
    const { service, merchants } = setup();
    merchants.require.mockRejectedValueOnce(new NotFoundError('Merchant'));
    const [out] = await service.evaluateStcMany([{ merchantId: 'mch_1', customerId: 'cus_1', purpose: 'charge' }]);
    expect(out).toBeInstanceOf(NotFoundError);
    merchants.require.mockRejectedValueOnce(new Error('connection terminated'));
    await expect(
      service.evaluateStcMany([{ merchantId: 'mch_1', customerId: 'cus_1', purpose: 'charge' }]),
    ).rejects.toThrow('connection terminated');
  });
});

describe('RiskService: subscription STC context', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => {
    warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => warn.mockRestore());

  // [industry, the keys a charge cannot do without, a context holding them]
  it.each<[string, string[], Record<string, string>]>([
    ['marketplace', ['receiver_account_id'], { receiver_account_id: 'SELLER-1' }],
    [
      'p2p',
      ['receiver_account_id', 'receiver_email'],
      { receiver_account_id: 'FRIEND-1', receiver_email: 'friend@example.com' },
    ],
    [
      'event_ticketing',
      ['dg_delivery_method', 'cd_string_one'],
      { dg_delivery_method: 'venue_pickup', cd_string_one: '2026-06-01' },
    ],
    [
      'online_travel',
      ['ota_type', 'ota_service_start_date'],
      { ota_type: ' car rental ', ota_service_start_date: '2026-06-01' },
    ],
  ])(
    '%s: missing keys are 422 STC_DATA_REQUIRED naming them; given, the normalised context is returned and nothing is recorded',
    async (industry, required, context) => {
      const { service, repo } = setup({ merchant: merchant({ industry }) });
      const err = await service.checkSubscriptionContext('mch_1', customer(), undefined).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'STC_DATA_REQUIRED' });
      expect((err as DomainError).details?.map((d) => (d as { field: string }).field)).toEqual(required);
      const out = await service.checkSubscriptionContext('mch_1', customer(), context);
      expect(out).toEqual(Object.fromEntries(Object.entries(context).map(([k, v]) => [k, v.trim()])));
      expect(repo.insertDecisions).not.toHaveBeenCalled();
    },
  );

  it('unknown keys, base keys and non-string values are 400 VALIDATION_FAILED naming each, whatever the policy', async () => {
    for (const industry of ['marketplace', 'saas']) {
      const { service } = setup({ merchant: merchant({ industry }) });
      const err = await service
        .checkSubscriptionContext('mch_1', customer(), {
          receiver_account_id: 'S',
          nope: 'x',
          sender_phone: '1',
          cd_int_one: 3,
        })
        .catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect((err as DomainError).details?.map((d) => (d as { field: string }).field)).toEqual(
        industry === 'saas'
          ? [
              'riskContext.receiver_account_id',
              'riskContext.nope',
              'riskContext.sender_phone',
              'riskContext.cd_int_one',
            ]
          : ['riskContext.nope', 'riskContext.sender_phone', 'riskContext.cd_int_one'],
      );
    }
  });

  it('a required-policy customer record missing a base key is refused at creation too', async () => {
    const { service } = setup({ merchant: merchant({ industry: 'marketplace' }), customer: customer({ phone: null }) });
    const err = await service
      .checkSubscriptionContext('mch_1', customer({ phone: null }), { receiver_account_id: 'S' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'STC_DATA_REQUIRED', details: [{ field: 'sender_phone' }] });
  });

  it("a charge's STC carries its subscription's stored keys, the caller's win, and keys the industry no longer takes are left out", async () => {
    const { service } = setup({ merchant: merchant({ industry: 'p2p' }) });
    const out = await service.evaluateStc({
      merchantId: 'mch_1',
      customerId: 'cus_1',
      purpose: 'charge',
      subscriptionContext: {
        receiver_account_id: 'STORED',
        receiver_email: 'seller@example.com',
        business_name: 'from marketplace days',
      },
      riskContext: { receiver_account_id: 'CALLER' },
    });
    expect(out.outcome).toBe('sent');
    expect(out.tossTransactionContext).toMatchObject({
      receiver_account_id: 'CALLER',
      receiver_email: 'seller@example.com',
    });
    expect(out.tossTransactionContext).not.toHaveProperty('business_name');
    expect(JSON.parse(out.againBypass).paypal_v2.additional_data).toEqual(
      expect.arrayContaining([{ key: 'receiver_email', value: 'seller@example.com' }]),
    );
    expect(warn.mock.calls.flat()).toEqual(
      expect.arrayContaining([expect.objectContaining({ keys: ['business_name'] })]),
    );
  });
});

describe('RiskService Fraudnet', () => {
  it('reserves a new prefixed merchant_uid with an expiry and builds s from the account and page', async () => {
    const { service, repo } = setup();
    const out = await service.fraudnet('mch_1', { pageType: 'cart-page' });
    expect(out).toMatchObject({
      fncls: FRAUDNET_FNCLS,
      s: 'ACCT12345_cart-page',
      sandbox: true,
      expiresAt: new Date(NOW.getTime() + FRAUDNET_RESERVATION_TTL_MS).toISOString(),
    });
    expect(out.f).toMatch(/^fnt_/);
    expect(out.f.length).toBeLessThanOrEqual(40);
    expect(repo.insertReservation).toHaveBeenCalledWith(
      expect.objectContaining({ merchantUid: out.f, merchantId: 'mch_1', pageType: 'cart-page', usedAt: null }),
    );
    expect(repo.findUsableReservation).not.toHaveBeenCalled();
  });

  it('re-uses a usable reservation of this merchant', async () => {
    const { service, repo } = setup();
    const existing = {
      merchantUid: 'fnt_keep',
      merchantId: 'mch_1',
      pageType: 'cart-page',
      createdAt: NOW,
      expiresAt: new Date(NOW.getTime() + 1000),
      usedAt: null,
    };
    repo.findUsableReservation.mockResolvedValueOnce(existing);
    const out = await service.fraudnet('mch_1', { merchantUid: 'fnt_keep' });
    expect(repo.findUsableReservation).toHaveBeenCalledWith('mch_1', 'fnt_keep', NOW);
    expect(out).toMatchObject({ f: 'fnt_keep', s: 'ACCT12345_checkout-page' });
    expect(repo.insertReservation).not.toHaveBeenCalled();
  });

  it.each([
    [true, false, true],
    [false, false, true],
    [false, true, false],
  ])('sandbox flag: pg.sandbox=%s production=%s -> %s', async (sandbox, production, expected) => {
    const { service } = setup({ pg: { sandbox }, app: { production } });
    expect((await service.fraudnet('mch_1', {})).sandbox).toBe(expected);
  });

  it('refuses a merchant without a PayPal account id before reserving anything', async () => {
    const { service, repo } = setup({ merchant: merchant({ paypalAccountId: null }) });
    await expect(service.fraudnet('mch_1', {})).rejects.toMatchObject({ code: 'PAYPAL_ACCOUNT_ID_REQUIRED' });
    expect(repo.insertReservation).not.toHaveBeenCalled();
  });

  it('consume: the conditional update decides', async () => {
    const { service, repo } = setup();
    await expect(service.consumeFraudnetReservation('mch_1', 'fnt_a')).resolves.toBeUndefined();
    expect(repo.consumeReservation).toHaveBeenCalledWith('mch_1', 'fnt_a', NOW);
    repo.consumeReservation.mockResolvedValueOnce(false);
    await expect(service.consumeFraudnetReservation('mch_1', 'fnt_a')).rejects.toMatchObject({
      code: 'FRAUDNET_RESERVATION_INVALID',
    });
  });
});

describe('RiskService.listDecisions and cursors', () => {
  const row = (i: number): RiskDecision => ({
    id: `rsk_${i}`,
    merchantId: 'mch_1',
    customerId: 'cus_1',
    purpose: 'preflight',
    policy: 'recommended',
    industry: 'saas',
    keysSent: [],
    keysMissing: [],
    keysInvalid: [],
    outcome: 'sent',
    errorCode: null,
    createdAt: new Date(NOW.getTime() - i * 1000),
  });

  it('fetches one more than the page to know whether there is a next one', async () => {
    const { service, repo } = setup();
    repo.listDecisions.mockResolvedValueOnce([row(1), row(2), row(3)]);
    const page = await service.listDecisions('mch_1', { limit: 2, customerId: 'cus_1' });
    expect(repo.listDecisions).toHaveBeenCalledWith('mch_1', { customerId: 'cus_1', after: undefined, limit: 2 });
    expect(page.hasMore).toBe(true);
    expect(page.data.map((d) => d.id)).toEqual(['rsk_1', 'rsk_2']);
    expect(decodeCursor(page.nextCursor as string)).toEqual({ createdAt: row(2).createdAt, id: 'rsk_2' });

    repo.listDecisions.mockResolvedValueOnce([row(3)]);
    const last = await service.listDecisions('mch_1', { limit: 2, cursor: page.nextCursor as string });
    expect(repo.listDecisions).toHaveBeenLastCalledWith('mch_1', {
      customerId: undefined,
      after: { createdAt: row(2).createdAt, id: 'rsk_2' },
      limit: 2,
    });
    expect(last).toMatchObject({ hasMore: false, nextCursor: null });
  });

  it('round-trips a cursor and refuses anything else', () => {
    const c = encodeCursor({ createdAt: NOW, id: 'rsk_abc-_1' });
    expect(decodeCursor(c)).toEqual({ createdAt: NOW, id: 'rsk_abc-_1' });
    for (const bad of [
      '',
      'garbage',
      Buffer.from('2026-03-01T12:00:00.000Z').toString('base64url'),
      Buffer.from('yesterday|rsk_1').toString('base64url'),
      Buffer.from(`${NOW.toISOString()}|rsk 1`).toString('base64url'),
      Buffer.from(`${NOW.toISOString()}|a|b`).toString('base64url'),
    ]) {
      expect(() => decodeCursor(bad)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED' }));
    }
  });
});
