import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMerchant, sandboxAccountFor, startTestApp, type TestApp } from './helpers/test-app';

/**
 * Two instances of the app on one database (a shared SQLite file, or one PostgreSQL schema) and one Toss (the first
 * instance's sandbox): the buyer's success redirect arriving at both at once is confirmed once, because the order is
 * claimed in the database, not in memory.
 */
describe('Toss success redirect on two instances (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  const sqliteFile = process.env.DATABASE_URL
    ? undefined
    : join(tmpdir(), `toss-two-${randomBytes(6).toString('hex')}.sqlite`);

  beforeAll(async () => {
    a = await startTestApp({ PG_TIMEOUT_MS: '2000', ...(sqliteFile ? { DATABASE_PATH: sqliteFile } : {}) });
    const shared: Record<string, string> = sqliteFile
      ? { DATABASE_PATH: sqliteFile }
      : { DATABASE_SCHEMA: process.env.DATABASE_SCHEMA! };
    // Same secrets key and database; Toss is the first instance's sandbox.
    b = await startTestApp({
      PG_TIMEOUT_MS: '2000',
      SECRETS_KEY: process.env.SECRETS_KEY!,
      TOSS_BASE_URL: `${a.url}/sandbox/toss`,
      ...shared,
    });
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
    delete process.env.TOSS_BASE_URL;
    if (sqliteFile) for (const f of [sqliteFile, `${sqliteFile}-wal`, `${sqliteFile}-shm`]) rmSync(f, { force: true });
  });

  it('sends one confirm for redirects that reach both instances at once', async () => {
    const m = await createMerchant(a);
    const order = await a
      .http()
      .post('/v1/toss/orders')
      .set('authorization', `Bearer ${m.apiKey}`)
      .send({ orderName: 'Two instances', amount: 2500, currency: 'USD', country: 'US' });
    expect(order.status).toBe(201);
    const checkout = await a
      .http()
      .post('/sandbox/toss/buyer/payments')
      .send({ clientKey: order.body.clientKey, paymentRequest: order.body.paymentRequest, buyer: {} });
    const redirect = new URL(checkout.body.redirectUrl as string);
    const path = `${redirect.pathname}${redirect.search}`;
    // Slow confirms keep every redirect in flight together.
    await a
      .http()
      .post('/sandbox/control/faults')
      .send({
        gateway: 'toss',
        operation: 'confirm',
        match: { orderId: order.body.orderId },
        fault: { type: 'latency', ms: 300 },
        times: 10,
      });

    const answers = await Promise.all([a, b, a, b, a, b].map((app) => app.http().get(path)));
    for (const res of answers) {
      expect(res.status).toBe(200);
      expect(['paid', 'confirming']).toContain(res.body.status);
    }
    const ledger = await a
      .http()
      .get('/sandbox/toss/ledger')
      .query({ orderId: order.body.orderId, account: sandboxAccountFor(m.id), operation: 'confirm' });
    expect(ledger.body.data).toHaveLength(1);
    // Both instances see the same paid order.
    for (const app of [a, b]) {
      const got = await app
        .http()
        .get(`/v1/toss/orders/${order.body.orderId}`)
        .set('authorization', `Bearer ${m.apiKey}`);
      expect(got.body.status).toBe('paid');
    }
  });
});
