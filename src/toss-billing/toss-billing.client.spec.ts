import { createServer, type IncomingMessage, type Server } from 'node:http';
import { TossBillingClient } from './toss-billing.client';
import { startTossBillingSandbox, type TossBillingSandboxHarness } from './toss-billing.test-harness';

const creds = { clientKey: 'test_ck_x', secretKey: 'test_sk_hush' };

/** A one-route HTTP peer that records what it received and answers as told. */
async function peer(answer: (req: IncomingMessage, body: string) => { status: number; body: string } | 'hang') {
  const seen: { method?: string; url?: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ method: req.method, url: req.url, headers: req.headers, body });
      const a = answer(req, body);
      if (a === 'hang') return;
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('TossBillingClient', () => {
  it('sends Basic base64(secretKey + ":"), the API version and the Idempotency-Key', async () => {
    const p = await peer(() => ({
      status: 200,
      body: JSON.stringify({ paymentKey: 'pk', orderId: 'order-1', status: 'DONE', totalAmount: 100 }),
    }));
    const client = new TossBillingClient({ baseUrl: p.url, timeoutMs: 1000 });
    try {
      const res = await client.chargeBillingKey(
        creds,
        'billKEY1',
        { customerKey: 'ck_1', amount: 100, orderId: 'order-1', orderName: '구독' },
        { idempotencyKey: 'idem-1' },
      );
      expect(res.kind).toBe('ok');
      const [req] = p.seen;
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/v1/billing/billKEY1');
      expect(req.headers.authorization).toBe(`Basic ${Buffer.from('test_sk_hush:').toString('base64')}`);
      expect(req.headers['idempotency-key']).toBe('idem-1');
      expect(req.headers['tosspayments-api-version']).toBe('2022-11-16');
      expect(JSON.parse(req.body)).toEqual({ customerKey: 'ck_1', amount: 100, orderId: 'order-1', orderName: '구독' });
    } finally {
      client.close();
      await p.close();
    }
  });

  it('reports a read timeout as unknown (the charge may have happened), never as a failure', async () => {
    const p = await peer(() => 'hang');
    const client = new TossBillingClient({ baseUrl: p.url, timeoutMs: 300 });
    try {
      const res = await client.chargeBillingKey(creds, 'billKEY1', {
        customerKey: 'ck_1',
        amount: 100,
        orderId: 'order-1',
        orderName: 'x',
      });
      expect(res).toMatchObject({ kind: 'unknown', reason: 'response_timeout' });
    } finally {
      client.close();
      await p.close();
    }
  });

  it('reports a refused connection as not sent', async () => {
    const p = await peer(() => ({ status: 200, body: '{}' }));
    const url = p.url;
    await p.close();
    const client = new TossBillingClient({ baseUrl: url, timeoutMs: 500 });
    expect(await client.getPayment(creds, 'pk')).toMatchObject({ kind: 'not_sent' });
    client.close();
  });

  it('keeps the secret key out of every result, even when Toss echoes it', async () => {
    const p = await peer(() => ({
      status: 400,
      body: JSON.stringify({ code: 'INVALID_REQUEST', message: 'bad key test_sk_hush' }),
    }));
    const client = new TossBillingClient({ baseUrl: p.url, timeoutMs: 1000 });
    try {
      const res = await client.getPaymentByOrderId(creds, 'order-1');
      expect(res).toMatchObject({ kind: 'pg_error', httpStatus: 400, code: 'INVALID_REQUEST' });
      expect(JSON.stringify(res)).not.toContain('test_sk_hush');
    } finally {
      client.close();
      await p.close();
    }
  });

  it('treats a 2xx that is not a Payment, and a 4xx without a Toss error body, as unknown', async () => {
    let n = 0;
    const p = await peer(() =>
      n++ === 0 ? { status: 200, body: JSON.stringify({ hello: 1 }) } : { status: 400, body: '<html>' },
    );
    const client = new TossBillingClient({ baseUrl: p.url, timeoutMs: 1000 });
    try {
      expect(await client.getPayment(creds, 'pk')).toMatchObject({ kind: 'unknown', reason: 'unexpected_shape' });
      expect(await client.getPayment(creds, 'pk')).toMatchObject({ kind: 'unknown' });
    } finally {
      client.close();
      await p.close();
    }
  });

  it('refuses malformed input locally, sending nothing', async () => {
    const p = await peer(() => ({ status: 200, body: '{}' }));
    const client = new TossBillingClient({ baseUrl: p.url, timeoutMs: 1000 });
    try {
      expect(
        await client.chargeBillingKey(creds, 'k', {
          customerKey: 'ck_1',
          amount: 10.5,
          orderId: 'order-1',
          orderName: 'x',
        }),
      ).toMatchObject({ kind: 'invalid_request', field: 'body.amount' });
      expect(
        await client.chargeBillingKey(creds, 'k', {
          customerKey: 'c',
          amount: 100,
          orderId: 'order-1',
          orderName: 'x',
        }),
      ).toMatchObject({ kind: 'invalid_request', field: 'body.customerKey' });
      expect(
        await client.chargeBillingKey(creds, 'k', { customerKey: 'ck_1', amount: 100, orderId: 'o#1', orderName: 'x' }),
      ).toMatchObject({ kind: 'invalid_request', field: 'body.orderId' });
      expect(await client.cancel(creds, 'pk', { cancelReason: ' ' })).toMatchObject({
        kind: 'invalid_request',
        field: 'body.cancelReason',
      });
      expect(await client.getPayment({ clientKey: 'c', secretKey: '' }, 'pk')).toMatchObject({
        kind: 'invalid_request',
        field: 'credentials.secretKey',
      });
      expect(p.seen).toHaveLength(0);
    } finally {
      client.close();
      await p.close();
    }
    expect(() => new TossBillingClient({ baseUrl: 'ftp://x', timeoutMs: 1 })).toThrow();
    expect(() => new TossBillingClient({ baseUrl: 'https://u:p@x', timeoutMs: 1 })).toThrow();
  });

  describe('against the sandbox plugin', () => {
    let sbx: TossBillingSandboxHarness;
    beforeAll(async () => {
      sbx = await startTossBillingSandbox();
    });
    afterAll(() => sbx.close());

    it('is answered 401 UNAUTHORIZED_KEY for keys of another MID', async () => {
      const client = new TossBillingClient({ baseUrl: sbx.base, timeoutMs: 1000 });
      expect(await client.getPayment({ clientKey: 'test_ck_sbx_a', secretKey: 'test_sk_sbx_a' }, 'pk')).toMatchObject({
        kind: 'pg_error',
        httpStatus: 401,
        code: 'UNAUTHORIZED_KEY',
      });
      client.close();
    });

    it('refuses an authKey used once (one-time key) unless the same Idempotency-Key replays the first answer', async () => {
      const client = new TossBillingClient({ baseUrl: sbx.base, timeoutMs: 1000 });
      const c = sbx.credentials('client-spec');
      const pointer = await sbx.buyer({
        sdk: 'tosspayments-v2',
        init: { clientKey: c.clientKey, customerKey: 'ck_client_1' },
        method: 'requestBillingAuth',
        request: { method: 'CARD', successUrl: 'https://m.example/s', failUrl: 'https://m.example/f' },
      });
      const first = await client.issueBillingKey(
        c,
        { authKey: pointer.authKey, customerKey: 'ck_client_1' },
        { idempotencyKey: 'i1' },
      );
      expect(first).toMatchObject({ kind: 'ok', data: { customerKey: 'ck_client_1', billingKey: expect.any(String) } });
      expect(
        await client.issueBillingKey(
          c,
          { authKey: pointer.authKey, customerKey: 'ck_client_1' },
          { idempotencyKey: 'i1' },
        ),
      ).toEqual(first);
      expect(
        await client.issueBillingKey(
          c,
          { authKey: pointer.authKey, customerKey: 'ck_client_1' },
          { idempotencyKey: 'i2' },
        ),
      ).toMatchObject({ kind: 'pg_error', code: 'INVALID_REQUEST' });
      client.close();
    });
  });
});
