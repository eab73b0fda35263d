import type { BillingKeyOutcome, DeleteBillingKeyOutcome, GatewayRegistry } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import type { AppConfig } from '../config/configuration';
import type { CustomersService } from '../customers/customers.service';
import type { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import type { MetricsService } from '../metrics/metrics.service';
import type { RiskService } from '../risk/risk.service';
import type { BillingKey, BillingKeyStatus } from './billing-key.entity';
import type { BillingKeysRepository } from './billing-keys.repository';
import { BillingKeysService } from './billing-keys.service';

const NOW = new Date('2026-03-01T12:00:00.000Z');

// Strict mocks: any call not set up here throws.
const strict = <T extends object>(impl: object): T =>
  new Proxy(impl, {
    get: (target, prop) => {
      if (prop in target) return (target as Record<string | symbol, unknown>)[prop];
      if (prop === 'then') return undefined;
      throw new Error(`unexpected call: ${String(prop)}`);
    },
  }) as T;

function key(over: Partial<BillingKey> = {}): BillingKey {
  return {
    id: 'bk_1',
    merchantId: 'mch_1',
    customerId: 'cus_1',
    gateway: 'portone-paypal-rt',
    status: 'pending',
    customerUid: 'cu_secret',
    merchantUid: 'bki_1',
    name: 'n',
    customData: null,
    gatewayPaymentId: null,
    failureCode: null,
    failureMessage: null,
    revokePendingAtPg: false,
    createdAt: NOW,
    updatedAt: NOW,
    activatedAt: null,
    revokedAt: null,
    ...over,
  };
}

function setup(
  initial: BillingKey,
  adapterImpl: {
    completeBillingKey?: () => Promise<BillingKeyOutcome>;
    deleteBillingKey?: () => Promise<DeleteBillingKeyOutcome>;
    retrieveByReference?: () => Promise<unknown>;
  } = {},
) {
  let row = { ...initial };
  const repo = {
    findForMerchant: jest.fn(async (merchantId: string, id: string) =>
      row.merchantId === merchantId && row.id === id ? { ...row } : null,
    ),
    findByMerchantUid: jest.fn(async (merchantId: string, merchantUid: string) =>
      row.merchantId === merchantId && row.merchantUid === merchantUid ? { ...row } : null,
    ),
    transition: jest.fn(async (_m: string, _id: string, from: BillingKeyStatus[], patch: Partial<BillingKey>) => {
      if (!from.includes(row.status)) return false;
      row = { ...row, ...patch };
      return true;
    }),
    update: jest.fn(async (_m: string, _id: string, patch: Partial<BillingKey>) => {
      row = { ...row, ...patch };
    }),
    findPendingDue: jest.fn(async (o: { now: Date; issuedBefore: Date; maxAttempts: number }) => {
      const due = row.nextLookupAt ? row.nextLookupAt <= o.now : row.createdAt <= o.issuedBefore;
      return row.status === 'pending' && (row.lookupAttempts ?? 0) < o.maxAttempts && due ? [{ ...row }] : [];
    }),
    claimLookup: jest.fn(async (k: BillingKey, next: Date) => {
      if ((row.lookupAttempts ?? 0) !== (k.lookupAttempts ?? 0)) return false;
      row = { ...row, lookupAttempts: (row.lookupAttempts ?? 0) + 1, nextLookupAt: next };
      return true;
    }),
  };
  const adapter = strict<object>({ descriptor: DESCRIPTOR, ...adapterImpl });
  const registry = { require: jest.fn(() => adapter) };
  const credentials = { for: jest.fn(async () => ({ userCode: 'imp_x', impKey: 'k', impSecret: 's', sandbox: true })) };
  const metrics = { counter: jest.fn(() => ({ inc: jest.fn() })) };
  const service = new BillingKeysService(
    strict<BillingKeysRepository>(repo),
    strict<CustomersService>({}),
    strict<RiskService>({}),
    strict<GatewayRegistry>(registry),
    strict<GatewayCredentialsService>(credentials),
    strict<Clock>({ now: () => new Date(NOW) }),
    { publicBaseUrl: 'https://api.example' } as AppConfig,
    strict<MetricsService>(metrics),
  );
  return { service, repo, row: () => row };
}

const DESCRIPTOR = {
  code: 'portone-paypal-rt',
  displayName: 'PortOne',
  paymentMethod: 'paypal',
  capabilities: {
    oneTimePayments: false,
    billingKeys: true,
    billingKeyDeletion: true,
    cancel: true,
    partialCancel: true,
    webhookKind: 'unsigned',
    currencies: ['USD'],
  },
};

describe('BillingKeysService', () => {
  describe('requireChargeable', () => {
    it('answers an active key', async () => {
      const { service } = setup(key({ status: 'active' }));
      await expect(service.requireChargeable('mch_1', 'bk_1')).resolves.toMatchObject({
        id: 'bk_1',
        customerUid: 'cu_secret',
      });
    });
    it.each(['pending', 'failed', 'revoked'] as const)(
      'refuses a %s key with BILLING_KEY_NOT_ACTIVE',
      async (status) => {
        const { service } = setup(key({ status }));
        await expect(service.requireChargeable('mch_1', 'bk_1')).rejects.toMatchObject({
          code: 'BILLING_KEY_NOT_ACTIVE',
        });
      },
    );
    it('answers another merchant’s key as not found', async () => {
      const { service } = setup(key({ status: 'active' }));
      await expect(service.requireChargeable('mch_2', 'bk_1')).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('complete', () => {
    const pointer = { imp_uid: 'imps_1', merchant_uid: 'bki_1' };
    it.each<[string, BillingKeyOutcome, Partial<BillingKey>]>([
      [
        'ACTIVE',
        { status: 'ACTIVE', billingKey: 'cu_secret', gatewayPaymentId: 'imps_1', rawStatus: 'paid' },
        { status: 'active', activatedAt: NOW, gatewayPaymentId: 'imps_1' },
      ],
      [
        'FAILED',
        { status: 'FAILED', code: 'KOREAN_BUYER_ACCOUNT', message: 'kr', gatewayPaymentId: 'imps_1' },
        { status: 'failed', failureCode: 'KOREAN_BUYER_ACCOUNT' },
      ],
      ['PENDING', { status: 'PENDING', billingKey: 'cu_secret', rawStatus: 'failed' }, { status: 'pending' }],
    ])('applies %s through the state machine', async (_name, outcome, expected) => {
      const { service, row } = setup(key(), { completeBillingKey: async () => outcome });
      await service.complete('mch_1', 'bk_1', pointer);
      expect(row()).toMatchObject(expected);
    });

    it.each(['REFERENCE_MISMATCH', 'PAYMENT_NOT_FOUND', 'INVALID_POINTER'])(
      'refuses a pointer the PG says is not this issuance (%s) and leaves the key pending',
      async (code) => {
        const { service, row } = setup(key(), {
          completeBillingKey: async () => ({ status: 'FAILED', code, message: 'x' }),
        });
        await expect(service.complete('mch_1', 'bk_1', pointer)).rejects.toMatchObject({
          code: 'BILLING_KEY_POINTER_MISMATCH',
        });
        expect(row().status).toBe('pending');
      },
    );

    // The check of a pointer's own fields (PortOne's merchant_uid) is the adapter's, without a PG call: see
    // portone-paypal-rt.adapter.spec.ts "refuses a callback naming another issuance before any PG call".

    it.each<[BillingKeyOutcome]>([
      [{ status: 'UNKNOWN', reason: 'timeout', message: 't' }],
      [{ status: 'NOT_SENT', reason: 'connection', code: 'C', message: 'c', retryable: true }],
    ])('answers GATEWAY_UNAVAILABLE for %j and leaves the key pending', async (outcome) => {
      const { service, row } = setup(key(), { completeBillingKey: async () => outcome });
      await expect(service.complete('mch_1', 'bk_1', pointer)).rejects.toMatchObject({ code: 'GATEWAY_UNAVAILABLE' });
      expect(row().status).toBe('pending');
    });

    it('answers a decided key as it is, without a PG call, but only to its own pointer', async () => {
      const { service } = setup(key({ status: 'active', gatewayPaymentId: 'imps_1' }));
      await expect(service.complete('mch_1', 'bk_1', pointer)).resolves.toEqual({ id: 'bk_1', status: 'active' });
      await expect(service.complete('mch_1', 'bk_1', { ...pointer, imp_uid: 'imps_2' })).rejects.toBeInstanceOf(
        DomainError,
      );
    });
  });

  describe('applyNotification', () => {
    it('leaves decided keys alone and does not claim foreign references', async () => {
      const active = setup(key({ status: 'active' }));
      await expect(
        active.service.applyNotification('mch_1', 'portone-paypal-rt', {
          reference: 'bki_1',
          gatewayPaymentId: 'imps_1',
        }),
      ).resolves.toBe('unchanged');
      await expect(
        active.service.applyNotification('mch_1', 'portone-paypal-rt', {
          reference: 'sub-1',
          gatewayPaymentId: 'imps_1',
        }),
      ).resolves.toBe('not_a_billing_key');
      await expect(
        active.service.applyNotification('mch_2', 'portone-paypal-rt', {
          reference: 'bki_1',
          gatewayPaymentId: 'imps_1',
        }),
      ).resolves.toBe('not_a_billing_key');
    });
    it('ignores a pointer mismatch quietly (no error for a webhook)', async () => {
      const { service, row } = setup(key(), {
        completeBillingKey: async () => ({ status: 'FAILED', code: 'PAYMENT_NOT_FOUND', message: 'x' }),
      });
      await expect(
        service.applyNotification('mch_1', 'portone-paypal-rt', { reference: 'bki_1', gatewayPaymentId: 'imps_9' }),
      ).resolves.toBe('unchanged');
      expect(row().status).toBe('pending');
    });
  });

  describe('revoke', () => {
    it('marks the key revoked before the PG call, and confirms it only when the PG deleted it', async () => {
      const seen: BillingKeyStatus[] = [];
      const ctx = setup(key({ status: 'active' }), {
        deleteBillingKey: async () => {
          seen.push(ctx.row().status);
          return { status: 'DELETED', alreadyAbsent: false };
        },
      });
      await expect(ctx.service.revoke('mch_1', 'bk_1')).resolves.toMatchObject({
        status: 'revoked',
        revokedAtGateway: true,
      });
      expect(seen).toEqual(['revoked']);
    });
    it.each<[DeleteBillingKeyOutcome]>([
      [{ status: 'UNKNOWN', reason: 'timeout', message: 't' }],
      [{ status: 'DECLINED', code: 'X', message: 'no' }],
    ])('reports %j as not revoked at the PG', async (outcome) => {
      const { service, row } = setup(key({ status: 'active' }), { deleteBillingKey: async () => outcome });
      await expect(service.revoke('mch_1', 'bk_1')).resolves.toMatchObject({
        status: 'revoked',
        revokedAtGateway: false,
      });
      expect(row().revokePendingAtPg).toBe(true);
    });
    it('does not call the PG again for a confirmed revocation', async () => {
      const { service } = setup(key({ status: 'revoked', revokedAt: NOW }));
      await expect(service.revoke('mch_1', 'bk_1')).resolves.toMatchObject({
        status: 'revoked',
        revokedAtGateway: true,
      });
    });
  });

  describe('reconcilePending', () => {
    const opts = { graceMs: 600_000, backoffMs: [60_000, 300_000], limit: 10 };
    const old = () => key({ createdAt: new Date(NOW.getTime() - 601_000) });

    it('leaves a key alone within the grace period', async () => {
      const { service, repo } = setup(key());
      await expect(service.reconcilePending(opts)).resolves.toEqual({ looked: 0, changed: 0 });
      expect(repo.claimLookup).not.toHaveBeenCalled();
    });

    it('completes a key found under its merchant_uid exactly as a completion would', async () => {
      const completeBillingKey = jest.fn(async (): Promise<BillingKeyOutcome> => ({
        status: 'ACTIVE',
        billingKey: 'cu_secret',
        gatewayPaymentId: 'imps_9',
        rawStatus: 'paid',
      }));
      const { service, row } = setup(old(), {
        retrieveByReference: async () => ({ status: 'SUCCEEDED', gatewayPaymentId: 'imps_9' }),
        completeBillingKey,
      });
      await expect(service.reconcilePending(opts)).resolves.toEqual({ looked: 1, changed: 1 });
      expect(completeBillingKey).toHaveBeenCalledWith(expect.anything(), {
        billingKey: 'cu_secret',
        reference: 'bki_1',
        pointer: { gatewayPaymentId: 'imps_9' },
      });
      expect(row()).toMatchObject({ status: 'active', gatewayPaymentId: 'imps_9' });
    });

    it('schedules the next look-up of a key with nothing at the PG on the backoff', async () => {
      const retrieveByReference = jest.fn(async () => ({ status: 'NOT_FOUND', message: 'none' }));
      const { service, row } = setup(old(), { retrieveByReference });
      await service.reconcilePending(opts);
      expect(row()).toMatchObject({
        status: 'pending',
        lookupAttempts: 1,
        nextLookupAt: new Date(NOW.getTime() + 60_000),
      });
      await service.reconcilePending(opts); // not due yet
      expect(retrieveByReference).toHaveBeenCalledTimes(1);
    });
  });
});
