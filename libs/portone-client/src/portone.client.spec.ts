import {
  closedPort,
  newHttpService,
  sendJson,
  startFakeHttpServer,
  type FakeHttpServer,
  type RecordedRequest,
} from '../../pg-http/test/fake-http.server';
import { waitFor } from '../../../test/helpers/wait-for';
import { PortoneClient } from './portone.client';
import { isPortoneNotFound } from './portone.not-found';
import type { PortoneClientOptions } from './portone.options';
import type { PortoneAgainRequest, PortonePayment, PortoneResult } from './portone.types';

const IMP_KEY = 'sbx_key_unit-acct';
const IMP_SECRET = 'sbx_secret_unit-acct-5c4b3a';
const creds = { impKey: IMP_KEY, impSecret: IMP_SECRET };

function payment(overrides: Partial<PortonePayment> = {}): PortonePayment {
  return {
    imp_uid: 'imp_100',
    merchant_uid: 'mu_1',
    pay_method: 'paypal',
    channel: 'api',
    pg_provider: 'paypal_v2',
    pg_tid: 'PAYID-1',
    name: 'Plan',
    amount: 10.5,
    cancel_amount: 0,
    currency: 'USD',
    custom_data: null,
    status: 'paid',
    started_at: 1_767_225_600,
    paid_at: 1_767_225_601,
    failed_at: 0,
    cancelled_at: 0,
    fail_reason: null,
    cancel_reason: null,
    cancel_history: [],
    customer_uid: 'cu_1',
    customer_uid_usage: 'payment',
    sandbox: true,
    ...overrides,
  };
}

const ok = (response: unknown) => ({ status: 200, body: { code: 0, message: null, response } });

type Reply = { status: number; body?: unknown; raw?: string; delayMs?: number };

/** A fake PortOne: issues tokens, enforces them, and delegates everything else to `route`. */
class FakePortone {
  server!: FakeHttpServer;
  /** PortOne's clock, Unix seconds. */
  serverNow = 1_767_225_600;
  lifetimeS = 1800;
  tokenDelayMs = 0;
  tokenReply?: Reply;
  issued = 0;
  readonly valid = new Set<string>();
  route: (req: RecordedRequest) => Reply = () => ok(payment());

  async start(): Promise<void> {
    this.server = await startFakeHttpServer((req, res) => {
      const reply = this.handle(req);
      const send = () => {
        if (reply.raw !== undefined) {
          res.writeHead(reply.status, { 'Content-Type': 'text/plain' });
          res.end(reply.raw);
        } else sendJson(res, reply.status, reply.body);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  }

  private handle(req: RecordedRequest): Reply {
    const path = req.url.replace(/^\/sandbox\/portone/, '');
    if (req.method === 'POST' && path === '/users/getToken') {
      if (this.tokenReply) return this.tokenReply;
      const body = JSON.parse(req.body) as { imp_key?: string; imp_secret?: string };
      if (body.imp_key !== IMP_KEY || body.imp_secret !== IMP_SECRET) {
        return { status: 401, body: { code: -1, message: `bad credentials ${body.imp_secret}`, response: null } };
      }
      const token = `tok-${++this.issued}`;
      this.valid.add(token);
      return {
        ...ok({ access_token: token, now: this.serverNow, expired_at: this.serverNow + this.lifetimeS }),
        delayMs: this.tokenDelayMs,
      };
    }
    const auth = req.headers.authorization ?? '';
    if (!this.valid.has(auth.replace(/^Bearer /, '')))
      return { status: 401, body: { code: -1, message: 'Unauthorized', response: null } };
    return this.route(req);
  }

  calls(path?: string): RecordedRequest[] {
    return this.server.requests.filter(
      (r) => !r.url.endsWith('/users/getToken') && (!path || r.url.startsWith(`/sandbox/portone${path}`)),
    );
  }

  tokenRequests(): RecordedRequest[] {
    return this.server.requests.filter((r) => r.url.endsWith('/users/getToken'));
  }
}

describe('PortoneClient against a local fake', () => {
  const fake = new FakePortone();
  const clock = { t: Date.UTC(2026, 0, 1), now: () => new Date(clock.t) };
  const clients: PortoneClient[] = [];
  let client: PortoneClient;

  const makeClient = (options: Partial<PortoneClientOptions> = {}) => {
    const c = new PortoneClient(newHttpService(), {
      baseUrl: `${fake.server.origin}/sandbox/portone/`,
      timeoutMs: 2_000,
      clock,
      ...options,
    });
    clients.push(c);
    return c;
  };

  beforeAll(() => fake.start());
  beforeEach(() => {
    fake.server.requests.length = 0;
    fake.valid.clear();
    fake.issued = 0;
    fake.tokenDelayMs = 0;
    fake.tokenReply = undefined;
    fake.serverNow = 1_767_225_600;
    fake.route = () => ok(payment());
    clock.t = Date.UTC(2026, 0, 1);
    client = makeClient();
  });
  afterEach(() => clients.splice(0).forEach((c) => c.onModuleDestroy()));
  afterAll(() => fake.server.close());

  describe('wire format', () => {
    it('gets a token with the key pair as JSON, then sends it as a Bearer token', async () => {
      const out = await client.getPayment(creds, 'imp_100', { extension: true });
      expect(out).toEqual({ kind: 'ok', httpStatus: 200, data: payment() });
      const [tokenReq, call] = fake.server.requests;
      expect(tokenReq.method).toBe('POST');
      expect(tokenReq.url).toBe('/sandbox/portone/users/getToken');
      expect(JSON.parse(tokenReq.body)).toEqual({ imp_key: IMP_KEY, imp_secret: IMP_SECRET });
      expect(call.method).toBe('GET');
      expect(call.url).toBe('/sandbox/portone/payments/imp_100?extension=true');
      expect(call.headers.authorization).toBe('Bearer tok-1');
    });

    it('adds include_sandbox=true when the module is in sandbox mode, unless the credentials say otherwise', async () => {
      const sbx = makeClient({ sandbox: true });
      await sbx.getPayment(creds, 'imp_1');
      await sbx.getPayment({ ...creds, sandbox: false }, 'imp_2');
      await client.getPayment({ ...creds, sandbox: true }, 'imp_3', { extension: true });
      expect(fake.calls().map((r) => r.url)).toEqual([
        '/sandbox/portone/payments/imp_1?include_sandbox=true',
        '/sandbox/portone/payments/imp_2',
        '/sandbox/portone/payments/imp_3?include_sandbox=true&extension=true',
      ]);
    });

    it('again: JSON body with bypass as a JSON string and custom_data serialised', async () => {
      const bypass = {
        paypal_v2: {
          additional_data: [
            { key: 'sender_account_id', value: 'A12345N343' },
            { key: 'sender_country_code', value: 'US' },
          ],
        },
      };
      const request: PortoneAgainRequest = {
        customer_uid: 'cu_1',
        merchant_uid: 'mu_1',
        currency: 'USD',
        amount: 10.5,
        name: 'Monthly plan',
        buyer_email: 'buyer@example.com',
        custom_data: { subscriptionId: 'sub_1', cycle: 3 },
        notice_url: 'https://hooks.example/portone/m1',
        bypass,
      };
      expect(await client.again(creds, request)).toMatchObject({ kind: 'ok', data: { status: 'paid' } });
      const [call] = fake.calls('/subscribe/payments/again');
      expect(call.method).toBe('POST');
      expect(call.headers['content-type']).toMatch(/^application\/json/);
      const wire = JSON.parse(call.body) as Record<string, unknown>;
      expect(wire).toEqual({
        customer_uid: 'cu_1',
        merchant_uid: 'mu_1',
        currency: 'USD',
        amount: 10.5,
        name: 'Monthly plan',
        buyer_email: 'buyer@example.com',
        custom_data: '{"subscriptionId":"sub_1","cycle":3}',
        notice_url: 'https://hooks.example/portone/m1',
        bypass: JSON.stringify(bypass),
      });
      expect(typeof wire.bypass).toBe('string');
      expect(JSON.parse(wire.bypass as string)).toEqual(bypass);
    });

    it('cancel: only the given fields', async () => {
      await client.cancel(creds, {
        imp_uid: 'imp_100',
        amount: 5.25,
        reason: 'partial refund',
        checksum: 10.5,
        enable_webhook: true,
      });
      await client.cancel(creds, { merchant_uid: 'mu_1', reason: 'full refund' });
      const [partial, full] = fake.calls('/payments/cancel');
      expect(JSON.parse(partial.body)).toEqual({
        reason: 'partial refund',
        imp_uid: 'imp_100',
        amount: 5.25,
        checksum: 10.5,
        enable_webhook: true,
      });
      expect(JSON.parse(full.body)).toEqual({ reason: 'full refund', merchant_uid: 'mu_1' });
    });

    it('findPayment: path-encoded merchant_uid and optional status', async () => {
      await client.findPayment(creds, 'mu/1 2');
      await client.findPayment(creds, 'mu_1', 'paid');
      expect(fake.calls().map((r) => r.url)).toEqual([
        '/sandbox/portone/payments/find/mu%2F1%202',
        '/sandbox/portone/payments/find/mu_1/paid',
      ]);
    });

    it('findAllPayments follows pages until next is 0', async () => {
      fake.route = (req) => {
        const page = new URL(req.url, 'http://x').searchParams.get('page');
        return page === '1'
          ? ok({
              total: 3,
              previous: 0,
              next: 2,
              list: [payment({ imp_uid: 'imp_3', status: 'failed' }), payment({ imp_uid: 'imp_2', status: 'failed' })],
            })
          : ok({ total: 3, previous: 1, next: 0, list: [payment({ imp_uid: 'imp_1', status: 'failed' })] });
      };
      const out = await client.findAllPayments(creds, 'mu_1', { status: 'failed' });
      expect(out.kind === 'ok' && out.data.map((p) => p.imp_uid)).toEqual(['imp_3', 'imp_2', 'imp_1']);
      expect(fake.calls().map((r) => r.url)).toEqual([
        '/sandbox/portone/payments/findAll/mu_1/failed?page=1&limit=100&sorting=-started',
        '/sandbox/portone/payments/findAll/mu_1/failed?page=2&limit=100&sorting=-started',
      ]);
    });

    it('getCustomer / deleteCustomer', async () => {
      const customer = {
        customer_uid: 'cu_1',
        pg_provider: 'paypal_v2',
        pg_id: 'MID',
        card_name: null,
        inserted: 1,
        updated: 1,
        sandbox: true,
      };
      fake.route = () => ok(customer);
      expect(await client.getCustomer(creds, 'cu_1')).toEqual({ kind: 'ok', httpStatus: 200, data: customer });
      expect(await client.deleteCustomer(creds, 'cu_1', { reason: 'customer left' })).toMatchObject({ kind: 'ok' });
      const [get, del] = fake.calls();
      expect([get.method, get.url]).toEqual(['GET', '/sandbox/portone/subscribe/customers/cu_1']);
      expect([del.method, del.url]).toEqual([
        'DELETE',
        '/sandbox/portone/subscribe/customers/cu_1?reason=customer+left',
      ]);
    });
  });

  describe('access token cache', () => {
    it('reuses one token across calls', async () => {
      for (let i = 0; i < 3; i++) expect((await client.getPayment(creds, 'imp_100')).kind).toBe('ok');
      expect(fake.tokenRequests()).toHaveLength(1);
      expect(new Set(fake.calls().map((r) => r.headers.authorization))).toEqual(new Set(['Bearer tok-1']));
    });

    it('concurrent callers share one in-flight getToken (single flight)', async () => {
      fake.tokenDelayMs = 50;
      const results = await Promise.all(Array.from({ length: 50 }, () => client.getPayment(creds, 'imp_100')));
      expect(results.every((r) => r.kind === 'ok')).toBe(true);
      expect(fake.tokenRequests()).toHaveLength(1);
    });

    it('keeps tokens apart per key pair', async () => {
      await client.getPayment(creds, 'imp_100');
      const other = await client.getPayment({ impKey: IMP_KEY, impSecret: 'another-secret' }, 'imp_100');
      // Same imp_key, wrong secret: a fresh getToken is made (and refused); the cached token is not lent to it.
      expect(other).toMatchObject({ kind: 'pg_error', phase: 'auth', httpStatus: 401 });
      expect(fake.tokenRequests()).toHaveLength(2);
    });

    // A lifetime of 1800 s with a 30 s margin: reuse until 1770 s after the token was requested, refresh after.
    it.each([
      ['in step with ours', 0],
      ['an hour ahead of ours', 3600],
      ['an hour behind ours', -3600],
    ])(
      'refreshes a margin before expiry measured by PortOne’s clock, when PortOne’s clock is %s',
      async (_name, skewS) => {
        fake.serverNow = Math.floor(clock.t / 1000) + skewS;
        await client.getPayment(creds, 'imp_100');
        clock.t += 1769_000;
        fake.serverNow += 1769;
        await client.getPayment(creds, 'imp_100');
        expect(fake.tokenRequests()).toHaveLength(1);
        clock.t += 2_000;
        fake.serverNow += 2;
        await client.getPayment(creds, 'imp_100');
        expect(fake.tokenRequests()).toHaveLength(2);
        expect(fake.calls().at(-1)?.headers.authorization).toBe('Bearer tok-2');
      },
    );

    it('verifyCredentials reports the expiry by our clock and never returns the token', async () => {
      fake.serverNow = Math.floor(clock.t / 1000) + 999;
      const out = await client.verifyCredentials(creds);
      expect(out).toEqual({ kind: 'ok', httpStatus: 200, data: { expiresAt: new Date(clock.t + 1800_000) } });
      expect(JSON.stringify(out)).not.toContain('tok-');
    });

    it('a 401 on a call drops the token and retries the call once with a fresh one', async () => {
      await client.getPayment(creds, 'imp_100');
      fake.valid.delete('tok-1'); // PortOne expired it early
      expect(await client.getPayment(creds, 'imp_100')).toMatchObject({ kind: 'ok' });
      expect(
        fake.server.requests.map((r) =>
          `${r.url.replace('/sandbox/portone', '')} ${r.headers.authorization ?? ''}`.trim(),
        ),
      ).toEqual([
        '/users/getToken',
        '/payments/imp_100 Bearer tok-1',
        '/payments/imp_100 Bearer tok-1',
        '/users/getToken',
        '/payments/imp_100 Bearer tok-2',
      ]);
    });

    it('retries a refused charge too (a 401 means it was not executed), once', async () => {
      await client.getPayment(creds, 'imp_100');
      fake.valid.delete('tok-1');
      const out = await client.again(creds, {
        customer_uid: 'cu_1',
        merchant_uid: 'mu_1',
        currency: 'USD',
        amount: 1,
        name: 'n',
      });
      expect(out).toMatchObject({ kind: 'ok' });
      expect(fake.calls('/subscribe/payments/again').map((r) => r.headers.authorization)).toEqual([
        'Bearer tok-1',
        'Bearer tok-2',
      ]);
    });

    it('a second 401 is returned as pg_error, without a third attempt', async () => {
      fake.route = () => ({ status: 401, body: { code: -1, message: 'Unauthorized', response: null } });
      expect(await client.getPayment(creds, 'imp_100')).toEqual({
        kind: 'pg_error',
        httpStatus: 401,
        code: -1,
        message: 'Unauthorized',
        phase: 'call',
      });
      expect(fake.calls()).toHaveLength(2);
      expect(fake.tokenRequests()).toHaveLength(2);
    });

    it('concurrent calls refused with the same token trigger one refresh', async () => {
      await client.getPayment(creds, 'imp_100');
      fake.valid.delete('tok-1');
      fake.tokenDelayMs = 30;
      const results = await Promise.all(Array.from({ length: 10 }, () => client.getPayment(creds, 'imp_100')));
      expect(results.every((r) => r.kind === 'ok')).toBe(true);
      expect(fake.tokenRequests()).toHaveLength(2);
    });

    it('refused keys are a pg_error in the auth phase and the call is never made', async () => {
      const out = await client.again(
        { impKey: IMP_KEY, impSecret: 'wrong-secret-value' },
        { customer_uid: 'c', merchant_uid: 'm', currency: 'USD', amount: 1, name: 'n' },
      );
      expect(out).toEqual({
        kind: 'pg_error',
        httpStatus: 401,
        code: -1,
        message: 'bad credentials [REDACTED]',
        phase: 'auth',
      });
      expect(fake.calls()).toHaveLength(0);
    });

    it('an unreachable or failing getToken makes the call not_sent (auth_unavailable)', async () => {
      fake.tokenReply = { status: 503, raw: 'down' };
      expect(
        await client.again(creds, { customer_uid: 'c', merchant_uid: 'm', currency: 'USD', amount: 1, name: 'n' }),
      ).toMatchObject({
        kind: 'not_sent',
        reason: 'auth_unavailable',
      });
      const port = await closedPort();
      expect(await makeClient({ baseUrl: `http://127.0.0.1:${port}` }).getPayment(creds, 'imp_1')).toMatchObject({
        kind: 'not_sent',
        reason: 'auth_unavailable',
      });
      expect(fake.calls()).toHaveLength(0);
    });

    it('an abort while waiting for the shared token is not_sent and does not cancel the others', async () => {
      fake.tokenDelayMs = 100;
      const tokensBefore = fake.tokenRequests().length;
      const ac = new AbortController();
      const first = client.getPayment(creds, 'imp_100', { signal: ac.signal });
      const second = client.getPayment(creds, 'imp_100');
      // Abort while the shared token request is at the fake (answered only after its delay).
      expect(await waitFor(() => fake.tokenRequests().length > tokensBefore, { intervalMs: 5 })).toBe(true);
      ac.abort();
      expect(await first).toMatchObject({ kind: 'not_sent', reason: 'aborted' });
      expect(await second).toMatchObject({ kind: 'ok' });
      expect(fake.calls()).toHaveLength(1);
    });
  });

  describe('the { code, message, response } envelope', () => {
    it('code 0 with status failed is ok: a decline is data, not an error (code 0 is not an approval)', async () => {
      fake.route = () =>
        ok(payment({ status: 'failed', fail_reason: 'INSTRUMENT_DECLINED', paid_at: 0, failed_at: 1_767_225_700 }));
      expect(
        await client.again(creds, { customer_uid: 'c', merchant_uid: 'm', currency: 'USD', amount: 1, name: 'n' }),
      ).toMatchObject({
        kind: 'ok',
        data: { status: 'failed', fail_reason: 'INSTRUMENT_DECLINED' },
      });
    });

    const cases: Array<[string, Reply, Partial<PortoneResult<unknown>> & { kind: string }]> = [
      [
        'HTTP 200 with a non-zero code',
        { status: 200, body: { code: -1, message: '이미 결제된 주문번호입니다', response: null } },
        { kind: 'pg_error', httpStatus: 200, code: -1, message: '이미 결제된 주문번호입니다', phase: 'call' },
      ],
      [
        'HTTP 404 with code -1',
        { status: 404, body: { code: -1, message: '존재하지 않는 결제정보입니다', response: null } },
        { kind: 'pg_error', httpStatus: 404, code: -1 },
      ],
      [
        'HTTP 500 with an envelope',
        { status: 500, body: { code: -1, message: 'internal', response: null } },
        { kind: 'unknown', reason: 'server_error', httpStatus: 500, code: -1, message: 'internal' },
      ],
      [
        'HTTP 504 without a body',
        { status: 504, raw: '' },
        { kind: 'unknown', reason: 'server_error', httpStatus: 504 },
      ],
      ['HTTP 200 that is not JSON', { status: 200, raw: 'OK' }, { kind: 'unknown', reason: 'unparseable_body' }],
      [
        'HTTP 200 without an envelope',
        { status: 200, body: payment() },
        { kind: 'unknown', reason: 'unexpected_shape' },
      ],
      [
        'HTTP 200, code 0, response null',
        { status: 200, body: { code: 0, message: null, response: null } },
        { kind: 'unknown', reason: 'unexpected_shape' },
      ],
      [
        'HTTP 200, code 0, amount as a string',
        ok({ ...payment(), amount: '10.5' }),
        { kind: 'unknown', reason: 'unexpected_shape' },
      ],
      [
        'HTTP 200, code 0, no status',
        ok({ ...payment(), status: undefined }),
        { kind: 'unknown', reason: 'unexpected_shape' },
      ],
      [
        'HTTP 400 with code 0',
        { status: 400, body: { code: 0, message: null, response: payment() } },
        { kind: 'unknown', reason: 'unexpected_shape', httpStatus: 400 },
      ],
      [
        'HTTP 400 that is not JSON',
        { status: 400, raw: 'Bad Request' },
        { kind: 'unknown', reason: 'unparseable_body', httpStatus: 400 },
      ],
    ];
    it.each(cases)('%s', async (_name, reply, expected) => {
      fake.route = () => reply;
      expect(await client.getPayment(creds, 'imp_100')).toMatchObject(expected);
    });
  });

  describe('business refusals come as HTTP 200 with code ≠ 0 (official clients raise their code error only on HTTP 200)', () => {
    const again: PortoneAgainRequest = {
      customer_uid: 'cu_gone',
      merchant_uid: 'mu_1',
      currency: 'USD',
      amount: 1,
      name: 'n',
    };
    it('again answered 200 { code: -1, response: null } is a PG refusal, never unknown (iamport-rest-client-python tests/test_pay_again.py)', async () => {
      fake.route = () => ({
        status: 200,
        body: { code: -1, message: '카드사 요청에 실패하였습니다.', response: null },
      });
      const out = await client.again(creds, again);
      expect(out).toEqual({
        kind: 'pg_error',
        httpStatus: 200,
        code: -1,
        message: '카드사 요청에 실패하였습니다.',
        phase: 'call',
      });
      expect(isPortoneNotFound(out)).toBe(false);
    });
    it('a timeout is still unknown', async () => {
      fake.route = () => ({ status: 200, body: { code: 0, message: null, response: payment() }, delayMs: 500 });
      const out = await client.again(creds, again, { timeoutMs: 100 });
      expect(out).toMatchObject({ kind: 'unknown', reason: 'response_timeout' });
      expect(isPortoneNotFound(out)).toBe(false);
    });
  });

  describe('local validation: invalid_request, nothing sent (not even getToken)', () => {
    const base: PortoneAgainRequest = {
      customer_uid: 'cu_1',
      merchant_uid: 'mu_1',
      currency: 'USD',
      amount: 10.5,
      name: 'Plan',
    };
    const cases: Array<[string, (c: PortoneClient) => Promise<PortoneResult<unknown>>, string]> = [
      [
        'merchant_uid of 41 characters',
        (c) => c.again(creds, { ...base, merchant_uid: 'm'.repeat(41) }),
        'request.merchant_uid',
      ],
      [
        'customer_uid of 81 characters',
        (c) => c.again(creds, { ...base, customer_uid: 'c'.repeat(81) }),
        'request.customer_uid',
      ],
      [
        'missing currency',
        (c) => c.again(creds, { ...base, currency: undefined as unknown as string }),
        'request.currency',
      ],
      ['KRW', (c) => c.again(creds, { ...base, currency: 'KRW', amount: 1000 }), 'request.currency'],
      ['lower-case currency', (c) => c.again(creds, { ...base, currency: 'usd' }), 'request.currency'],
      ['three decimals in USD', (c) => c.again(creds, { ...base, amount: 10.555 }), 'request.amount'],
      ['decimals in JPY', (c) => c.again(creds, { ...base, currency: 'JPY', amount: 100.5 }), 'request.amount'],
      ['zero amount', (c) => c.again(creds, { ...base, amount: 0 }), 'request.amount'],
      ['empty name', (c) => c.again(creds, { ...base, name: '' }), 'request.name'],
      // OpenAPI: again.name maxLength 40 (code points: the adapter cuts it before this).
      ['name of 41 code points', (c) => c.again(creds, { ...base, name: '가'.repeat(40) + '😀' }), 'request.name'],
      [
        'bypass entry with a number value',
        (c) =>
          c.again(creds, {
            ...base,
            bypass: { paypal_v2: { additional_data: [{ key: 'cd_int_one', value: 2 as unknown as string }] } },
          }),
        'request.bypass',
      ],
      [
        'notice_url not a URL',
        (c) => c.again(creds, { ...base, notice_url: 'javascript:alert(1)' }),
        'request.notice_url',
      ],
      [
        'cancel without imp_uid or merchant_uid',
        (c) => c.cancel(creds, { reason: 'r' } as unknown as { merchant_uid: string; reason: string }),
        'request.imp_uid',
      ],
      ['cancel without a reason', (c) => c.cancel(creds, { imp_uid: 'imp_1', reason: ' ' }), 'request.reason'],
      [
        'cancel with a negative checksum',
        (c) => c.cancel(creds, { imp_uid: 'imp_1', reason: 'r', checksum: -1 }),
        'request.checksum',
      ],
      ['find with 41 characters', (c) => c.findPayment(creds, 'm'.repeat(41)), 'merchantUid'],
      ['find with an unknown status', (c) => c.findPayment(creds, 'mu_1', 'done' as unknown as 'paid'), 'status'],
      ['getCustomer with 81 characters', (c) => c.getCustomer(creds, 'c'.repeat(81)), 'customerUid'],
      ['empty imp_uid', (c) => c.getPayment(creds, ''), 'impUid'],
      ['empty imp_secret', (c) => c.getPayment({ impKey: IMP_KEY, impSecret: '' }, 'imp_1'), 'credentials.impSecret'],
    ];
    it.each(cases)('%s', async (_name, call, field) => {
      expect(await call(client)).toMatchObject({ kind: 'invalid_request', field });
      expect(fake.server.requests).toHaveLength(0);
    });

    it('accepts the limits themselves: 40-character merchant_uid, 80-character customer_uid', async () => {
      const out = await client.again(creds, { ...base, merchant_uid: 'm'.repeat(40), customer_uid: 'c'.repeat(80) });
      expect(out.kind).toBe('ok');
    });
  });

  it('no result carries imp_secret or an access token, whatever happened', async () => {
    const results: unknown[] = [];
    fake.route = () => ({ status: 400, body: { code: -1, message: `echo ${IMP_SECRET} tok-1`, response: null } });
    results.push(await client.getPayment(creds, 'imp_1'));
    fake.route = () => ({ status: 500, body: { code: -1, message: `Bearer tok-1 ${IMP_SECRET}`, response: null } });
    results.push(await client.getPayment(creds, 'imp_1'));
    fake.tokenReply = { status: 401, body: { code: -1, message: `imp_secret=${IMP_SECRET}`, response: null } };
    results.push(await makeClient().getPayment(creds, 'imp_1'));
    results.push(await makeClient().verifyCredentials(creds));
    for (const r of results) {
      const text = JSON.stringify(r);
      expect(text).not.toContain(IMP_SECRET);
      expect(text).not.toContain('tok-1');
    }
    expect(results.map((r) => (r as { kind: string }).kind)).toEqual(['pg_error', 'unknown', 'pg_error', 'pg_error']);
  });

  it('refuses unusable options at construction', () => {
    expect(() => new PortoneClient(newHttpService(), { baseUrl: '/relative', timeoutMs: 1000 })).toThrow(/baseUrl/);
    expect(() => new PortoneClient(newHttpService(), { baseUrl: 'https://api.iamport.kr', timeoutMs: -1 })).toThrow(
      /timeoutMs/,
    );
    expect(
      () =>
        new PortoneClient(newHttpService(), {
          baseUrl: 'https://api.iamport.kr',
          timeoutMs: 1,
          tokenRefreshMarginMs: Number.NaN,
        }),
    ).toThrow(/tokenRefreshMarginMs/);
  });
});
