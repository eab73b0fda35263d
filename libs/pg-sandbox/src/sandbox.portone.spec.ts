import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { sandboxPortoneKeys } from './sandbox.credentials';
import { call, startReceiver, startSandbox, type RunningSandbox, type WebhookReceiver } from './sandbox.test-harness';

const ACCT = 'shop-a';
const keys = sandboxPortoneKeys(ACCT);
const MIN = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');
const now = () => T0;

let s: RunningSandbox;
let hook: WebhookReceiver;
let token: string;
let seq = 0;

const uid = (p: string) => `${p}_${++seq}`;

beforeEach(async () => {
  s = await startSandbox({ now });
  hook = await startReceiver();
  token = (await getToken()).body.response.access_token;
});
afterEach(async () => {
  await s.close();
  await hook.close();
});

function getToken(k = keys) {
  return call('POST', `${s.base}/portone/users/getToken`, { body: { imp_key: k.impKey, imp_secret: k.impSecret } });
}
const h = (t = token) => ({ authorization: `Bearer ${t}` });
const get = (path: string, t = token) => call('GET', `${s.base}/portone${path}`, { headers: h(t) });
const post = (path: string, body: unknown, t = token) =>
  call('POST', `${s.base}/portone${path}`, { headers: h(t), body });
const fault = (body: unknown) =>
  call('POST', `${s.base}/control/faults`, { body: { gateway: 'portone', ...(body as object) } });

async function issue(
  overrides: Record<string, unknown> = {},
  buyer: Record<string, unknown> = { email: 'b@example.com', country: 'US' },
  userCode = keys.userCode,
) {
  const request = {
    pg: 'paypal_v2',
    pay_method: 'paypal',
    merchant_uid: uid('issue'),
    customer_uid: uid('cuid'),
    customer_id: 'cust_1',
    name: 'PayPal billing key',
    notice_url: hook.url,
    ...overrides,
  };
  const res = await call('POST', `${s.base}/portone/buyer/billing-keys`, { body: { userCode, request, buyer } });
  return { res, request };
}

async function billingKey() {
  const { res, request } = await issue();
  expect(res.body.success).toBe(true);
  await s.sandbox.idle();
  hook.received.length = 0;
  return request.customer_uid as string;
}

function againBody(customer_uid: string, overrides: Record<string, unknown> = {}) {
  return {
    customer_uid,
    merchant_uid: uid('m'),
    currency: 'USD',
    amount: 10.5,
    name: 'Pro plan 2026-03',
    buyer_email: 'b@example.com',
    notice_url: hook.url,
    custom_data: '{"sub":"s1"}',
    bypass: JSON.stringify({ paypal_v2: { additional_data: [{ key: 'sender_account_id', value: 'A1' }] } }),
    ...overrides,
  };
}

describe('PortOne getToken and authentication', () => {
  it('issues a 30-minute token in the envelope and returns the same one while valid', async () => {
    const first = await getToken();
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ code: 0, message: null });
    const r = first.body.response;
    expect(r.now).toBe(Math.floor(T0 / 1000));
    expect(r.expired_at - r.now).toBe(30 * 60);
    s.sandbox.advance(10 * MIN);
    const second = await getToken();
    expect(second.body.response.access_token).toBe(r.access_token);
    expect(second.body.response.expired_at).toBe(r.expired_at);
  });

  it('extends the token by 5 minutes when asked again with less than a minute left', async () => {
    const r = (await getToken()).body.response;
    s.sandbox.advance(29 * MIN + 1000);
    const again = (await getToken()).body.response;
    expect(again.access_token).toBe(r.access_token);
    expect(again.expired_at).toBe(r.expired_at + 5 * 60);
  });

  it('refuses expired, unknown and missing tokens with HTTP 401 code -1, and issues a new token after expiry', async () => {
    const cuid = await billingKey();
    expect((await get(`/subscribe/customers/${cuid}`)).status).toBe(200);
    s.sandbox.advance(30 * MIN);
    for (const res of [
      await get(`/subscribe/customers/${cuid}`),
      await get(`/subscribe/customers/${cuid}`, 'unknown'),
      await call('GET', `${s.base}/portone/subscribe/customers/${cuid}`),
    ]) {
      expect(res.status).toBe(401);
      expect(res.body).toEqual({ code: -1, message: expect.any(String), response: null });
    }
    const fresh = (await getToken()).body.response.access_token;
    expect(fresh).not.toBe(token);
    expect((await get(`/subscribe/customers/${cuid}`, fresh)).status).toBe(200);
  });

  it('accepts the bare token as the official clients send it', async () => {
    const cuid = await billingKey();
    const res = await call('GET', `${s.base}/portone/subscribe/customers/${cuid}`, {
      headers: { authorization: token },
    });
    expect(res.status).toBe(200);
  });

  it('refuses a mismatched key pair with 401', async () => {
    const other = sandboxPortoneKeys('shop-b');
    const res = await call('POST', `${s.base}/portone/users/getToken`, {
      body: { imp_key: keys.impKey, imp_secret: other.impSecret },
    });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ code: -1, response: null });
  });

  it('takes form-encoded bodies too', async () => {
    const res = await call('POST', `${s.base}/portone/users/getToken`, {
      form: true,
      body: { imp_key: keys.impKey, imp_secret: keys.impSecret },
    });
    expect(res.body.code).toBe(0);
  });
});

describe('PortOne buyer billing-key issuance (IMP.loadUI paypal-rt)', () => {
  it('creates the issue payment, activates the key and sends the webhook to every notice_url after the callback', async () => {
    const hook2 = await startReceiver();
    try {
      const { res, request } = await issue({
        notice_url: [hook.url, hook2.url],
        pg: 'paypal_v2.7WBB3CKT63FRG',
        custom_data: { plan: 'pro' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        success: true,
        imp_uid: expect.stringMatching(/^imp_\d{12}$/),
        merchant_uid: request.merchant_uid,
      });
      const pay = await get(`/payments/${res.body.imp_uid}?include_sandbox=true`);
      expect(pay.body.response).toMatchObject({
        status: 'paid',
        customer_uid: request.customer_uid,
        customer_uid_usage: 'issue',
        pg_provider: 'paypal_v2',
        pay_method: 'paypal',
        pg_id: '7WBB3CKT63FRG',
        amount: 0,
        custom_data: '{"plan":"pro"}',
        sandbox: true,
      });
      const customer = await get(`/subscribe/customers/${request.customer_uid}`);
      expect(customer.body.response).toMatchObject({
        customer_uid: request.customer_uid,
        pg_provider: 'paypal_v2',
        pg_id: '7WBB3CKT63FRG',
        customer_id: 'cust_1',
        customer_email: 'b@example.com',
        card_name: null,
        card_number: null,
        sandbox: true,
      });
      await s.sandbox.idle();
      for (const r of [hook, hook2]) {
        expect(r.received.map((w) => w.body)).toEqual([
          { imp_uid: res.body.imp_uid, merchant_uid: request.merchant_uid, status: 'paid' },
        ]);
        expect(r.received[0].headers['content-type']).toMatch(/^application\/json/);
      }
    } finally {
      await hook2.close();
    }
  });

  it('refuses Korean buyer accounts: failed payment, no key, no webhook', async () => {
    const { res, request } = await issue({}, { email: 'k@example.kr', country: 'KR' });
    expect(res.body).toMatchObject({
      success: false,
      error_msg: '구매자 계정이 한국인 경우 해당 서비스 이용이 불가합니다.',
    });
    const pay = await get(`/payments/${res.body.imp_uid}?include_sandbox=true`);
    expect(pay.body.response).toMatchObject({
      status: 'failed',
      fail_reason: '구매자 계정이 한국인 경우 해당 서비스 이용이 불가합니다.',
    });
    expect((await get(`/subscribe/customers/${request.customer_uid}`)).status).toBe(404);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(0);
  });

  it('turns a decline fault into a failed issuance with the fault’s reason, no key and no webhook', async () => {
    await fault({
      operation: 'buyerBillingKey',
      fault: { type: 'decline', code: 'PAYER_ACTION_REQUIRED', message: 'buyer must act' },
    });
    const { res, request } = await issue();
    expect(res.body).toEqual({
      success: false,
      imp_uid: expect.any(String),
      merchant_uid: request.merchant_uid,
      error_msg: '[PAYER_ACTION_REQUIRED] buyer must act',
    });
    expect((await get(`/payments/${res.body.imp_uid}?include_sandbox=true`)).body.response).toMatchObject({
      status: 'failed',
      customer_uid_usage: 'issue',
    });
    expect((await get(`/subscribe/customers/${request.customer_uid}`)).status).toBe(404);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(0);
  });

  it.each(['cancel', 'fail'])('issues no key when the buyer outcome is %s', async (outcome) => {
    const { res, request } = await issue({}, { email: 'b@example.com', country: 'US', outcome });
    expect(res.body.success).toBe(false);
    expect(res.body.error_msg).toEqual(expect.any(String));
    expect((await get(`/subscribe/customers/${request.customer_uid}`)).status).toBe(404);
    expect((await post('/subscribe/payments/again', againBody(request.customer_uid))).body.code).not.toBe(0);
  });

  it.each([
    ['pg', { pg: 'html5_inicis' }],
    ['pay_method', { pay_method: 'card' }],
    ['missing merchant_uid', { merchant_uid: undefined }],
    ['missing customer_uid', { customer_uid: undefined }],
    ['a relative notice_url', { notice_url: '/hook' }],
    ['STC not as key/value pairs', { bypass: { paypal_v2: { additional_data: { sender_account_id: 'A1' } } } }],
  ])('refuses a request with a wrong %s (400)', async (_name, overrides) => {
    const { res } = await issue(overrides);
    expect(res.status).toBe(400);
    expect(res.body.success).toBe(false);
  });

  it('refuses an unknown user code', async () => {
    const { res } = await issue({}, undefined, 'imp_unknown');
    expect(res.status).toBe(400);
  });
});

describe('PortOne again (billing-key charge)', () => {
  it('approves with code 0 and status paid, a PaymentAnnotation, the webhook and a ledger entry', async () => {
    const cuid = await billingKey();
    const body = againBody(cuid);
    const res = await post('/subscribe/payments/again', body);
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(0);
    expect(res.body.message).toBeNull();
    expect(res.body.response).toMatchObject({
      merchant_uid: body.merchant_uid,
      status: 'paid',
      amount: 10.5,
      cancel_amount: 0,
      currency: 'USD',
      pay_method: 'paypal',
      pg_provider: 'paypal_v2',
      channel: 'api',
      customer_uid: cuid,
      customer_uid_usage: 'payment',
      custom_data: '{"sub":"s1"}',
      name: 'Pro plan 2026-03',
      buyer_email: 'b@example.com',
      started_at: Math.floor(T0 / 1000),
      paid_at: Math.floor(T0 / 1000),
      failed_at: 0,
      cancelled_at: 0,
      cancel_history: [],
      sandbox: true,
    });
    expect(res.body.response.pg_tid).toMatch(/^[A-Z0-9]{17}$/);
    await s.sandbox.idle();
    expect(hook.received.map((w) => w.body)).toEqual([
      { imp_uid: res.body.response.imp_uid, merchant_uid: body.merchant_uid, status: 'paid' },
    ]);
    const ledger = await call('GET', `${s.base}/portone/ledger?merchant_uid=${body.merchant_uid}`);
    expect(ledger.body.data).toEqual([
      expect.objectContaining({
        gateway: 'portone',
        account: ACCT,
        operation: 'again',
        outcome: 'approved',
        merchant_uid: body.merchant_uid,
        customer_uid: cuid,
        amount: 10.5,
        currency: 'USD',
        bypass: { paypal_v2: { additional_data: [{ key: 'sender_account_id', value: 'A1' }] } },
        imp_uid: res.body.response.imp_uid,
        status: 'paid',
        at: new Date(T0).toISOString(),
      }),
    ]);
  });

  it('uses the currency’s own decimals (JPY has none)', async () => {
    const cuid = await billingKey();
    expect(
      (await post('/subscribe/payments/again', againBody(cuid, { currency: 'JPY', amount: 1500 }))).body.response
        .amount,
    ).toBe(1500);
    const refused = await post('/subscribe/payments/again', againBody(cuid, { currency: 'JPY', amount: 15.5 }));
    expect(refused.status).toBe(200);
    expect(refused.body).toMatchObject({ code: -1, response: null });
  });

  it.each([
    ['KRW', { currency: 'KRW', amount: 10000 }],
    ['no currency', { currency: undefined }],
    ['a currency PayPal does not take', { currency: 'XYZ' }],
    ['a zero amount', { amount: 0 }],
    ['a negative amount', { amount: -1 }],
    ['three decimals in USD', { amount: 10.555 }],
    ['no name', { name: undefined }],
    ['a 41-character merchant_uid', { merchant_uid: 'm'.repeat(41) }],
    ['bypass as an object instead of a JSON string', { bypass: { paypal_v2: { additional_data: [] } } }],
    ['bypass that is not JSON', { bypass: '{paypal_v2' }],
  ])('refuses %s: HTTP 200, non-zero code, response null, nothing charged', async (_name, overrides) => {
    // Official OpenAPI: again answers only 200 and 401; refusals are a non-zero code (official clients' tests: -1).
    const cuid = await billingKey();
    const body = againBody(cuid, overrides);
    const res = await post('/subscribe/payments/again', body);
    expect(res.status).toBe(200);
    expect(res.body.code).not.toBe(0);
    expect(res.body.message).toEqual(expect.any(String));
    expect(res.body.response).toBeNull();
    if (typeof body.merchant_uid === 'string' && body.merchant_uid.length <= 40) {
      expect((await get(`/payments/findAll/${body.merchant_uid}`)).status).toBe(404);
    }
    const ledger = await call('GET', `${s.base}/portone/ledger?operation=again`);
    expect(ledger.body.data.map((e: any) => e.outcome)).toEqual(['refused']);
  });

  it('refuses unknown, too long, other-account and deleted customer_uids: HTTP 200, code -1 (iamport-rest-client-python tests/test_pay_again.py)', async () => {
    const cuid = await billingKey();
    const unknown = await post('/subscribe/payments/again', againBody('nope'));
    expect(unknown.status).toBe(200);
    expect(unknown.body).toEqual({ code: -1, message: '등록되지 않은 구매자입니다.', response: null });
    expect((await post('/subscribe/payments/again', againBody('c'.repeat(81)))).body).toMatchObject({
      code: -1,
      response: null,
    });
    const otherToken = (await getToken(sandboxPortoneKeys('shop-b'))).body.response.access_token;
    const other = await post('/subscribe/payments/again', againBody(cuid), otherToken);
    expect([other.status, other.body.code]).toEqual([200, -1]);
    const del = await call('DELETE', `${s.base}/portone/subscribe/customers/${cuid}?reason=closed`, { headers: h() });
    expect(del.body).toMatchObject({ code: 0, response: { customer_uid: cuid } });
    const after = await post('/subscribe/payments/again', againBody(cuid));
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ code: -1, message: '등록되지 않은 구매자입니다.', response: null });
    expect((await get(`/subscribe/customers/${cuid}`)).status).toBe(404);
    expect((await call('DELETE', `${s.base}/portone/subscribe/customers/${cuid}`, { headers: h() })).status).toBe(404);
  });

  it('refuses an already-paid merchant_uid', async () => {
    const cuid = await billingKey();
    const body = againBody(cuid);
    expect((await post('/subscribe/payments/again', body)).body.response.status).toBe('paid');
    const twice = await post('/subscribe/payments/again', body);
    expect(twice.status).toBe(200);
    expect(twice.body.code).not.toBe(0);
    expect(twice.body.response).toBeNull();
    expect((await get(`/payments/findAll/${body.merchant_uid}`)).body.response.total).toBe(1);
  });

  it('declines as code 0 with status failed and fail_reason (no webhook), and lets the merchant_uid be charged again', async () => {
    const cuid = await billingKey();
    const body = againBody(cuid);
    await fault({
      operation: 'again',
      match: { merchant_uid: body.merchant_uid },
      fault: { type: 'decline', code: 'INSTRUMENT_DECLINED', message: 'The instrument was declined' },
    });
    const res = await post('/subscribe/payments/again', body);
    expect(res.status).toBe(200);
    expect(res.body.code).toBe(0);
    expect(res.body.response).toMatchObject({
      status: 'failed',
      paid_at: 0,
      failed_at: Math.floor(T0 / 1000),
      fail_reason: '[INSTRUMENT_DECLINED] The instrument was declined',
    });
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(0);
    const retry = await post('/subscribe/payments/again', body);
    expect(retry.body.response.status).toBe('paid');
    expect(retry.body.response.imp_uid).not.toBe(res.body.response.imp_uid);
  });

  it('reports a pending PayPal payment as failed with extension Pending, and charges twice when it is retried', async () => {
    const cuid = await billingKey();
    const body = againBody(cuid);
    await fault({
      operation: 'again',
      match: { merchant_uid: body.merchant_uid },
      fault: { type: 'pending', reason: 'echeck' },
    });
    const first = await post('/subscribe/payments/again', body);
    expect(first.body.code).toBe(0);
    expect(first.body.response.status).toBe('failed');
    const impUid = first.body.response.imp_uid;
    const plain = await get(`/payments/${impUid}?include_sandbox=true`);
    expect(plain.body.response.extension).toBeUndefined();
    const ext = await get(`/payments/${impUid}?include_sandbox=true&extension=true`);
    expect(ext.body.response.status).toBe('failed');
    expect(ext.body.response.extension).toEqual({ PaymentStatus: 'Pending', PendingReason: 'echeck' });

    // The mistake the sandbox must let happen: retrying a pending-as-failed charge as if it were a decline.
    const second = await post('/subscribe/payments/again', body);
    expect(second.body.response.status).toBe('paid');
    const settled = await call('POST', `${s.base}/portone/payments/${impUid}/settle`, { body: { status: 'paid' } });
    expect(settled.status).toBe(200);
    expect(settled.body).toMatchObject({ status: 'paid', extension: { PaymentStatus: 'Completed' } });
    const all = await get(`/payments/findAll/${body.merchant_uid}/paid`);
    expect(all.body.response.total).toBe(2);
    await s.sandbox.idle();
    expect(hook.received.map((w) => w.body)).toEqual([
      { imp_uid: second.body.response.imp_uid, merchant_uid: body.merchant_uid, status: 'paid' },
      { imp_uid: impUid, merchant_uid: body.merchant_uid, status: 'paid' },
    ]);
  });

  it('settles a pending payment by itself after settleAfterMs of sandbox time', async () => {
    const cuid = await billingKey();
    const body = againBody(cuid);
    await fault({ operation: 'again', fault: { type: 'pending', settleTo: 'paid', settleAfterMs: 2 * 24 * 60 * MIN } });
    const impUid = (await post('/subscribe/payments/again', body)).body.response.imp_uid;
    s.sandbox.advance(2 * 24 * 60 * MIN - 1);
    // Two days later the 30-minute token is long gone.
    expect((await get(`/payments/${impUid}?include_sandbox=true`)).status).toBe(401);
    token = (await getToken()).body.response.access_token;
    expect((await get(`/payments/${impUid}?include_sandbox=true`)).body.response.status).toBe('failed');
    s.sandbox.advance(1);
    const paid = (await get(`/payments/${impUid}?include_sandbox=true`)).body.response;
    expect(paid).toMatchObject({
      status: 'paid',
      paid_at: Math.floor((T0 + 2 * 24 * 60 * MIN) / 1000),
      fail_reason: null,
    });
    await s.sandbox.idle();
    expect(hook.received.map((w) => w.body.status)).toEqual(['paid']);
  });

  it('settles a pending payment to failed without a webhook, and refuses to settle what is not pending', async () => {
    const cuid = await billingKey();
    await fault({ operation: 'again', fault: { type: 'pending' } });
    const impUid = (await post('/subscribe/payments/again', againBody(cuid))).body.response.imp_uid;
    const res = await call('POST', `${s.base}/portone/payments/${impUid}/settle`, { body: { status: 'failed' } });
    expect(res.body).toMatchObject({ status: 'failed', extension: { PaymentStatus: 'Denied' } });
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(0);
    expect(
      (await call('POST', `${s.base}/portone/payments/${impUid}/settle`, { body: { status: 'paid' } })).status,
    ).toBe(409);
    expect((await call('POST', `${s.base}/portone/payments/imp_000/settle`, { body: { status: 'paid' } })).status).toBe(
      404,
    );
    expect(
      (await call('POST', `${s.base}/portone/payments/${impUid}/settle`, { body: { status: 'done' } })).status,
    ).toBe(400);
  });

  it('settles a pending billing-key issuance, activating the key', async () => {
    await fault({ operation: 'buyerBillingKey', fault: { type: 'pending' } });
    const { res, request } = await issue();
    expect(res.body).toMatchObject({ success: false, imp_uid: expect.any(String) });
    expect((await get(`/subscribe/customers/${request.customer_uid}`)).status).toBe(404);
    await call('POST', `${s.base}/portone/payments/${res.body.imp_uid}/settle`, { body: { status: 'paid' } });
    expect((await get(`/subscribe/customers/${request.customer_uid}`)).status).toBe(200);
    await s.sandbox.idle();
    expect(hook.received.map((w) => w.body.status)).toEqual(['paid']);
  });

  it('takes a form-encoded again with numeric strings', async () => {
    const cuid = await billingKey();
    const body = againBody(cuid, { amount: '12.34' });
    const res = await call('POST', `${s.base}/portone/subscribe/payments/again`, { headers: h(), form: true, body });
    expect(res.body.code).toBe(0);
    expect(res.body.response.amount).toBe(12.34);
  });
});

describe('PortOne payment lookups', () => {
  it('hides sandbox payments from GET /payments/{imp_uid} unless include_sandbox=true', async () => {
    const cuid = await billingKey();
    const impUid = (await post('/subscribe/payments/again', againBody(cuid))).body.response.imp_uid;
    const hidden = await get(`/payments/${impUid}`);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toEqual({ code: -1, message: expect.any(String), response: null });
    const shown = await get(`/payments/${impUid}?include_sandbox=true`);
    expect(shown.body.response).toMatchObject({ imp_uid: impUid, sandbox: true });
    const otherToken = (await getToken(sandboxPortoneKeys('shop-b'))).body.response.access_token;
    expect((await get(`/payments/${impUid}?include_sandbox=true`, otherToken)).status).toBe(404);
  });

  it('finds the latest attempt of a merchant_uid, by status too, and lists every attempt with paging', async () => {
    const cuid = await billingKey();
    const body = againBody(cuid);
    await fault({ operation: 'again', fault: { type: 'decline', code: 'D1' }, times: 2 });
    const a = (await post('/subscribe/payments/again', body)).body.response;
    s.sandbox.advance(1000);
    const b = (await post('/subscribe/payments/again', body)).body.response;
    s.sandbox.advance(1000);
    const c = (await post('/subscribe/payments/again', body)).body.response;
    expect([a.status, b.status, c.status]).toEqual(['failed', 'failed', 'paid']);

    expect((await get(`/payments/find/${body.merchant_uid}`)).body.response.imp_uid).toBe(c.imp_uid);
    expect((await get(`/payments/find/${body.merchant_uid}/failed`)).body.response.imp_uid).toBe(b.imp_uid);
    expect((await get(`/payments/find/${body.merchant_uid}/failed?sorting=started`)).body.response.imp_uid).toBe(
      a.imp_uid,
    );
    expect((await get(`/payments/find/${body.merchant_uid}/cancelled`)).status).toBe(404);
    expect((await get(`/payments/find/${body.merchant_uid}/weird`)).status).toBe(400);
    expect((await get(`/payments/find/unknown_uid`)).status).toBe(404);

    const page1 = (await get(`/payments/findAll/${body.merchant_uid}?limit=2`)).body.response;
    expect(page1).toMatchObject({ total: 3, previous: 0, next: 2 });
    expect(page1.list.map((p: any) => p.imp_uid)).toEqual([c.imp_uid, b.imp_uid]);
    const page2 = (await get(`/payments/findAll/${body.merchant_uid}?limit=2&page=2`)).body.response;
    expect(page2).toMatchObject({ total: 3, previous: 1, next: 0 });
    expect(page2.list.map((p: any) => p.imp_uid)).toEqual([a.imp_uid]);
    expect((await get(`/payments/findAll/${body.merchant_uid}?limit=1001`)).status).toBe(400);
    expect((await get(`/payments/findAll/unknown_uid`)).status).toBe(404);
  });
});

describe('PortOne cancel', () => {
  async function paid(amount = 30) {
    const cuid = await billingKey();
    const body = againBody(cuid, { amount });
    const p = (await post('/subscribe/payments/again', body)).body.response;
    await s.sandbox.idle();
    hook.received.length = 0;
    return p;
  }

  it('cancels partially (status stays paid) then fully (cancelled), with cancel_history entries', async () => {
    const p = await paid();
    const part = await post('/payments/cancel', { imp_uid: p.imp_uid, amount: 10.25, reason: 'partial', checksum: 30 });
    expect(part.body.code).toBe(0);
    expect(part.body.response).toMatchObject({ status: 'paid', cancel_amount: 10.25, cancelled_at: 0 });
    expect(part.body.response.cancel_history).toEqual([
      {
        pg_tid: expect.stringMatching(/^[A-Z0-9]{17}$/),
        amount: 10.25,
        cancelled_at: Math.floor(T0 / 1000),
        reason: 'partial',
        receipt_url: expect.any(String),
        cancellation_id: expect.any(String),
      },
    ]);
    const rest = await post('/payments/cancel', { merchant_uid: p.merchant_uid, reason: 'rest', checksum: 19.75 });
    expect(rest.body.response).toMatchObject({
      status: 'cancelled',
      cancel_amount: 30,
      cancel_reason: 'rest',
      cancelled_at: Math.floor(T0 / 1000),
    });
    expect(rest.body.response.cancel_history).toHaveLength(2);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(0);
    const again = await post('/payments/cancel', { imp_uid: p.imp_uid });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ code: 1, response: null });
  });

  it('refuses a checksum that differs from the refundable balance, and amounts above it', async () => {
    const p = await paid();
    // Official OpenAPI: cancel answers only 200 and 401; refusals are HTTP 200 with a non-zero code.
    const bad = await post('/payments/cancel', { imp_uid: p.imp_uid, amount: 5, checksum: 29 });
    expect(bad.status).toBe(200);
    expect(bad.body).toMatchObject({ code: 1, response: null });
    expect((await post('/payments/cancel', { imp_uid: p.imp_uid, amount: 30.01 })).body).toMatchObject({
      code: 1,
      response: null,
    });
    expect((await get(`/payments/${p.imp_uid}?include_sandbox=true`)).body.response.cancel_amount).toBe(0);
    expect((await post('/payments/cancel', {})).body).toMatchObject({ code: 1, response: null });
  });

  it('answers a cancel of an unknown imp_uid with HTTP 200, code 1 (iamport-rest-client-python tests/test_cancel.py)', async () => {
    const res = await post('/payments/cancel', { imp_uid: 'imp_000000000000', reason: 'reason' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ code: 1, message: '취소할 결제건이 존재하지 않습니다.', response: null });
  });

  it('sends a cancel webhook only when enable_webhook is true', async () => {
    const p = await paid();
    const res = await post('/payments/cancel', { imp_uid: p.imp_uid, amount: 1, enable_webhook: true });
    await s.sandbox.idle();
    expect(hook.received.map((w) => w.body)).toEqual([
      {
        imp_uid: p.imp_uid,
        merchant_uid: p.merchant_uid,
        status: 'paid',
        cancellation_id: res.body.response.cancel_history[0].cancellation_id,
      },
    ]);
  });

  it('keeps a pending cancel out of status and cancel_history until it is settled, then sends the webhook', async () => {
    const p = await paid();
    await fault({ operation: 'cancel', match: { imp_uid: p.imp_uid }, fault: { type: 'pending' } });
    const res = await post('/payments/cancel', { imp_uid: p.imp_uid, reason: 'refund', enable_webhook: true });
    expect(res.body.code).toBe(0);
    expect(res.body.response).toMatchObject({ status: 'paid', cancel_amount: 0, cancel_history: [] });
    // The pending amount is not refundable twice.
    expect((await post('/payments/cancel', { imp_uid: p.imp_uid, amount: 1 })).body).toMatchObject({
      code: 1,
      response: null,
    });
    const settled = await call('POST', `${s.base}/portone/payments/${p.imp_uid}/settle`, { body: { cancel: 'done' } });
    expect(settled.body).toMatchObject({ status: 'cancelled', cancel_amount: 30 });
    await s.sandbox.idle();
    expect(hook.received.map((w) => w.body.status)).toEqual(['cancelled']);
    expect(hook.received[0].body.cancellation_id).toBe(settled.body.cancel_history[0].cancellation_id);
  });

  it.each([
    ['settled through the control route', undefined],
    ['settled by settleAfterMs', MIN],
  ])(
    'sends no webhook when a pending cancel without enable_webhook is %s (official OpenAPI: enable_webhook default false)',
    async (_name, settleAfterMs) => {
      const p = await paid();
      await fault({
        operation: 'cancel',
        match: { imp_uid: p.imp_uid },
        fault: { type: 'pending', ...(settleAfterMs ? { settleAfterMs } : {}) },
      });
      expect((await post('/payments/cancel', { imp_uid: p.imp_uid, reason: 'refund' })).body.code).toBe(0);
      if (settleAfterMs) s.sandbox.advance(settleAfterMs);
      else
        expect(
          (await call('POST', `${s.base}/portone/payments/${p.imp_uid}/settle`, { body: { cancel: 'done' } })).status,
        ).toBe(200);
      await s.sandbox.idle();
      expect((await get(`/payments/${p.imp_uid}?include_sandbox=true`)).body.response).toMatchObject({
        status: 'cancelled',
        cancel_amount: 30,
      });
      expect(hook.received).toEqual([]);
    },
  );

  it('settles a pending cancel as rejected after settleAfterMs', async () => {
    const p = await paid();
    await fault({ operation: 'cancel', fault: { type: 'pending', settleTo: 'rejected', settleAfterMs: MIN } });
    await post('/payments/cancel', { imp_uid: p.imp_uid, amount: 10 });
    s.sandbox.advance(MIN);
    const after = (await get(`/payments/${p.imp_uid}?include_sandbox=true`)).body.response;
    expect(after).toMatchObject({ status: 'paid', cancel_amount: 0, cancel_history: [] });
    expect((await post('/payments/cancel', { imp_uid: p.imp_uid, amount: 30, checksum: 30 })).body.code).toBe(0);
  });
});

describe('PortOne objects against the official V1 OpenAPI', () => {
  const file = resolve(__dirname, 'testing/vendor/portone-v1.openapi.json');
  const run = existsSync(file) ? it : it.skip;
  run(
    'renders every required field of PaymentAnnotation, CustomerAnnotation and AuthAnnotation, and no unknown one',
    async () => {
      const defs = JSON.parse(readFileSync(file, 'utf8')).definitions;
      const check = (obj: Record<string, unknown>, name: string, extra: string[] = []) => {
        const def = defs[name];
        for (const f of def.required as string[]) expect(obj).toHaveProperty(f);
        expect(Object.keys(obj).filter((k) => !(k in def.properties) && !extra.includes(k))).toEqual([]);
      };
      check((await getToken()).body.response, 'AuthAnnotation');
      const cuid = await billingKey();
      check((await get(`/subscribe/customers/${cuid}`)).body.response, 'CustomerAnnotation');
      const p = (await post('/subscribe/payments/again', againBody(cuid))).body.response;
      await post('/payments/cancel', { imp_uid: p.imp_uid, amount: 1 });
      const full = (await get(`/payments/${p.imp_uid}?include_sandbox=true&extension=true`)).body.response;
      check(full, 'PaymentAnnotation', ['extension']);
      check(full.cancel_history[0], 'PaymentCancelAnnotation');
      const paged = (await get(`/payments/findAll/${p.merchant_uid}`)).body.response;
      check(paged, 'PagedPaymentAnnotation');
    },
  );
});
