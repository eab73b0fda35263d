import { randomBytes } from 'node:crypto';
import type { GatewayRegistry, PaymentGatewayAdapter } from '@app/pg-contract';
import { strictMock } from '../../test/helpers/strict-mock';
import type { Clock } from '../clock/clock';
import { hashApiKey } from '../common/crypto/api-key';
import { SecretBox } from '../common/crypto/secret-box';
import { DomainError } from '../common/errors/domain.error';
import type { GatewayCredential } from './gateway-credential.entity';
import type { Merchant } from './merchant.entity';
import type { ApiKey } from './api-key.entity';
import type { ApiKeysRepository } from './api-keys.repository';
import type { MerchantsRepository } from './merchants.repository';
import { MerchantsService } from './merchants.service';

// Accounts, keys and profile rules; the credential hints have their own spec (merchants.service.spec.ts).
const T0 = new Date('2026-12-07T00:00:00.000Z');

const merchantRow = (over: Partial<Merchant> = {}): Merchant =>
  ({
    id: 'mch_1',
    name: 'Acme',
    industry: 'saas',
    retailFulfillment: null,
    paypalAccountId: null,
    country: null,
    returnUrl: null,
    apiKeyHash: 'h',
    apiKeyPrefix: 'p',
    createdAt: T0,
    updatedAt: T0,
    ...over,
  }) as Merchant;

const keyRow = (over: Partial<ApiKey> = {}): ApiKey => ({
  id: 'key_1',
  merchantId: 'mch_1',
  keyHash: hashApiKey('key_1'),
  prefix: 'key_1',
  last4: null,
  createdAt: T0,
  lastUsedAt: null,
  revokedAt: null,
  ...over,
});

function setup(
  repoImpl: Parameters<typeof strictMock<MerchantsRepository>>[0] = {},
  adapter?: PaymentGatewayAdapter,
  keysImpl: Parameters<typeof strictMock<ApiKeysRepository>>[0] = {},
) {
  const clock = { t: T0.getTime(), now: () => new Date(clock.t) };
  const repo = strictMock<MerchantsRepository>(repoImpl);
  const keys = strictMock<ApiKeysRepository>({ touch: async () => undefined, ...keysImpl });
  const registry = strictMock<GatewayRegistry>({
    has: (code: string) => code === 'acme-pay',
    get: (() => adapter) as GatewayRegistry['get'],
  });
  const box = new SecretBox(randomBytes(32));
  return { service: new MerchantsService(repo, keys, clock as Clock, box, registry), clock, box };
}

const codeOf = async (p: Promise<unknown>) => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DomainError);
  return { code: (err as DomainError).code, details: (err as DomainError).details };
};

describe('MerchantsService.create', () => {
  it('stores only the hash of the key it returns once, and nulls for what was not given', async () => {
    const insertMerchantWithKey = jest.fn(async (m: Merchant, _key: ApiKey) => m);
    const { service } = setup({}, undefined, { insertMerchantWithKey });
    const out = await service.create({ name: 'Acme', industry: 'saas' });
    const [row, key] = insertMerchantWithKey.mock.calls[0];
    expect(row.apiKeyHash).toBe(hashApiKey(out.apiKey));
    // Its first listed key, in the same transaction.
    expect(key).toMatchObject({ merchantId: row.id, keyHash: hashApiKey(out.apiKey), last4: out.apiKey.slice(-4) });
    expect(JSON.stringify([row, key])).not.toContain(out.apiKey);
    expect(row).toMatchObject({ retailFulfillment: null, paypalAccountId: null, country: null, createdAt: T0 });
    expect(out.id).toBe(row.id);
  });

  it.each([
    ['retail_food without a fulfilment', { industry: 'retail_food' }],
    ['a fulfilment outside retail_food', { industry: 'saas', retailFulfillment: 'own_delivery' }],
  ])('refuses %s with VALIDATION_FAILED on retailFulfillment, storing nothing', async (_, profile) => {
    const { service } = setup(); // no insert: a store would be an unexpected call
    const { code, details } = await codeOf(service.create({ name: 'Acme', ...profile }));
    expect(code).toBe('VALIDATION_FAILED');
    expect(details).toEqual([expect.objectContaining({ field: 'retailFulfillment' })]);
  });
});

describe('MerchantsService.authenticate', () => {
  const lookups = () => ({
    findActiveByHash: jest.fn(async (hash: string): Promise<ApiKey | null> =>
      hash === hashApiKey('key_1') ? keyRow() : null,
    ),
    touch: jest.fn(async (_id: string, _at: Date) => undefined),
  });

  it('answers from a cache for ten seconds of clock time, then asks the repository again', async () => {
    const keys = lookups();
    const { service, clock } = setup({ findById: async () => merchantRow() }, undefined, keys);
    expect(await service.authenticate('key_1')).toMatchObject({ id: 'mch_1' });
    clock.t += 9_999;
    await service.authenticate('key_1');
    expect(keys.findActiveByHash).toHaveBeenCalledTimes(1);
    expect(keys.findActiveByHash).toHaveBeenCalledWith(hashApiKey('key_1'));
    clock.t += 1;
    await service.authenticate('key_1');
    expect(keys.findActiveByHash).toHaveBeenCalledTimes(2);
  });

  it('does not cache an unknown key (a key created a moment later works at once)', async () => {
    const keys = lookups();
    const { service } = setup({ findById: async () => merchantRow() }, undefined, keys);
    expect(await service.authenticate('key_new')).toBeNull();
    keys.findActiveByHash.mockResolvedValueOnce(keyRow({ keyHash: hashApiKey('key_new') }));
    expect(await service.authenticate('key_new')).toMatchObject({ id: 'mch_1' });
  });

  it('a revoked key is forgotten at once: the next request asks the repository, which no longer finds it', async () => {
    const keys = lookups();
    const { service } = setup({ findById: async () => merchantRow() }, undefined, keys);
    expect(await service.authenticate('key_1')).not.toBeNull();
    keys.findActiveByHash.mockResolvedValue(null); // revoked in the database
    expect(await service.authenticate('key_1')).not.toBeNull(); // still cached
    service.forgetKey(hashApiKey('key_1'));
    expect(await service.authenticate('key_1')).toBeNull();
  });

  it('writes lastUsedAt at most once a minute per key, whatever the number of requests', async () => {
    const keys = lookups();
    const { service, clock } = setup({ findById: async () => merchantRow() }, undefined, keys);
    for (let i = 0; i < 30; i++) {
      await service.authenticate('key_1');
      clock.t += 1_000; // 30 requests over 30 s, cache misses every 10 s included
    }
    expect(keys.touch).toHaveBeenCalledTimes(1);
    expect(keys.touch).toHaveBeenCalledWith('key_1', T0);
    clock.t = T0.getTime() + 60_000;
    await service.authenticate('key_1');
    expect(keys.touch).toHaveBeenCalledTimes(2);
    expect(keys.touch).toHaveBeenLastCalledWith('key_1', new Date(T0.getTime() + 60_000));
  });

  it('an update empties the cache, so the next request sees the new profile', async () => {
    const stored = merchantRow();
    const keys = lookups();
    const { service } = setup(
      {
        findById: async () => ({ ...stored }),
        save: async (m: Merchant) => Object.assign(stored, m),
      },
      undefined,
      keys,
    );
    await service.authenticate('key_1');
    await service.update('mch_1', { name: 'Acme 2' });
    expect((await service.authenticate('key_1'))!.name).toBe('Acme 2');
    expect(keys.findActiveByHash).toHaveBeenCalledTimes(2);
  });
});

describe('MerchantsService.update', () => {
  const withStored = (stored: Merchant) => {
    const save = jest.fn(async (m: Merchant) => m);
    return { ...setup({ findById: async () => ({ ...stored }), save }), save };
  };

  it('moving away from retail_food drops the fulfilment; staying keeps it', async () => {
    const food = merchantRow({ industry: 'retail_food', retailFulfillment: 'own_delivery' });
    const away = withStored(food);
    expect(await away.service.update('mch_1', { industry: 'saas' })).toMatchObject({
      industry: 'saas',
      retailFulfillment: null,
    });
    const stay = withStored(food);
    expect(await stay.service.update('mch_1', { name: 'Acme Foods' })).toMatchObject({
      industry: 'retail_food',
      retailFulfillment: 'own_delivery',
    });
  });

  it('moving to retail_food needs a fulfilment, and nothing is saved without one', async () => {
    const { service, save } = withStored(merchantRow());
    expect((await codeOf(service.update('mch_1', { industry: 'retail_food' }))).code).toBe('VALIDATION_FAILED');
    expect(save).not.toHaveBeenCalled();
    expect(await service.update('mch_1', { industry: 'retail_food', retailFulfillment: 'own_delivery' })).toMatchObject(
      { industry: 'retail_food', retailFulfillment: 'own_delivery' },
    );
  });

  it('leaves fields it was not given as they were, and stamps updatedAt from the clock', async () => {
    const { service, save, clock } = withStored(merchantRow({ country: 'US' }));
    clock.t += 60_000;
    await service.update('mch_1', { name: 'New', country: undefined });
    expect(save.mock.calls[0][0]).toMatchObject({ name: 'New', country: 'US', updatedAt: new Date(clock.t) });
  });

  it('an unknown merchant is NOT_FOUND', async () => {
    const { service } = setup({ findById: async () => null });
    expect((await codeOf(service.get('mch_x'))).code).toBe('NOT_FOUND');
  });
});

describe('MerchantsService gateway credentials', () => {
  const adapter = (check?: PaymentGatewayAdapter['checkCredentials']) =>
    ({ descriptor: { code: 'acme-pay' }, ...(check ? { checkCredentials: check } : {}) }) as PaymentGatewayAdapter;
  const takesSecret = adapter((raw) => {
    const r = raw as { apiSecret?: unknown };
    return typeof r.apiSecret === 'string'
      ? { ok: true as const, credentials: { apiSecret: r.apiSecret } }
      : { ok: false as const, problems: ['apiSecret must be a string'] };
  });

  it('an unregistered gateway is NOT_FOUND before the repository is asked', async () => {
    const { service } = setup({}, takesSecret);
    expect((await codeOf(service.putGatewayCredentials('mch_1', 'nope', {}))).code).toBe('NOT_FOUND');
    expect((await codeOf(service.deleteGatewayCredentials('mch_1', 'nope'))).code).toBe('NOT_FOUND');
  });

  it('deleting credentials the merchant does not have is NOT_FOUND', async () => {
    const deleteCredential = jest.fn(async () => false);
    const { service } = setup({ deleteCredential }, takesSecret);
    expect((await codeOf(service.deleteGatewayCredentials('mch_1', 'acme-pay'))).code).toBe('NOT_FOUND');
    deleteCredential.mockResolvedValueOnce(true);
    await expect(service.deleteGatewayCredentials('mch_1', 'acme-pay')).resolves.toBeUndefined();
  });

  it('a gateway without checkCredentials takes no merchant credentials', async () => {
    const { service } = setup({}, adapter());
    expect((await codeOf(service.putGatewayCredentials('mch_1', 'acme-pay', { a: 'b' }))).code).toBe(
      'GATEWAY_CREDENTIALS_UNSUPPORTED',
    );
  });

  it.each([
    ['an array', ['x'], [{ field: 'body', errors: ['must be an object'] }]],
    ['null', null, [{ field: 'body', errors: ['must be an object'] }]],
    ['a missing field', {}, [{ field: 'apiSecret', errors: ['apiSecret must be a string'] }]],
    [
      'a field the gateway does not take',
      { apiSecret: 's', extra: 'x' },
      [{ field: 'extra', errors: ['is not a field of these credentials'] }],
    ],
  ])('refuses %s with VALIDATION_FAILED naming fields, never values', async (_, body, details) => {
    const { service } = setup({}, takesSecret);
    const err = await codeOf(service.putGatewayCredentials('mch_1', 'acme-pay', body));
    expect(err).toEqual({ code: 'VALIDATION_FAILED', details });
  });

  it('keeps the row id and creation time on a second put, and opens only what was sealed for that merchant', async () => {
    const rows = new Map<string, GatewayCredential>();
    const { service, clock } = setup(
      {
        findCredential: async (m: string, g: string) => rows.get(`${m}|${g}`) ?? null,
        upsertCredential: async (row: GatewayCredential) => (rows.set(`${row.merchantId}|${row.gateway}`, row), row),
      },
      takesSecret,
    );
    await service.putGatewayCredentials('mch_1', 'acme-pay', { apiSecret: 'one' });
    const first = rows.get('mch_1|acme-pay')!;
    clock.t += 1_000;
    await service.putGatewayCredentials('mch_1', 'acme-pay', { apiSecret: 'two' });
    const second = rows.get('mch_1|acme-pay')!;
    expect(second).toMatchObject({ id: first.id, createdAt: T0, updatedAt: new Date(clock.t) });
    expect(await service.credentialsFor('mch_1', 'acme-pay')).toEqual({ apiSecret: 'two' });
    expect(await service.credentialsFor('mch_1', 'other-pay')).toBeNull();
    // The sealed value is bound to its merchant: copied onto another merchant's row, it does not open.
    rows.set('mch_2|acme-pay', { ...second, merchantId: 'mch_2' });
    await expect(service.credentialsFor('mch_2', 'acme-pay')).rejects.toThrow();
  });
});
