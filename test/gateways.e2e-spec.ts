import { PortoneClient } from '@app/portone-client';
import { TossClient } from '@app/toss-client';
import { GatewayRegistry } from '@app/pg-contract';
import { GatewayCredentialsService } from '../src/gateways/gateway-credentials.service';
import { createMerchant, startTestApp, TestApp } from './helpers/test-app';

describe('gateways: the sandbox mounted in the app, the PG clients and per-merchant credentials (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('mounts the sandbox under /sandbox with the PGs’ own shapes, outside the merchant API’s auth', async () => {
    const notFound = await t.http().get('/sandbox/portone/payments/imp_nope');
    expect(notFound.status).toBe(401);
    expect(notFound.body).toEqual({ code: -1, message: expect.any(String), response: null });
    const toss = await t.http().post('/sandbox/toss/v1/payments/confirm').send({});
    expect(toss.status).toBe(401);
    expect(toss.body).toEqual({ code: expect.any(String), message: expect.any(String) });
    expect(t.sandbox).toBeDefined();
  });

  it('gives a merchant without own credentials its own sandbox account, reached by the app’s clients over HTTP', async () => {
    const m = await createMerchant(t);
    const other = await createMerchant(t, { name: 'Other' });
    const creds = t.app.get(GatewayCredentialsService);
    const portone = await creds.portone(m.id);
    const portoneOther = await creds.portone(other.id);
    expect(portone.sandbox).toBe(true);
    expect(portone.userCode).toMatch(/^imp_sbx_/);
    expect(portoneOther.userCode).not.toBe(portone.userCode);
    const verified = await t.app.get(PortoneClient).verifyCredentials(portone);
    expect(verified.kind).toBe('ok');

    const toss = await creds.toss(m.id);
    expect(toss.secretKey).toMatch(/^test_sk_sbx_/);
    const lookup = await t.app.get(TossClient).getPaymentByOrderId(toss, 'order-missing-1');
    expect(lookup).toMatchObject({ kind: 'pg_error', httpStatus: 404, code: 'NOT_FOUND_PAYMENT' });
  });

  it('uses the merchant’s own credentials once stored (wrong ones are the PG’s 401, not a crash)', async () => {
    const m = await createMerchant(t);
    const put = await t
      .http()
      .put('/v1/merchants/me/gateways/portone-paypal-rt')
      .set('authorization', `Bearer ${m.apiKey}`)
      .send({ userCode: 'imp_12345678', impKey: 'wrong-key', impSecret: 'wrong-secret-value' });
    expect(put.status).toBe(200);
    const creds = await t.app.get(GatewayCredentialsService).portone(m.id);
    expect(creds.impKey).toBe('wrong-key');
    const verified = await t.app.get(PortoneClient).verifyCredentials(creds);
    expect(verified).toMatchObject({ kind: 'pg_error', httpStatus: 401 });
    expect(JSON.stringify(verified)).not.toContain('wrong-secret-value');
  });

  it('validates the gateway registration at boot', () => {
    expect(t.app.get(GatewayRegistry)).toBeDefined();
  });
});

describe('gateways: sandbox mode off (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ PG_SANDBOX: 'false', TOSS_BASE_URL: 'http://127.0.0.1:9/toss', PORTONE_BASE_URL: 'http://127.0.0.1:9/portone' });
  });
  afterAll(async () => {
    await t.close();
    delete process.env.PG_SANDBOX;
    delete process.env.TOSS_BASE_URL;
    delete process.env.PORTONE_BASE_URL;
  });

  it('does not mount the sandbox and refuses merchants without credentials before anything is sent', async () => {
    expect(t.sandbox).toBeUndefined();
    expect((await t.http().get('/sandbox/portone/ledger')).status).toBe(404);
    const m = await createMerchant(t);
    await expect(t.app.get(GatewayCredentialsService).portone(m.id)).rejects.toMatchObject({ code: 'GATEWAY_NOT_CONFIGURED' });
  });
});
