import type { LookupFunction } from 'node:net';
import {
  closedPort,
  sendJson,
  startFakeHttpServer,
  startRawServer,
  type FakeHttpServer,
  type RecordedRequest,
  newHttpService,
} from '../../pg-http/test/fake-http.server';
import { TossClient } from './toss.client';
import type { TossClientOptions } from './toss.options';
import type { TossPayment, TossResult } from './toss.types';

const SECRET = 'test_sk_sbx_unit-acct-9f8e7d';
const BASIC = Buffer.from(`${SECRET}:`).toString('base64');
const creds = { secretKey: SECRET };

function payment(overrides: Partial<TossPayment> = {}): TossPayment {
  return {
    version: '2022-11-16',
    paymentKey: 'pk_123',
    type: 'NORMAL',
    orderId: 'order-0001',
    orderName: 'Plan',
    mId: 'sbx_unit',
    currency: 'USD',
    method: '해외간편결제',
    totalAmount: 19.99,
    balanceAmount: 19.99,
    status: 'DONE',
    requestedAt: '2026-01-01T00:00:00+09:00',
    approvedAt: '2026-01-01T00:00:10+09:00',
    lastTransactionKey: 'tx_1',
    isPartialCancelable: true,
    easyPay: { provider: '페이팔', amount: 0, discountAmount: 0 },
    cancels: null,
    country: 'US',
    foreignEasyPay: null,
    failure: null,
    receipt: { url: 'https://example.test/r' },
    ...overrides,
  };
}

type Route = (req: RecordedRequest) => {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
};

describe('TossClient against a local fake', () => {
  let server: FakeHttpServer;
  let route: Route;
  let client: TossClient;
  const clients: TossClient[] = [];

  const makeClient = (options: Partial<TossClientOptions> = {}) => {
    const c = new TossClient(newHttpService(), {
      baseUrl: `${server.origin}/sandbox/toss/`,
      timeoutMs: 2_000,
      ...options,
    });
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    server = await startFakeHttpServer((req, res) => {
      const r = route(req);
      if (r.raw !== undefined) {
        res.writeHead(r.status, r.headers ?? { 'Content-Type': 'text/html' });
        res.end(r.raw);
      } else sendJson(res, r.status, r.body);
    });
  });
  beforeEach(() => {
    server.requests.length = 0;
    route = () => ({ status: 200, body: payment() });
    client = makeClient();
  });
  afterEach(() => clients.splice(0).forEach((c) => c.onModuleDestroy()));
  afterAll(() => server.close());

  describe('wire format', () => {
    it('confirm: POST /v1/payments/confirm with Basic auth (secret + colon), pinned version, JSON body and idempotency key', async () => {
      const out = await client.confirm(
        creds,
        { paymentKey: 'pk_123', orderId: 'order-0001', amount: 19.99 },
        { idempotencyKey: 'confirm-order-0001' },
      );
      expect(out).toEqual({ kind: 'ok', httpStatus: 200, data: payment() });
      const [req] = server.requests;
      expect(req.method).toBe('POST');
      expect(req.url).toBe('/sandbox/toss/v1/payments/confirm');
      expect(req.headers.authorization).toBe(`Basic ${BASIC}`);
      expect(Buffer.from(BASIC, 'base64').toString()).toBe(`${SECRET}:`);
      expect(req.headers['tosspayments-api-version']).toBe('2022-11-16');
      expect(req.headers['idempotency-key']).toBe('confirm-order-0001');
      expect(req.headers['content-type']).toMatch(/^application\/json/);
      // The decimal reaches Toss exactly as written, not as 19.990000000000002.
      expect(req.body).toBe('{"paymentKey":"pk_123","orderId":"order-0001","amount":19.99}');
    });

    it('pins the configured API version', async () => {
      await makeClient({ apiVersion: '2024-06-01' }).getPayment(creds, 'pk_123');
      expect(server.requests[0].headers['tosspayments-api-version']).toBe('2024-06-01');
    });

    it('getPayment: GET with the key path-encoded, no body, no idempotency key', async () => {
      await client.getPayment(creds, 'pk/../admin?x=1');
      const [req] = server.requests;
      expect(req.method).toBe('GET');
      expect(req.url).toBe('/sandbox/toss/v1/payments/pk%2F..%2Fadmin%3Fx%3D1');
      expect(req.headers['idempotency-key']).toBeUndefined();
      expect(req.body).toBe('');
    });

    it('getPaymentByOrderId: GET /v1/payments/orders/{orderId}', async () => {
      await client.getPaymentByOrderId(creds, 'order-0001');
      expect(server.requests[0].url).toBe('/sandbox/toss/v1/payments/orders/order-0001');
    });

    it('cancel (full): only cancelReason', async () => {
      await client.cancel(creds, 'pk_123', { cancelReason: 'customer request' }, { idempotencyKey: 'cancel-1' });
      const [req] = server.requests;
      expect(req.url).toBe('/sandbox/toss/v1/payments/pk_123/cancel');
      expect(JSON.parse(req.body)).toEqual({ cancelReason: 'customer request' });
      expect(req.headers['idempotency-key']).toBe('cancel-1');
    });

    it('cancel (partial): amount and currency', async () => {
      await client.cancel(creds, 'pk_123', { cancelReason: 'partial', cancelAmount: 5.5, currency: 'USD' });
      expect(server.requests[0].body).toBe('{"cancelReason":"partial","cancelAmount":5.5,"currency":"USD"}');
    });
  });

  describe('local validation: invalid_request and nothing sent', () => {
    const cases: Array<[string, (c: TossClient) => Promise<TossResult<unknown>>, string]> = [
      [
        'idempotency key over 300 characters',
        (c) =>
          c.confirm(creds, { paymentKey: 'pk', orderId: 'order-1', amount: 1 }, { idempotencyKey: 'k'.repeat(301) }),
        'options.idempotencyKey',
      ],
      [
        'idempotency key with a newline',
        (c) => c.cancel(creds, 'pk', { cancelReason: 'r' }, { idempotencyKey: 'a\nb' }),
        'options.idempotencyKey',
      ],
      ['orderId too short', (c) => c.confirm(creds, { paymentKey: 'pk', orderId: 'abc', amount: 1 }), 'body.orderId'],
      ['orderId with a dot', (c) => c.getPaymentByOrderId(creds, 'order.0001'), 'orderId'],
      [
        'amount with three decimals',
        (c) => c.confirm(creds, { paymentKey: 'pk', orderId: 'order-1', amount: 19.999 }),
        'body.amount',
      ],
      [
        'float-drifted amount',
        (c) => c.confirm(creds, { paymentKey: 'pk', orderId: 'order-1', amount: 0.1 + 0.2 }),
        'body.amount',
      ],
      ['zero amount', (c) => c.confirm(creds, { paymentKey: 'pk', orderId: 'order-1', amount: 0 }), 'body.amount'],
      ['empty paymentKey', (c) => c.getPayment(creds, ''), 'paymentKey'],
      [
        'cancel reason over 200 characters',
        (c) => c.cancel(creds, 'pk', { cancelReason: 'r'.repeat(201) }),
        'body.cancelReason',
      ],
      ['empty secret key', (c) => c.getPayment({ secretKey: '' }, 'pk'), 'credentials.secretKey'],
      [
        'lower-case currency',
        (c) => c.cancel(creds, 'pk', { cancelReason: 'r', cancelAmount: 1, currency: 'usd' }),
        'body.currency',
      ],
      [
        'partial cancel without currency (forced past the type)',
        (c) =>
          c.cancel(creds, 'pk', { cancelReason: 'r', cancelAmount: 1 } as unknown as {
            cancelReason: string;
            cancelAmount: number;
            currency: string;
          }),
        'body.currency',
      ],
    ];
    it.each(cases)('%s', async (_name, call, field) => {
      const out = await call(client);
      expect(out).toMatchObject({ kind: 'invalid_request', field });
      expect(server.requests).toHaveLength(0);
    });

    it('a 300-character idempotency key is accepted', async () => {
      const out = await client.cancel(creds, 'pk_123', { cancelReason: 'r' }, { idempotencyKey: 'k'.repeat(300) });
      expect(out.kind).toBe('ok');
    });

    it('the partial cancel type requires currency', () => {
      // @ts-expect-error currency is mandatory when cancelAmount is given (foreign easy pay partial cancel)
      const body: Parameters<TossClient['cancel']>[2] = { cancelReason: 'r', cancelAmount: 1 };
      expect(body).toBeDefined();
    });
  });

  describe('classification of answers', () => {
    it('4xx with { code, message } is pg_error', async () => {
      route = () => ({
        status: 404,
        body: {
          code: 'NOT_FOUND_PAYMENT_SESSION',
          message: '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.',
        },
      });
      expect(await client.confirm(creds, { paymentKey: 'pk', orderId: 'order-1', amount: 1 })).toEqual({
        kind: 'pg_error',
        httpStatus: 404,
        code: 'NOT_FOUND_PAYMENT_SESSION',
        message: '결제 시간이 만료되어 결제 진행 데이터가 존재하지 않습니다.',
      });
    });

    it('409 IDEMPOTENT_REQUEST_PROCESSING is a pg_error the caller retries with the same key', async () => {
      route = () => ({ status: 409, body: { code: 'IDEMPOTENT_REQUEST_PROCESSING', message: 'processing' } });
      expect(await client.cancel(creds, 'pk', { cancelReason: 'r' }, { idempotencyKey: 'k1' })).toMatchObject({
        kind: 'pg_error',
        httpStatus: 409,
        code: 'IDEMPOTENT_REQUEST_PROCESSING',
      });
    });

    it('5xx is unknown (the payment may have been approved), keeping Toss code and message', async () => {
      route = () => ({ status: 500, body: { code: 'FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING', message: 'internal' } });
      expect(await client.confirm(creds, { paymentKey: 'pk', orderId: 'order-1', amount: 1 })).toEqual({
        kind: 'unknown',
        reason: 'server_error',
        detail: 'HTTP 500',
        httpStatus: 500,
        code: 'FAILED_PAYMENT_INTERNAL_SYSTEM_PROCESSING',
        message: 'internal',
      });
    });

    it('5xx with an HTML body is unknown', async () => {
      route = () => ({ status: 502, raw: '<html>bad gateway</html>' });
      expect(await client.getPayment(creds, 'pk')).toMatchObject({
        kind: 'unknown',
        reason: 'server_error',
        httpStatus: 502,
      });
    });

    it('2xx that is not JSON is unknown', async () => {
      route = () => ({ status: 200, raw: '<html>ok</html>' });
      expect(await client.confirm(creds, { paymentKey: 'pk', orderId: 'order-1', amount: 1 })).toMatchObject({
        kind: 'unknown',
        reason: 'unparseable_body',
        httpStatus: 200,
      });
    });

    it.each([
      ['an empty object', {}],
      ['an array', [payment()]],
      ['amount as a string', { ...payment(), totalAmount: '19.99' }],
      ['missing status', { ...payment(), status: undefined }],
      ['cancels not an array', { ...payment(), cancels: {} }],
      ['a cancel without transactionKey', { ...payment(), cancels: [{ cancelAmount: 1, canceledAt: null }] }],
    ])('2xx with %s is unknown (unexpected_shape)', async (_n, body) => {
      route = () => ({ status: 200, body });
      expect(await client.confirm(creds, { paymentKey: 'pk', orderId: 'order-1', amount: 1 })).toMatchObject({
        kind: 'unknown',
        reason: 'unexpected_shape',
        httpStatus: 200,
      });
    });

    it('accepts an unrecognised status (the mapper decides; never an unknown result for it)', async () => {
      route = () => ({ status: 200, body: payment({ status: 'SOMETHING_NEW' }) });
      expect(await client.getPayment(creds, 'pk')).toMatchObject({ kind: 'ok', data: { status: 'SOMETHING_NEW' } });
    });

    it('accepts an in-progress foreign easy pay cancel', async () => {
      const cancels = [
        {
          cancelAmount: 5.5,
          cancelReason: 'r',
          refundableAmount: 14.49,
          canceledAt: null,
          transactionKey: 'tx_c1',
          cancelStatus: 'IN_PROGRESS',
        },
      ];
      route = () => ({ status: 200, body: payment({ status: 'DONE', cancels }) });
      const out = await client.cancel(creds, 'pk', { cancelReason: 'r', cancelAmount: 5.5, currency: 'USD' });
      expect(out).toMatchObject({ kind: 'ok', data: { cancels } });
    });

    it('4xx without a Toss error body is unknown', async () => {
      route = () => ({ status: 404, raw: 'Not Found' });
      expect(await client.getPayment(creds, 'pk')).toMatchObject({
        kind: 'unknown',
        reason: 'unparseable_body',
        httpStatus: 404,
      });
      route = () => ({ status: 400, body: { error: 'x' } });
      expect(await client.getPayment(creds, 'pk')).toMatchObject({
        kind: 'unknown',
        reason: 'unexpected_shape',
        httpStatus: 400,
      });
    });

    it('a redirect is unknown and not followed', async () => {
      route = () => ({ status: 302, raw: '', headers: { Location: 'http://127.0.0.1:1/' } });
      expect(await client.getPayment(creds, 'pk')).toMatchObject({
        kind: 'unknown',
        reason: 'unexpected_status',
        httpStatus: 302,
      });
      expect(server.requests).toHaveLength(1);
    });

    it('a per-call timeout overrides the module timeout', async () => {
      route = () => ({ status: 200, body: payment() });
      const slow = await startRawServer(() => undefined);
      try {
        const c = makeClient({ baseUrl: `http://127.0.0.1:${slow.port}`, timeoutMs: 60_000 });
        expect(await c.getPayment(creds, 'pk', { timeoutMs: 100 })).toMatchObject({
          kind: 'unknown',
          reason: 'response_timeout',
        });
      } finally {
        await slow.close();
      }
    });
  });

  describe('secrets never leave the client', () => {
    const hangingLookup: LookupFunction = () => undefined;

    it('no result of any kind carries the secret key or the Authorization value', async () => {
      const port = await closedPort();
      const results: unknown[] = [];
      route = () => ({
        status: 401,
        body: { code: 'UNAUTHORIZED_KEY', message: `invalid key ${SECRET} / Basic ${BASIC}` },
      });
      results.push(await client.getPayment(creds, 'pk'));
      route = () => ({ status: 500, body: { code: 'X', message: `echo ${SECRET}` } });
      results.push(await client.getPayment(creds, 'pk'));
      route = () => ({ status: 200, body: { nope: SECRET } });
      results.push(await client.getPayment(creds, 'pk'));
      route = () => ({ status: 200, raw: SECRET });
      results.push(await client.getPayment(creds, 'pk'));
      results.push(await makeClient({ baseUrl: `http://127.0.0.1:${port}` }).getPayment(creds, 'pk'));
      results.push(
        await makeClient({ baseUrl: 'http://pg.invalid', lookup: hangingLookup, connectTimeoutMs: 30 }).getPayment(
          creds,
          'pk',
        ),
      );
      results.push(await client.confirm(creds, { paymentKey: 'pk', orderId: 'bad', amount: 1 }));
      results.push(await client.getPayment({ secretKey: `${SECRET}\r\n` }, 'pk'));

      expect(results.map((r) => (r as { kind: string }).kind)).toEqual([
        'pg_error',
        'unknown',
        'unknown',
        'unknown',
        'not_sent',
        'not_sent',
        'invalid_request',
        'invalid_request',
      ]);
      for (const r of results) {
        const text = JSON.stringify(r);
        expect(text).not.toContain(SECRET);
        expect(text).not.toContain(BASIC);
      }
      expect(results[0]).toMatchObject({ message: 'invalid key [REDACTED] / Basic [REDACTED]' });
    });
  });

  it('refuses a configuration without a usable base URL or timeout at construction', () => {
    const http = newHttpService();
    expect(() => new TossClient(http, { baseUrl: 'not a url', timeoutMs: 1000 })).toThrow(/baseUrl/);
    expect(() => new TossClient(http, { baseUrl: 'https://u:p@api.example', timeoutMs: 1000 })).toThrow(/credentials/);
    expect(() => new TossClient(http, { baseUrl: 'https://api.example', timeoutMs: 0 })).toThrow(/timeoutMs/);
  });
});
