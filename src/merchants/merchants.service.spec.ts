import { randomBytes } from 'node:crypto';
import type { GatewayRegistry, PaymentGatewayAdapter } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import { SecretBox } from '../common/crypto/secret-box';
import type { GatewayCredential } from './gateway-credential.entity';
import type { MerchantsRepository } from './merchants.repository';
import { MerchantsService } from './merchants.service';
import type { ApiKeysRepository } from './api-keys.repository';
import { strictMock } from '../../test/helpers/strict-mock';

/** A gateway as a new team would write it: its secret named its own way, one public field. */
function fakeGateway(publicFields?: readonly string[]): PaymentGatewayAdapter {
  return {
    descriptor: {
      code: 'acme-pay',
      displayName: 'Acme Pay',
      paymentMethod: 'card',
      ...(publicFields ? { publicCredentialFields: publicFields } : {}),
      capabilities: {
        oneTimePayments: true,
        billingKeys: false,
        cancel: false,
        partialCancel: false,
        webhookKind: 'none',
        currencies: ['USD'],
      },
    },
    checkCredentials: (raw: unknown) => ({
      ok: true as const,
      credentials: raw as { merchantCode: string; apiSecret: string },
    }),
  } as PaymentGatewayAdapter;
}

function setup(adapter: PaymentGatewayAdapter) {
  const rows = new Map<string, GatewayCredential>();
  const repo = {
    findCredential: jest.fn(async (m: string, g: string) => rows.get(`${m}|${g}`) ?? null),
    upsertCredential: jest.fn(
      async (row: GatewayCredential) => (rows.set(`${row.merchantId}|${row.gateway}`, row), row),
    ),
    listCredentials: jest.fn(async (m: string) => [...rows.values()].filter((r) => r.merchantId === m)),
  } as unknown as MerchantsRepository;
  const registry = { has: (c: string) => c === 'acme-pay', get: () => adapter } as unknown as GatewayRegistry;
  const clock = { now: () => new Date('2026-12-07T00:00:00Z') } as Clock;
  return {
    service: new MerchantsService(
      repo,
      strictMock<ApiKeysRepository>(),
      clock,
      new SecretBox(randomBytes(32)),
      registry,
    ),
    rows,
  };
}

describe('MerchantsService gateway credential hints', () => {
  const secret = 'acme_live_secret_0123456789';

  it('masks every field the descriptor does not call public, whatever the gateway names it', async () => {
    const { service, rows } = setup(fakeGateway(['merchantCode']));
    const view = await service.putGatewayCredentials('mch_1', 'acme-pay', {
      merchantCode: 'ACME-01',
      apiSecret: secret,
    });
    expect(view.hints).toEqual({ merchantCode: 'ACME-01', apiSecret: '••••••••6789' });
    // Neither the stored hints nor the sealed row carry the secret in clear.
    const row = [...rows.values()][0];
    expect(JSON.stringify(row.hints)).not.toContain(secret);
    expect(row.ciphertext).not.toContain(secret);
    expect(JSON.stringify(await service.listGatewayCredentials('mch_1'))).not.toContain(secret);
  });

  it('a gateway that declares no public fields has every field masked', async () => {
    const { service } = setup(fakeGateway());
    const view = await service.putGatewayCredentials('mch_1', 'acme-pay', {
      merchantCode: 'ACME-0001',
      apiSecret: secret,
    });
    expect(view.hints.merchantCode).not.toBe('ACME-0001');
    expect(view.hints.apiSecret).not.toContain('0123');
  });
});
