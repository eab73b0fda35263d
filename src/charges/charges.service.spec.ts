import { Logger } from '@nestjs/common';
import type { GatewayRegistry, LookupOutcome } from '@app/pg-contract';
import type { BillingKey } from '../billing-keys/billing-key.entity';
import type { BillingKeysService } from '../billing-keys/billing-keys.service';
import type { Clock } from '../clock/clock';
import type { AppConfig, BillingConfig } from '../config/configuration';
import type { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import { DomainError } from '../common/errors/domain.error';
import { MetricsService } from '../metrics/metrics.service';
import type { RiskService, StcContext, StcEvaluation } from '../risk/risk.service';
import type { Subscription } from '../subscriptions/subscription.entity';
import type { SubscriptionsService } from '../subscriptions/subscriptions.service';
import type { Charge } from './charge.entity';
import type { ChargesRepository } from './charges.repository';
import { Semaphore } from '../common/semaphore';
import { ChargesService, newCharge, newSendContext } from './charges.service';
import { strictMock } from '../../test/helpers/strict-mock';

const now = new Date('2027-03-01T00:00:00.000Z');
// The sending part (charges.sending.ts) holds the adapters, keys and credentials some cases below replace.
const sendingOf = (service: ChargesService) => (service as unknown as { sender: unknown }).sender;
const config = {
  retryDays: [1, 3, 5, 7],
  concurrency: 2,
  batchSize: 10,
  leaseMs: 60_000,
  reconcileBackoffMs: [60_000, 60_000],
} as BillingConfig;
const charge = (over: Partial<Charge> = {}) =>
  ({
    id: 'chg_1',
    merchantId: 'mch_1',
    subscriptionId: 'sub_1',
    customerId: 'cus_1',
    billingKeyId: 'bk_1',
    gateway: 'portone-paypal-rt',
    kind: 'recurring',
    cycle: 2,
    attempt: 1,
    merchantUid: 'sub_1-c2-a1',
    amount: 1999,
    currency: 'USD',
    orderName: 'Pro',
    status: 'unknown',
    gatewayPaymentId: null,
    refundedAmount: 0,
    refundReserved: 0,
    lookupAttempts: 0,
    ...over,
  }) as Charge;
const subscription = {
  id: 'sub_1',
  status: 'active',
  cycle: 2,
  attempt: 1,
  anchorAt: new Date('2027-01-01T00:00:00.000Z'),
  interval: 'month',
  intervalCount: 1,
} as Subscription;
const paid: LookupOutcome = {
  status: 'SUCCEEDED',
  gatewayPaymentId: 'imp_9',
  reference: 'sub_1-c2-a1',
  amount: { amount: 1999, currency: 'USD' },
  refunded: { amount: 0, currency: 'USD' },
  rawStatus: 'paid',
};

function setup(
  opts: { byUid?: Charge | null; byUids?: Charge[]; byPaymentId?: Charge | null; lookup?: LookupOutcome } = {},
) {
  const recorded: unknown[] = [];
  const retrieveByReference = jest.fn(async () => opts.lookup ?? paid);
  const repo = strictMock<ChargesRepository>({
    countReview: async () => 0,
    countReviewCancels: async () => 0,
    findByMerchantUids: jest.fn(async () => opts.byUids ?? (opts.byUid ? [opts.byUid] : [])),
    findByGatewayPaymentId: jest.fn(async () => opts.byPaymentId ?? null),
    findSubscriptions: async () => [subscription],
    recordResults: jest.fn(async (w: readonly unknown[]) => (recorded.push(...w), { applied: [true], fenced: 0 })),
    findByIds: async () => [charge({ status: 'succeeded', gatewayPaymentId: 'imp_9' })],
    pendingCancels: async () => [],
    findForMerchant: jest.fn(async (m: string, id: string) =>
      m === 'mch_1' && id === 'chg_1'
        ? charge({ status: 'succeeded', refundedAmount: 500, refundReserved: 1000, gatewayPaymentId: 'imp_9' })
        : null,
    ),
  });
  const registry = strictMock<GatewayRegistry>({
    require: (() =>
      strictMock({
        retrieveByReference,
        descriptor: { code: 'portone-paypal-rt', paymentMethod: 'paypal' },
      })) as unknown as GatewayRegistry['require'],
  });
  const credentials = strictMock<GatewayCredentialsService>({
    for: (async () => ({
      userCode: 'u',
      impKey: 'k',
      impSecret: 's',
      sandbox: true,
    })) as GatewayCredentialsService['for'],
  });
  const service = new ChargesService(
    repo,
    strictMock<SubscriptionsService>({}),
    strictMock<BillingKeysService>({}),
    strictMock<RiskService>({}),
    registry,
    credentials,
    strictMock<Clock>({ now: () => now }),
    config,
    { publicBaseUrl: 'http://127.0.0.1:3000' } as AppConfig,
    new MetricsService(),
  );
  return { service, repo, recorded, retrieveByReference };
}

describe('ChargesService', () => {
  beforeAll(() => Logger.overrideLogger(false));

  describe('handleGatewayNotifications (batched)', () => {
    it('finds the charges in one query, scoped to each pointer’s merchant, with the PG id as fallback; one result per pointer', async () => {
      const mine = charge({ id: 'chg_1', merchantUid: 'sub_1-c2-a1', status: 'succeeded', gatewayPaymentId: 'imp_9' });
      const theirs = charge({ id: 'chg_2', merchantId: 'mch_2', merchantUid: 'sub_2-c1-a1', status: 'unknown' });
      const { service, repo, retrieveByReference } = setup({
        byUids: [mine, theirs],
        byPaymentId: charge({ id: 'chg_3', status: 'succeeded', gatewayPaymentId: 'imp_3' }),
      });
      const results = await service.handleGatewayNotifications(
        'portone-paypal-rt',
        [
          { merchantId: 'mch_1', reference: 'sub_1-c2-a1', gatewayPaymentId: 'imp_9' },
          { merchantId: 'mch_1', reference: 'sub_2-c1-a1' }, // another merchant's charge posted to mch_1's URL
          { merchantId: 'mch_1', reference: 'nope', gatewayPaymentId: 'imp_3' },
          { merchantId: 'mch_1', reference: 'sub_1-c2-a1', gatewayPaymentId: 'imp_9' }, // a second event for one charge
        ],
        4,
      );
      expect(results).toEqual(['applied', 'unknown_reference', 'applied', 'applied']);
      expect(repo.findByMerchantUids).toHaveBeenCalledTimes(1);
      expect(repo.findByGatewayPaymentId).toHaveBeenCalledTimes(1);
      expect(repo.findByGatewayPaymentId).toHaveBeenCalledWith('mch_1', 'imp_3');
      // Settled charges: nothing to re-fetch; the other merchant's open charge was never touched.
      expect(retrieveByReference).not.toHaveBeenCalled();
    });

    it('re-fetches an open charge once even when two pointers name it, and reports one charge’s failure as that pointer’s error', async () => {
      const open = charge({ id: 'chg_1', status: 'unknown' });
      const broken = charge({ id: 'chg_4', merchantUid: 'sub_4-c1-a1', status: 'unknown' });
      const { service, retrieveByReference, repo } = setup({ byUids: [open, broken] });
      const record = repo.recordResults as jest.Mock;
      const ok = record.getMockImplementation()!;
      // chg_4's result cannot be written: any statement that includes it fails (a row the database refuses).
      record.mockImplementation(async (w: Array<{ chargeId: string }>) =>
        w.some((x) => x.chargeId === 'chg_4') ? Promise.reject(new Error('refused')) : ok(w),
      );
      const results = await service.handleGatewayNotifications(
        'portone-paypal-rt',
        [
          { merchantId: 'mch_1', reference: 'sub_1-c2-a1' },
          { merchantId: 'mch_1', reference: 'sub_1-c2-a1' },
          { merchantId: 'mch_1', reference: 'sub_4-c1-a1' },
        ],
        2,
      );
      expect(results[0]).toBe('applied');
      expect(results[1]).toBe('applied');
      expect(
        (retrieveByReference.mock.calls as unknown as Array<[unknown, { reference: string }]>).filter(
          (c) => c[1].reference === 'sub_1-c2-a1',
        ),
      ).toHaveLength(1);
      expect(results[2]).toBe('error');
      // The batch was tried as one statement first, then each charge on its own.
      expect(record.mock.calls.map((c) => (c[0] as Array<{ chargeId: string }>).map((w) => w.chargeId))).toEqual([
        ['chg_1', 'chg_4'],
        ['chg_1'],
        ['chg_4'],
      ]);
    });

    it('looks the open charges of a batch up and writes all their results with one statement (a PayPal batch settling)', async () => {
      const opens = Array.from({ length: 5 }, (_, i) =>
        charge({ id: `chg_o${i}`, merchantUid: `sub_o${i}-c1-a1`, status: 'pending' }),
      );
      const { service, retrieveByReference, repo } = setup({
        byUids: [...opens, charge({ id: 'chg_s', merchantUid: 'sub_s-c1-a1', status: 'sending' })],
      });
      const results = await service.handleGatewayNotifications(
        'portone-paypal-rt',
        [
          ...opens.map((c) => ({ merchantId: 'mch_1', reference: c.merchantUid })),
          { merchantId: 'mch_1', reference: 'sub_s-c1-a1' },
        ],
        2,
      );
      expect(results).toEqual(Array(6).fill('applied'));
      expect(retrieveByReference).toHaveBeenCalledTimes(5); // not the one still being sent
      const record = repo.recordResults as jest.Mock;
      expect(record).toHaveBeenCalledTimes(1);
      expect(
        (record.mock.calls[0][0] as Array<{ chargeId: string; chargePatch: { status: string } }>).map((w) => [
          w.chargeId,
          w.chargePatch.status,
        ]),
      ).toEqual(opens.map((c) => [c.id, 'succeeded']));
    });
  });

  describe('reconcile', () => {
    it('records the pass’s answers in one write; a row the database refuses fails only that charge, not the pass', async () => {
      const due = [
        charge({ id: 'chg_1', status: 'unknown' }),
        charge({ id: 'chg_4', merchantUid: 'sub_4-c1-a1', status: 'unknown' }),
      ];
      const { service, repo } = setup();
      Object.assign(repo, { claimLookups: jest.fn(async () => due), claimCancelLookups: jest.fn(async () => []) });
      const record = repo.recordResults as jest.Mock;
      const ok = record.getMockImplementation()!;
      record.mockImplementation(async (w: Array<{ chargeId: string }>) =>
        w.some((x) => x.chargeId === 'chg_4') ? Promise.reject(new Error('refused')) : ok(w),
      );
      expect(await service.reconcile({ limit: 10 })).toEqual({
        succeeded: 1,
        failed: 0,
        pending: 0,
        unknown: 0,
        resend: 0,
      });
      expect(record.mock.calls.map((c) => (c[0] as Array<{ chargeId: string }>).map((w) => w.chargeId))).toEqual([
        ['chg_1', 'chg_4'],
        ['chg_1'],
        ['chg_4'],
      ]);
    });

    it("in a billing run, its look-ups take the run's PG-call slots, after calls already waiting for one", async () => {
      const due = [charge({ id: 'chg_1', status: 'unknown' })];
      const { service, repo, retrieveByReference } = setup();
      Object.assign(repo, { claimLookups: jest.fn(async () => due), claimCancelLookups: jest.fn(async () => []) });
      const slots = new Semaphore(1);
      const order: string[] = [];
      let free!: () => void;
      const held = slots.run(() => new Promise<void>((r) => (free = r)));
      const pass = service.reconcile({ limit: 10, ctx: newSendContext(slots) });
      // A batch call queued after the look-up, with the batch's (lower) priority, still goes first.
      const batchCall = slots.run(async () => void order.push('batch call'), 3);
      retrieveByReference.mockImplementationOnce(async () => (order.push('look-up'), paid));
      for (let i = 0; i < 10; i++) await new Promise((r) => setImmediate(r));
      expect(retrieveByReference).not.toHaveBeenCalled();
      free();
      await Promise.all([held, batchCall, pass]);
      expect(order).toEqual(['batch call', 'look-up']);
    });
  });

  describe('handleGatewayNotification', () => {
    it('an unknown reference (or another gateway’s) is reported, and nothing is fetched', async () => {
      const { service, retrieveByReference } = setup();
      expect(
        await service.handleGatewayNotification('mch_1', 'portone-paypal-rt', {
          reference: 'nope',
          gatewayPaymentId: 'imp_x',
        }),
      ).toBe('unknown_reference');
      const other = setup({ byUid: charge({ gateway: 'toss-foreign-pay' }) });
      expect(
        await other.service.handleGatewayNotification('mch_1', 'portone-paypal-rt', { reference: 'sub_1-c2-a1' }),
      ).toBe('unknown_reference');
      expect(retrieveByReference).not.toHaveBeenCalled();
      expect(other.retrieveByReference).not.toHaveBeenCalled();
    });

    it('re-fetches by merchant_uid and applies the PG’s answer (never the webhook’s): charge paid, subscription advanced', async () => {
      const { service, recorded, retrieveByReference } = setup({ byUid: charge() });
      expect(await service.handleGatewayNotification('mch_1', 'portone-paypal-rt', { reference: 'sub_1-c2-a1' })).toBe(
        'applied',
      );
      expect(retrieveByReference).toHaveBeenCalledWith(expect.anything(), {
        reference: 'sub_1-c2-a1',
        expected: { amount: 1999, currency: 'USD' },
      });
      expect(recorded).toEqual([
        expect.objectContaining({
          chargeId: 'chg_1',
          chargePatch: expect.objectContaining({ status: 'succeeded', gatewayPaymentId: 'imp_9' }),
          subscription: expect.objectContaining({
            id: 'sub_1',
            cycle: 2,
            attempt: 1,
            patch: expect.objectContaining({ status: 'active', cycle: 3 }),
          }),
        }),
      ]);
      expect((recorded[0] as { subscription: { leaseVersion?: number } }).subscription.leaseVersion).toBeUndefined();
    });

    it('finds the charge by the PG’s id when the webhook has no merchant_uid', async () => {
      const { service, repo } = setup({ byPaymentId: charge({ status: 'pending', gatewayPaymentId: 'imp_9' }) });
      expect(await service.handleGatewayNotification('mch_1', 'portone-paypal-rt', { gatewayPaymentId: 'imp_9' })).toBe(
        'applied',
      );
      expect(repo.findByGatewayPaymentId).toHaveBeenCalledWith('mch_1', 'imp_9');
    });

    it('a webhook about a charge still being sent does not re-fetch (the send records the answer)', async () => {
      const { service, retrieveByReference, recorded } = setup({ byUid: charge({ status: 'sending' }) });
      expect(await service.handleGatewayNotification('mch_1', 'portone-paypal-rt', { reference: 'sub_1-c2-a1' })).toBe(
        'applied',
      );
      expect(retrieveByReference).not.toHaveBeenCalled();
      expect(recorded).toEqual([]);
    });
  });

  describe('cancel', () => {
    it('refuses more than the refundable balance (amount − refunded − reserved) before anything is sent', async () => {
      const { service } = setup();
      await expect(service.cancel('mch_1', 'chg_1', { reason: 'x', amount: 500 })).rejects.toMatchObject({
        code: 'CANCEL_AMOUNT_EXCEEDS_BALANCE',
        details: [{ refundable: 499 }],
      });
    });

    it('another merchant’s charge is a 404', async () => {
      const { service } = setup();
      await expect(service.cancel('mch_2', 'chg_1', { reason: 'x' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    });
  });
});

describe('ChargesService.prepareMany with preloaded reads', () => {
  beforeAll(() => Logger.overrideLogger(false));

  function setupPrepare() {
    const key = (id: string) =>
      ({ id, merchantId: 'mch_1', customerId: 'cus_1', gateway: 'portone-paypal-rt', status: 'active' }) as BillingKey;
    const billingKeys = {
      requireChargeableMany: jest.fn(async (refs: ReadonlyArray<{ billingKeyId: string }>) =>
        refs.map((r) => key(r.billingKeyId)),
      ),
    };
    const stcContext = {
      merchants: new Map([['mch_1', { id: 'mch_1' }]]),
      customers: new Map([['mch_1', new Map([['cus_1', { id: 'cus_1' }]])]]),
    } as unknown as StcContext;
    const risk = {
      loadStcContext: jest.fn(async () => stcContext),
      evaluateStcMany: jest.fn(
        async (inputs: readonly unknown[], loaded: unknown) => (
          expect(loaded).toBeDefined(),
          inputs.map(() => ({ tossTransactionContext: {} }) as unknown as StcEvaluation)
        ),
      ),
      evaluateStc: jest.fn(async () => ({ tossTransactionContext: {} }) as unknown as StcEvaluation),
    };
    // Each subscription's stored STC keys (what a marketplace subscription carries).
    const stored = (id: string) => ({ receiver_account_id: `seller-of-${id}` });
    const subscriptions = {
      riskContexts: jest.fn(async (ids: string[]) => new Map(ids.map((id) => [id, stored(id)]))),
      require: jest.fn(async (_m: string, id: string) => ({ id, riskContext: stored(id) }) as unknown as Subscription),
    };
    const adapter = { descriptor: { code: 'portone-paypal-rt', paymentMethod: 'paypal' } };
    const service = new ChargesService(
      strictMock<ChargesRepository>({}),
      strictMock<SubscriptionsService>(subscriptions),
      strictMock<BillingKeysService>(billingKeys),
      strictMock<RiskService>(risk),
      strictMock<GatewayRegistry>({ require: (() => adapter) as unknown as GatewayRegistry['require'] }),
      strictMock<GatewayCredentialsService>({
        for: jest.fn(async () => ({ userCode: 'u' })) as GatewayCredentialsService['for'],
      }),
      strictMock<Clock>({ now: () => now }),
      config,
      { publicBaseUrl: 'http://127.0.0.1:3000' } as AppConfig,
      new MetricsService(),
    );
    return { service, billingKeys, risk, subscriptions, stored };
  }

  it("merges each charge's subscription STC keys, taken from the claimed rows when the batch passes them (no read)", async () => {
    const { service, risk, subscriptions } = setupPrepare();
    const ctx = newSendContext();
    const a = charge({ id: 'chg_a', subscriptionId: 'sub_a', status: 'sending' });
    const b = charge({ id: 'chg_b', subscriptionId: 'sub_b', status: 'sending' });
    const subs = [
      { id: 'sub_a', riskContext: { receiver_account_id: 'SELLER-A' } },
      { id: 'sub_b', riskContext: null },
    ];
    await service.prepareMany([a, b], ctx, service.preloadMany([a, b], ctx, subs));
    expect(subscriptions.riskContexts).not.toHaveBeenCalled();
    expect(risk.evaluateStcMany.mock.calls[0][0]).toEqual([
      {
        merchantId: 'mch_1',
        customerId: 'cus_1',
        purpose: 'charge',
        subscriptionContext: { receiver_account_id: 'SELLER-A' },
      },
      { merchantId: 'mch_1', customerId: 'cus_1', purpose: 'charge', subscriptionContext: null },
    ]);
  });

  it('reads the subscriptions’ STC keys when the caller has no rows, and merges them', async () => {
    const { service, risk, subscriptions, stored } = setupPrepare();
    const c = charge({ status: 'sending' });
    await service.prepareMany([c], newSendContext());
    expect(subscriptions.riskContexts.mock.calls).toEqual([[['sub_1']]]);
    expect(risk.evaluateStcMany.mock.calls[0][0]).toEqual([
      expect.objectContaining({ subscriptionContext: stored('sub_1') }),
    ]);
  });

  it('a charge sent without a batch preparation (after a look-up found nothing) carries its subscription’s keys too', async () => {
    const { service, risk, subscriptions, stored } = setupPrepare();
    const chargeBillingKey = jest.fn(async () => ({ status: 'SUCCEEDED' }));
    (sendingOf(service) as { adapterFor: () => unknown }).adapterFor = () => ({
      descriptor: { code: 'portone-paypal-rt', paymentMethod: 'paypal' },
      chargeBillingKey,
    });
    (sendingOf(service) as { billingKeys: unknown }).billingKeys = {
      requireChargeable: async () => ({
        id: 'bk_1',
        customerId: 'cus_1',
        gateway: 'portone-paypal-rt',
        customerUid: 'cu_1',
      }),
    };
    await service.send(charge({ status: 'sending' }));
    expect(subscriptions.require).toHaveBeenCalledWith('mch_1', 'sub_1');
    expect(risk.evaluateStc).toHaveBeenCalledWith({
      merchantId: 'mch_1',
      customerId: 'cus_1',
      purpose: 'charge',
      subscriptionContext: stored('sub_1'),
    });
    expect(chargeBillingKey).toHaveBeenCalledTimes(1);
  });

  it('charges a card gateway’s key with the PG’s own key (issuedAs = ours), without PayPal STC, notice_url from its descriptor', async () => {
    const { service, risk } = setupPrepare();
    const chargeBillingKey = jest.fn(async () => ({ status: 'SUCCEEDED' }));
    const descriptor = { code: 'card-gw', paymentMethod: 'card' };
    (sendingOf(service) as { adapterFor: () => unknown }).adapterFor = () => ({ descriptor, chargeBillingKey });
    (sendingOf(service) as { billingKeys: unknown }).billingKeys = {
      requireChargeable: async () => ({
        id: 'bk_1',
        customerId: 'cus_1',
        gateway: 'card-gw',
        customerUid: 'cu_ours',
        gatewayBillingKey: 'pg_own_key',
      }),
    };
    await service.send(charge({ status: 'sending', gateway: 'card-gw' }));
    expect(risk.evaluateStc).not.toHaveBeenCalled();
    expect(chargeBillingKey).toHaveBeenCalledWith(
      expect.anything(),
      expect.objectContaining({
        billingKey: 'pg_own_key',
        issuedAs: 'cu_ours',
        riskContext: {},
        noticeUrls: ['http://127.0.0.1:3000/v1/webhooks/card-gw/mch_1'],
      }),
    );
    // A batch too: no STC evaluated for it.
    (sendingOf(service) as { billingKeys: unknown }).billingKeys = {
      requireChargeableMany: async () => [
        {
          id: 'bk_1',
          customerId: 'cus_1',
          gateway: 'card-gw',
          customerUid: 'cu_ours',
          gatewayBillingKey: 'pg_own_key',
        },
      ],
    };
    const prepared = await service.prepareMany([charge({ status: 'sending', gateway: 'card-gw' })], newSendContext());
    expect(risk.evaluateStcMany.mock.calls.at(-1)?.[0]).toEqual([]);
    expect(prepared.get('chg_1')).toMatchObject({ riskContext: {} });
  });

  it('keeps the intent (NOT_SENT, retryable) when the merchant’s stored keys no longer pass its gateway’s check: never the buyer’s decline', async () => {
    const { service } = setupPrepare();
    const chargeBillingKey = jest.fn();
    (sendingOf(service) as { adapterFor: () => unknown }).adapterFor = () => ({
      descriptor: { code: 'card-gw', paymentMethod: 'card' },
      chargeBillingKey,
    });
    (sendingOf(service) as { billingKeys: unknown }).billingKeys = {
      requireChargeable: async () => ({ id: 'bk_1', customerId: 'cus_1', gateway: 'card-gw', customerUid: 'cu_ours' }),
    };
    (sendingOf(service) as { gatewayCredentials: unknown }).gatewayCredentials = {
      for: async () => {
        throw new DomainError('GATEWAY_CREDENTIALS_INVALID', 'stored keys refused');
      },
    };
    expect(await service.send(charge({ status: 'sending', gateway: 'card-gw' }))).toMatchObject({
      status: 'NOT_SENT',
      code: 'GATEWAY_CREDENTIALS_INVALID',
      retryable: true,
    });
    expect(chargeBillingKey).not.toHaveBeenCalled();
  });

  it('prepares from the reads started earlier, and reads only what they do not cover (a key changed since an earlier intent)', async () => {
    const { service, billingKeys, risk } = setupPrepare();
    const ctx = newSendContext();
    const fresh = charge({ id: 'chg_new', status: 'sending', billingKeyId: 'bk_1' });
    const preloaded = service.preloadMany([fresh], ctx);
    // An earlier run's intent for another subscription of the batch, made with the key it had then.
    const earlier = charge({ id: 'chg_old', status: 'sending', billingKeyId: 'bk_0' });
    const prepared = await service.prepareMany([fresh, earlier], ctx, preloaded);
    expect(billingKeys.requireChargeableMany.mock.calls.map((c) => c[0])).toEqual([
      [{ merchantId: 'mch_1', billingKeyId: 'bk_1' }],
      [{ merchantId: 'mch_1', billingKeyId: 'bk_0' }],
    ]);
    expect(risk.loadStcContext).toHaveBeenCalledTimes(2);
    expect((prepared.get('chg_new') as { key: { id: string } }).key.id).toBe('bk_1');
    expect((prepared.get('chg_old') as { key: { id: string } }).key.id).toBe('bk_0');
    expect(risk.evaluateStcMany).toHaveBeenCalledTimes(1);
  });

  it('reads nothing more when the preload covers every charge, and everything when there is none', async () => {
    const { service, billingKeys } = setupPrepare();
    const ctx = newSendContext();
    const c = charge({ status: 'sending' });
    await service.prepareMany([c], ctx, service.preloadMany([c], ctx));
    expect(billingKeys.requireChargeableMany).toHaveBeenCalledTimes(1);
    const prepared = await service.prepareMany([c], newSendContext());
    expect(billingKeys.requireChargeableMany).toHaveBeenCalledTimes(2);
    expect(prepared.get('chg_1')).toMatchObject({ credentials: { userCode: 'u' }, riskContext: {} });
  });
});

describe('newCharge', () => {
  const fields = {
    id: 'chg_2',
    merchantId: 'mch_1',
    subscriptionId: 'sub_1',
    customerId: 'cus_1',
    billingKeyId: 'bk_1',
    gateway: 'portone-paypal-rt',
    kind: 'recurring',
    cycle: 3,
    attempt: 1,
    merchantUid: 'sub_1-c3-a1',
    amount: 1999,
    currency: 'USD',
    orderName: 'Pro',
    status: 'sending',
    createdAt: now,
    updatedAt: now,
  } as const;

  it('fills every column a new charge starts with', () => {
    expect(newCharge(fields)).toEqual({
      ...fields,
      gatewayPaymentId: null,
      failureCode: null,
      failureMessage: null,
      declineKind: null,
      resendable: false,
      refundedAmount: 0,
      refundReserved: 0,
      leaseVersion: 0,
      lookupAttempts: 0,
      nextLookupAt: null,
      review: false,
      reviewReason: null,
      settledAt: null,
    });
  });

  it("lets the caller's fields override the defaults (a billing intent's lease and look-up time)", () => {
    const lookupAt = new Date(now.getTime() + 120_000);
    const c = newCharge({ ...fields, leaseVersion: 7, nextLookupAt: lookupAt });
    expect(c.leaseVersion).toBe(7);
    expect(c.nextLookupAt).toBe(lookupAt);
  });
});
