import { GatewayRegistry } from '@app/pg-contract';
import { MetricsService } from '../src/metrics/metrics.service';
import { createMerchant, startTestApp, type TestApp } from './helpers/test-app';

/** The one webhook endpoint: `/v1/webhooks/{gateway}/{merchantId}` by code, with the v1 paths as aliases. */
describe('webhooks by gateway code, with v1 aliases (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  async function portoneDeliveries(): Promise<number> {
    const metric = t.app.get(MetricsService).registry.getSingleMetric('portone_webhook_deliveries_total');
    return ((await metric?.get())?.values ?? []).reduce((s, v) => s + v.value, 0);
  }

  it('reaches the same receiver by code and by the descriptor’s alias, with the same answer', async () => {
    const m = await createMerchant(t);
    const body = { imp_uid: 'imps_nothing_here', merchant_uid: 'bki_nothing_here', status: 'paid' };
    const before = await portoneDeliveries();
    const byCode = await t.http().post(`/v1/webhooks/portone-paypal-rt/${m.id}`).send(body);
    const byAlias = await t
      .http()
      .post(`/v1/webhooks/portone/${m.id}`)
      .send({ ...body, imp_uid: 'imps_other' });
    expect([byCode.status, byAlias.status]).toEqual([200, 200]);
    expect(byCode.body).toEqual(byAlias.body);
    expect((await portoneDeliveries()) - before).toBe(2);
    expect(t.app.get(GatewayRegistry).get('portone-paypal-rt').descriptor.webhookAliases).toEqual(['portone']);

    const toss = await t
      .http()
      .post(`/v1/webhooks/toss-foreign-pay/${m.id}`)
      .send({ eventType: 'PAYMENT_STATUS_CHANGED', data: {} });
    const tossAlias = await t
      .http()
      .post(`/v1/webhooks/toss/${m.id}`)
      .send({ eventType: 'PAYMENT_STATUS_CHANGED', data: {} });
    expect([toss.status, tossAlias.status]).toEqual([200, 200]);
    expect(toss.body).toEqual(tossAlias.body);
  });

  it('answers a path segment that is no gateway (nor alias) with 404, before reading anything', async () => {
    const res = await t.http().post('/v1/webhooks/stripe/mch_x').send({ imp_uid: 'a', merchant_uid: 'b' });
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('NOT_FOUND');
  });
});
