import { createHash } from 'node:crypto';
import type {
  BillingKeyOutcome,
  ClientRequest,
  GatewayDescriptor,
  GatewayRegistry,
  IssueBillingKeyInput,
} from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import type { AppConfig } from '../config/configuration';
import type { CustomersService } from '../customers/customers.service';
import type { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import type { MetricsService } from '../metrics/metrics.service';
import type { RiskService } from '../risk/risk.service';
import type { BillingKey, BillingKeyStatus } from './billing-key.entity';
import type { BillingKeysRepository } from './billing-keys.repository';
import { BillingKeyReturnsService } from './billing-keys.returns';
import { BillingKeysService } from './billing-keys.service';

/**
 * Billing keys through a gateway unlike PortOne: card payments (no PayPal risk rules), a redirect flow, a PG that
 * mints its own key and cannot delete keys. Nothing here names a real PG: the core must take all of it from the
 * descriptor and the adapter.
 */
const NOW = new Date('2026-12-07T00:00:00.000Z');
const CARD: GatewayDescriptor = {
  code: 'card-redirect',
  displayName: 'Card (redirect)',
  paymentMethod: 'card',
  defaultBillingKeyName: 'Card on file',
  capabilities: {
    oneTimePayments: false,
    billingKeys: true,
    billingKeyDeletion: false,
    billingKeyFlow: 'redirect',
    cancel: true,
    partialCancel: true,
    webhookKind: 'none',
    currencies: ['KRW'],
  },
};

const strict = <T extends object>(impl: object): T =>
  new Proxy(impl, {
    get: (target, prop) => {
      if (prop in target) return (target as Record<string | symbol, unknown>)[prop];
      if (prop === 'then') return undefined;
      throw new Error(`unexpected call: ${String(prop)}`);
    },
  }) as T;

function setup(
  completeOutcome: BillingKeyOutcome = {
    status: 'ACTIVE',
    billingKey: 'x',
    gatewayBillingKey: 'pg_own_key_1',
    rawStatus: 'ISSUED',
  },
) {
  const rows = new Map<string, BillingKey>();
  const repo = {
    insert: jest.fn(async (k: BillingKey) => (rows.set(k.id, { ...k }), { ...k })),
    findForMerchant: jest.fn(async (m: string, id: string) =>
      rows.get(id)?.merchantId === m ? { ...rows.get(id)! } : null,
    ),
    findManyByIds: jest.fn(async (ids: string[]) => ids.flatMap((id) => (rows.has(id) ? [{ ...rows.get(id)! }] : []))),
    transition: jest.fn(async (_m: string, id: string, from: BillingKeyStatus[], patch: Partial<BillingKey>) => {
      const row = rows.get(id)!;
      if (!from.includes(row.status)) return false;
      rows.set(id, { ...row, ...patch });
      return true;
    }),
  };
  const issued: IssueBillingKeyInput[] = [];
  const client: ClientRequest = {
    sdk: 'card-sdk',
    init: { clientKey: 'ck_1', customerKey: 'ours' },
    method: 'requestAuth',
    request: { method: 'CARD' },
  };
  const adapter = strict({
    descriptor: CARD,
    issueBillingKey: jest.fn(async (_c: unknown, input: IssueBillingKeyInput) => (issued.push(input), client)),
    completeBillingKey: jest.fn(async () => completeOutcome),
    // No deleteBillingKey: the strict mock throws if the core ever calls it.
  });
  const registry = { require: () => adapter, has: (c: string) => c === CARD.code, get: () => adapter };
  const customers = {
    require: async () => ({ id: 'cus_1', email: 'a@example.com', firstName: 'A', lastName: 'B', countryCode: 'KR' }),
  };
  const keys = new BillingKeysService(
    strict<BillingKeysRepository>(repo),
    strict<CustomersService>(customers),
    // No PayPal STC for a card gateway: any risk call throws.
    strict<RiskService>({}),
    strict<GatewayRegistry>(registry),
    strict<GatewayCredentialsService>({ for: async () => ({ secretKey: 'sk' }) }),
    strict<Clock>({ now: () => NOW }),
    { publicBaseUrl: 'https://api.example' } as AppConfig,
    strict<MetricsService>({ counter: () => ({ inc: () => undefined }) }),
  );
  const returns = new BillingKeyReturnsService(
    strict<BillingKeysRepository>(repo),
    keys,
    strict<GatewayRegistry>(registry),
  );
  return { keys, returns, rows, issued, adapter: adapter as unknown as { completeBillingKey: jest.Mock } };
}

const create = {
  customerId: 'cus_1',
  gateway: CARD.code,
  successUrl: 'https://shop.example/ok?x=1',
  failUrl: 'https://shop.example/ko',
};

describe('BillingKeysService with a card, redirect, no-delete gateway', () => {
  it('refuses a redirect issuance without successUrl and failUrl (400), before anything is recorded', async () => {
    const s = setup();
    await expect(s.keys.issue('mch_1', { customerId: 'cus_1', gateway: CARD.code })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'successUrl' }, { field: 'failUrl' }],
    });
    expect(s.rows.size).toBe(0);
  });

  it('answers checkout (no loadUI), a client secret stored only hashed, our return routes to the adapter, the adapter’s default name, no STC', async () => {
    const s = setup();
    const res = await s.keys.issue('mch_1', create);
    expect(res.checkout).toEqual({
      sdk: 'card-sdk',
      init: { clientKey: 'ck_1', customerKey: 'ours' },
      method: 'requestAuth',
      request: { method: 'CARD' },
    });
    expect(res).not.toHaveProperty('loadUI');
    expect(res.name).toBe('Card on file');
    expect(res.clientSecret).toMatch(/^bks_[A-Za-z0-9_-]{32}$/);
    const row = s.rows.get(res.id)!;
    expect(row.clientSecretHash).toBe(createHash('sha256').update(res.clientSecret).digest('hex'));
    expect(JSON.stringify(row)).not.toContain(res.clientSecret);
    expect(s.issued[0]).toMatchObject({
      returnUrl: `https://api.example/v1/billing-keys/${res.id}/return`,
      failUrl: `https://api.example/v1/billing-keys/${res.id}/fail`,
      name: 'Card on file',
    });
    expect(s.issued[0]).not.toHaveProperty('riskContext');
    expect(s.issued[0]).not.toHaveProperty('noticeUrls');
    // A second key gets another secret.
    expect((await s.keys.issue('mch_1', create)).clientSecret).not.toBe(res.clientSecret);
  });

  it('completes through the return route with the query as the pointer, stores the PG’s own key, and sends the buyer to successUrl', async () => {
    const s = setup();
    const { id } = await s.keys.issue('mch_1', create);
    const [a, b] = await Promise.all([
      s.returns.returnFromGateway(id, { customerKey: 'ours', authKey: 'auth_1' }),
      s.returns.returnFromGateway(id, { customerKey: 'ours', authKey: 'auth_1' }),
    ]);
    // A reloaded return page shares the first one's PG call.
    expect(s.adapter.completeBillingKey).toHaveBeenCalledTimes(1);
    expect(s.adapter.completeBillingKey.mock.calls[0][1]).toMatchObject({
      pointer: { customerKey: 'ours', authKey: 'auth_1' },
    });
    expect(a).toBe(`https://shop.example/ok?x=1&billingKeyId=${id}&status=active`);
    expect(b).toBe(a);
    expect(s.rows.get(id)).toMatchObject({ status: 'active', gatewayBillingKey: 'pg_own_key_1' });
    // Decided: another return asks the PG nothing.
    await s.returns.returnFromGateway(id, { authKey: 'forged' });
    expect(s.adapter.completeBillingKey).toHaveBeenCalledTimes(1);
  });

  it('sends a failed verification to failUrl; the fail route changes nothing; an unknown key is null (404)', async () => {
    const s = setup({ status: 'FAILED', code: 'INVALID_AUTH_KEY', message: 'no' });
    const { id } = await s.keys.issue('mch_1', create);
    expect(await s.returns.failFromGateway(id)).toBe(`https://shop.example/ko?billingKeyId=${id}&status=pending`);
    expect(s.rows.get(id)!.status).toBe('pending');
    expect(await s.returns.returnFromGateway(id, { authKey: 'bad' })).toBe(
      `https://shop.example/ko?billingKeyId=${id}&status=failed`,
    );
    expect(await s.returns.returnFromGateway('bk_nope', {})).toBeNull();
    expect(await s.returns.failFromGateway('bk_nope')).toBeNull();
  });

  it('revokes locally when the gateway cannot delete keys: revokedAtGateway false, reason NOT_SUPPORTED, no PG call', async () => {
    const s = setup();
    const { id } = await s.keys.issue('mch_1', create);
    await s.returns.returnFromGateway(id, { authKey: 'a' });
    const revoked = await s.keys.revoke('mch_1', id);
    expect(revoked).toMatchObject({ status: 'revoked', revokedAtGateway: false, reason: 'NOT_SUPPORTED' });
    await expect(s.keys.requireChargeable('mch_1', id)).rejects.toMatchObject({ code: 'BILLING_KEY_NOT_ACTIVE' });
    // Asking again answers the same, still without a PG call.
    expect(await s.keys.revoke('mch_1', id)).toMatchObject({ revokedAtGateway: false, reason: 'NOT_SUPPORTED' });
  });
});
