import type {
  CredentialCheck,
  GatewayRegistry,
  PaymentGatewayAdapter,
  SandboxPluginRegistration,
} from '@app/pg-contract';
import type { PgConfig } from '../config/configuration';
import type { MerchantsService } from '../merchants/merchants.service';
import { GatewayCredentialsService, sandboxAccountOf } from './gateway-credentials.service';
import { strictMock } from '../../test/helpers/strict-mock';

/** Two gateways of one PG whose codes share a prefix: each must get its own credentials. */
function setup(opts: {
  sandbox: boolean;
  stored?: Record<string, object>;
  check?: (raw: unknown) => CredentialCheck<unknown>;
  ownCredentials?: (c: unknown) => unknown;
}) {
  const adapter = (code: string) =>
    strictMock<PaymentGatewayAdapter>({
      descriptor: { code } as PaymentGatewayAdapter['descriptor'],
      checkCredentials: opts.check ?? ((raw: unknown) => ({ ok: true as const, credentials: raw })),
    });
  const adapters = new Map([
    ['toss-foreign-pay', adapter('toss-foreign-pay')],
    ['toss-billing', adapter('toss-billing')],
  ]);
  const registry = strictMock<GatewayRegistry>({
    has: (c: string) => adapters.has(c),
    get: (c: string) => adapters.get(c)!,
  });
  const plugin = (prefix: string): SandboxPluginRegistration => ({
    name: prefix,
    prefix,
    sandboxCredentials: (m) => ({ plugin: prefix, merchant: m }),
    ownCredentials: opts.ownCredentials,
  });
  const plugins = new Map([
    ['toss-foreign-pay', plugin('toss')],
    ['toss-billing', plugin('toss-billing')],
  ]);
  const merchants = strictMock<MerchantsService>({
    credentialsFor: jest.fn(
      async (_m: string, gateway: string) => opts.stored?.[gateway] ?? null,
    ) as MerchantsService['credentialsFor'],
  });
  return new GatewayCredentialsService(merchants, registry, plugins, { sandbox: opts.sandbox } as PgConfig);
}

describe('GatewayCredentialsService', () => {
  it('resolves by code, never by prefix: a second Toss gateway gets its own keys, not the PayPal MID’s', async () => {
    const creds = setup({
      sandbox: false,
      stored: { 'toss-foreign-pay': { secretKey: 'paypal-mid' }, 'toss-billing': { secretKey: 'card-mid' } },
    });
    await expect(creds.for('mch_1', 'toss-billing')).resolves.toEqual({ secretKey: 'card-mid' });
    await expect(creds.for('mch_1', 'toss-foreign-pay')).resolves.toEqual({ secretKey: 'paypal-mid' });
  });

  it('refuses a gateway whose credentials are not stored rather than borrowing another’s', async () => {
    const creds = setup({ sandbox: false, stored: { 'toss-foreign-pay': { secretKey: 'paypal-mid' } } });
    await expect(creds.for('mch_1', 'toss-billing')).rejects.toMatchObject({ code: 'GATEWAY_NOT_CONFIGURED' });
  });

  it('in sandbox mode, takes a merchant without own keys from the gateway’s own sandbox plugin', async () => {
    const creds = setup({ sandbox: true });
    await expect(creds.for('mch_1', 'toss-billing')).resolves.toEqual({ plugin: 'toss-billing', merchant: 'mch_1' });
  });

  it('refuses stored credentials the adapter no longer accepts, naming no secret', async () => {
    const creds = setup({
      sandbox: true,
      stored: { 'toss-billing': { secretKey: 'old-shape' } },
      check: (): CredentialCheck<unknown> => ({ ok: false, problems: ['secretKey: required'] }),
    });
    const err = await creds.for('mch_1', 'toss-billing').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'GATEWAY_CREDENTIALS_INVALID' });
    expect(JSON.stringify(err) + String((err as Error).message)).not.toContain('old-shape');
  });

  it('in sandbox mode, prefers the merchant’s own keys, passed through the plugin’s ownCredentials', async () => {
    const creds = setup({
      sandbox: true,
      stored: { 'toss-billing': { secretKey: 'own' } },
      ownCredentials: (c) => ({ wrapped: c }),
    });
    await expect(creds.for('mch_1', 'toss-billing')).resolves.toEqual({ wrapped: { secretKey: 'own' } });
  });

  it('gives the sandbox account only in sandbox mode', () => {
    expect(setup({ sandbox: true }).sandboxAccount('mch_1', 'toss-billing')).toBe(sandboxAccountOf('mch_1'));
    expect(() => setup({ sandbox: false }).sandboxAccount('mch_1', 'toss-billing')).toThrow(
      expect.objectContaining({ code: 'GATEWAY_NOT_CONFIGURED' }),
    );
  });

  it('answers an unknown gateway as not found', async () => {
    await expect(setup({ sandbox: true }).for('mch_1', 'stripe')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
