import { PortoneClient } from '@app/portone-client';
import { TossClient } from '@app/toss-client';
import { GatewayRegistry } from '@app/pg-contract';
import { GatewayCredentialsService } from '../src/gateway-credentials/gateway-credentials.service';
import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

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
    type Portone = { userCode: string; impKey: string; impSecret: string; sandbox?: boolean };
    const portone = await creds.for<Portone>(m.id, 'portone-paypal-rt');
    const portoneOther = await creds.for<Portone>(other.id, 'portone-paypal-rt');
    expect(portone.sandbox).toBe(true);
    expect(portone.userCode).toMatch(/^imp_sbx_/);
    expect(portoneOther.userCode).not.toBe(portone.userCode);
    const verified = await t.app.get(PortoneClient).verifyCredentials(portone);
    expect(verified.kind).toBe('ok');

    const toss = await creds.for<{ clientKey: string; secretKey: string }>(m.id, 'toss-foreign-pay');
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
    const creds = await t.app
      .get(GatewayCredentialsService)
      .for<{ userCode: string; impKey: string; impSecret: string }>(m.id, 'portone-paypal-rt');
    expect(creds.impKey).toBe('wrong-key');
    const verified = await t.app.get(PortoneClient).verifyCredentials(creds);
    expect(verified).toMatchObject({ kind: 'pg_error', httpStatus: 401 });
    expect(JSON.stringify(verified)).not.toContain('wrong-secret-value');
  });

  it('lists every registered gateway from the registry (GET /v1/gateways)', async () => {
    const m = await createMerchant(t);
    const res = await t.http().get('/v1/gateways').set('authorization', `Bearer ${m.apiKey}`);
    expect(res.status).toBe(200);
    const codes = t.app
      .get(GatewayRegistry)
      .list()
      .map((d) => d.code);
    expect(res.body.data.map((g: { code: string }) => g.code)).toEqual(codes);
    expect(res.body.data.find((g: { code: string }) => g.code === 'portone-paypal-rt')).toMatchObject({
      displayName: expect.any(String),
      capabilities: { billingKeys: true, billingKeyDeletion: true, billingKeyFlow: 'callback' },
    });
    expect((await t.http().get('/v1/gateways')).status).toBe(401);
  });

  it('takes credentials for any registered code through one route, checked by the adapter, and marks them for the sandbox', async () => {
    const m = await createMerchant(t);
    const auth = { authorization: `Bearer ${m.apiKey}` };
    expect((await t.http().put('/v1/merchants/me/gateways/not-a-gateway').set(auth).send({ a: 'b' })).status).toBe(404);
    const extra = await t
      .http()
      .put('/v1/merchants/me/gateways/portone-paypal-rt')
      .set(auth)
      .send({ userCode: 'imp_sbx_x1', impKey: 'sbx_key_x1', impSecret: 'sbx_secret_x1', sandbox: false });
    expect(extra.status).toBe(400);
    expect(extra.body.details).toEqual([{ field: 'sandbox', errors: [expect.any(String)] }]);
    const ok = await t
      .http()
      .put('/v1/merchants/me/gateways/portone-paypal-rt')
      .set(auth)
      .send({ userCode: 'imp_sbx_x1', impKey: 'sbx_key_x1', impSecret: 'sbx_secret_x1' });
    expect(ok.status).toBe(200);
    // In sandbox mode the gateway's own sandbox plugin decides how own keys are taken (PortOne: test channel).
    expect(await t.app.get(GatewayCredentialsService).for(m.id, 'portone-paypal-rt')).toMatchObject({
      userCode: 'imp_sbx_x1',
      sandbox: true,
    });
  });

  it('validates the gateway registration at boot', () => {
    expect(t.app.get(GatewayRegistry)).toBeDefined();
  });
});

describe('gateways: sandbox mode off (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({
      PG_SANDBOX: 'false',
      TOSS_BASE_URL: 'http://127.0.0.1:9/toss',
      PORTONE_BASE_URL: 'http://127.0.0.1:9/portone',
    });
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
    await expect(
      t.app
        .get(GatewayCredentialsService)
        .for<{ userCode: string; impKey: string; impSecret: string }>(m.id, 'portone-paypal-rt'),
    ).rejects.toMatchObject({ code: 'GATEWAY_NOT_CONFIGURED' });
  });
});
