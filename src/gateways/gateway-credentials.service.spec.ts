import type { GatewayRegistry, SandboxPluginRegistration } from '@app/pg-contract';
import type { PgConfig } from '../config/configuration';
import type { MerchantsService } from '../merchants/merchants.service';
import { GatewayCredentialsService } from './gateway-credentials.service';

/** Two gateways of one PG whose codes share a prefix: each must get its own credentials. */
function setup(opts: { sandbox: boolean; stored?: Record<string, object> }) {
  const adapter = (code: string) => ({
    descriptor: { code },
    checkCredentials: (raw: unknown) => ({ ok: true as const, credentials: raw }),
  });
  const adapters = new Map([
    ['toss-foreign-pay', adapter('toss-foreign-pay')],
    ['toss-billing', adapter('toss-billing')],
  ]);
  const registry = { has: (c: string) => adapters.has(c), get: (c: string) => adapters.get(c)! } as unknown as GatewayRegistry;
  const plugin = (prefix: string): SandboxPluginRegistration => ({ name: prefix, prefix, sandboxCredentials: (m) => ({ plugin: prefix, merchant: m }) });
  const plugins = new Map([
    ['toss-foreign-pay', plugin('toss')],
    ['toss-billing', plugin('toss-billing')],
  ]);
  const merchants = { credentialsFor: jest.fn(async (_m: string, gateway: string) => opts.stored?.[gateway] ?? null) } as unknown as MerchantsService;
  return new GatewayCredentialsService(merchants, registry, plugins, { sandbox: opts.sandbox } as PgConfig);
}

describe('GatewayCredentialsService', () => {
  it('resolves by code, never by prefix: a second Toss gateway gets its own keys, not the PayPal MID’s', async () => {
    const creds = setup({ sandbox: false, stored: { 'toss-foreign-pay': { secretKey: 'paypal-mid' }, 'toss-billing': { secretKey: 'card-mid' } } });
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

  it('answers an unknown gateway as not found', async () => {
    await expect(setup({ sandbox: true }).for('mch_1', 'stripe')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
