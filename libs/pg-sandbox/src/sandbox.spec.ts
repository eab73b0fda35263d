import { sandboxPortoneKeys, sandboxTossKeys } from './sandbox.credentials';
import { basicAuth, call, startReceiver, startSandbox, type RunningSandbox } from './sandbox.test-harness';
import { waitFor } from '../../../test/helpers/wait-for';

const T0 = Date.parse('2026-03-01T00:00:00Z');
let base = T0;
const now = () => base;

let s: RunningSandbox;
let token: string;
let cuid: string;

async function setup(account = 'shop-a') {
  const k = sandboxPortoneKeys(account);
  const t = (
    await call('POST', `${s.base}/portone/users/getToken`, { body: { imp_key: k.impKey, imp_secret: k.impSecret } })
  ).body.response.access_token as string;
  const c = `cuid_${account}`;
  const res = await call('POST', `${s.base}/portone/buyer/billing-keys`, {
    body: {
      userCode: k.userCode,
      request: { pg: 'paypal_v2', pay_method: 'paypal', merchant_uid: `iss_${account}`, customer_uid: c },
      buyer: { email: 'b@example.com', country: 'US' },
    },
  });
  expect(res.body.success).toBe(true);
  return { t, c };
}

beforeEach(async () => {
  base = T0;
  s = await startSandbox({ now });
  ({ t: token, c: cuid } = await setup());
});
afterEach(async () => {
  await s.close();
});

const charge = (merchant_uid: string, t = token, c = cuid) =>
  call('POST', `${s.base}/portone/subscribe/payments/again`, {
    headers: { authorization: t },
    body: { customer_uid: c, merchant_uid, currency: 'USD', amount: 1, name: 'n' },
  });

describe('sandbox clock', () => {
  it('starts at the base clock, advances on POST and never goes back', async () => {
    expect((await call('GET', `${s.base}/clock`)).body).toEqual({
      now: new Date(T0).toISOString(),
      nowMs: T0,
      offsetMs: 0,
    });
    const moved = await call('POST', `${s.base}/clock`, { body: { advanceMs: 90_000 } });
    expect(moved.body).toEqual({ now: new Date(T0 + 90_000).toISOString(), nowMs: T0 + 90_000, offsetMs: 90_000 });
    // Real time keeps flowing underneath the offset.
    base += 1000;
    expect((await call('GET', `${s.base}/clock`)).body.nowMs).toBe(T0 + 91_000);
    for (const body of [{ advanceMs: -1 }, { advanceMs: 'soon' }, {}]) {
      expect((await call('POST', `${s.base}/clock`, { body })).status).toBe(400);
    }
  });

  it('runs tasks that become due as real time passes, not only on advance', async () => {
    await s.close();
    s = await startSandbox();
    const { t, c } = await setup();
    await call('POST', `${s.base}/control/faults`, {
      body: {
        gateway: 'portone',
        operation: 'again',
        fault: { type: 'pending', settleTo: 'paid', settleAfterMs: 150 },
      },
    });
    const impUid = (await charge('m_rt', t, c)).body.response.imp_uid;
    // Nothing advances the sandbox clock here: only its own timer, as real time passes, can settle the payment.
    const read = () =>
      call('GET', `${s.base}/portone/payments/${impUid}?include_sandbox=true`, { headers: { authorization: t } });
    await waitFor(async () => (await read()).body.response.status === 'paid', { timeoutMs: 3_000 });
    const p = await read();
    expect(p.body.response.status).toBe('paid');
  });
});

describe('ledgers', () => {
  it('filter by merchant_uid and account, page with after/limit, and validate their query', async () => {
    const other = await setup('shop-b');
    for (let i = 1; i <= 5; i++) await charge(`m_${i}`);
    await charge('m_1');
    await charge('m_b', other.t, other.c);

    const m1 = (await call('GET', `${s.base}/portone/ledger?merchant_uid=m_1`)).body;
    expect(m1.data.map((e: any) => e.outcome)).toEqual(['approved', 'refused']);
    expect(m1.next).toBeNull();

    const page1 = (await call('GET', `${s.base}/portone/ledger?account=shop-a&operation=again&limit=2`)).body;
    expect(page1.data.map((e: any) => e.merchant_uid)).toEqual(['m_1', 'm_2']);
    const page2 = (
      await call('GET', `${s.base}/portone/ledger?account=shop-a&operation=again&limit=2&after=${page1.next}`)
    ).body;
    expect(page2.data.map((e: any) => e.merchant_uid)).toEqual(['m_3', 'm_4']);
    const page3 = (
      await call('GET', `${s.base}/portone/ledger?account=shop-a&operation=again&limit=2&after=${page2.next}`)
    ).body;
    expect(page3.data.map((e: any) => e.merchant_uid)).toEqual(['m_5', 'm_1']);
    expect(page3.next).toBeNull();

    const b = (await call('GET', `${s.base}/portone/ledger?account=shop-b`)).body.data;
    expect(b.map((e: any) => e.operation)).toEqual(['issueBillingKey', 'again']);
    expect((await call('GET', `${s.base}/portone/ledger?outcome=refused`)).body.data).toHaveLength(1);
    expect((await call('GET', `${s.base}/toss/ledger`)).body).toEqual({ data: [], next: null });
    for (const q of ['limit=0', 'limit=1001', 'after=-1', 'limit=x']) {
      expect((await call('GET', `${s.base}/portone/ledger?${q}`)).status).toBe(400);
    }
  });
});

describe('control endpoints', () => {
  it('idle waits for webhook delivery; stats and reset', async () => {
    const hook = await startReceiver();
    try {
      hook.delayMs = 100;
      await call('POST', `${s.base}/portone/subscribe/payments/again`, {
        headers: { authorization: token },
        body: {
          customer_uid: cuid,
          merchant_uid: 'm_idle',
          currency: 'USD',
          amount: 1,
          name: 'n',
          notice_url: hook.url,
        },
      });
      const idle = await call('POST', `${s.base}/control/idle?timeoutMs=5000`);
      expect(idle.body).toMatchObject({ idle: true, busy: 0 });
      expect(hook.received).toHaveLength(1);
      const stats = (await call('GET', `${s.base}/control/stats`)).body;
      expect(stats).toMatchObject({
        portonePayments: 2,
        portoneCustomers: 1,
        portoneLedger: 2,
        webhookDeliveries: 1,
        heldSockets: 0,
      });
      expect((await call('POST', `${s.base}/control/reset`)).body).toEqual({ reset: true });
      expect((await call('GET', `${s.base}/control/stats`)).body).toMatchObject({
        portonePayments: 0,
        portoneCustomers: 0,
        portoneLedger: 0,
        faults: 0,
      });
      // Tokens are gone too.
      expect((await charge('m_after_reset')).status).toBe(401);
    } finally {
      await hook.close();
    }
  });

  it('idle reports false when deliveries do not finish in time', async () => {
    const hook = await startReceiver();
    try {
      hook.delayMs = 1000;
      await call('POST', `${s.base}/portone/subscribe/payments/again`, {
        headers: { authorization: token },
        body: {
          customer_uid: cuid,
          merchant_uid: 'm_slow',
          currency: 'USD',
          amount: 1,
          name: 'n',
          notice_url: hook.url,
        },
      });
      expect(await s.sandbox.idle(100)).toBe(false);
      expect(await s.sandbox.idle(5000)).toBe(true);
    } finally {
      await hook.close();
    }
  });
});

describe('webhook timeouts', () => {
  it('count from when the delivery has a socket, not while it waits for one of the sender’s 64 (a burst of settlements)', async () => {
    await s.close();
    s = await startSandbox({ now, webhookTimeoutMs: 500 });
    ({ t: token, c: cuid } = await setup());
    const hook = await startReceiver();
    try {
      await s.sandbox.idle(5000);
      hook.received.length = 0;
      hook.delayMs = 300; // each answer alone is well inside the 500 ms timeout; 200 of them queue for ~1 s
      const sent = await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          call('POST', `${s.base}/portone/subscribe/payments/again`, {
            headers: { authorization: token },
            body: {
              customer_uid: cuid,
              merchant_uid: `m_burst_${i}`,
              currency: 'USD',
              amount: 1,
              name: 'n',
              notice_url: hook.url,
            },
          }),
        ),
      );
      expect(sent.every((r) => r.body.response?.status === 'paid')).toBe(true);
      expect(await s.sandbox.idle(20_000)).toBe(true);
      const log = (await call('GET', `${s.base}/control/webhooks?limit=1000`)).body.data as Array<{
        state: string;
        body: { merchant_uid: string };
      }>;
      const burst = log.filter((w) => w.body.merchant_uid.startsWith('m_burst_'));
      expect(burst).toHaveLength(200);
      expect(burst.filter((w) => w.state !== 'delivered')).toEqual([]);
    } finally {
      await hook.close();
    }
  });
});

describe('error shapes', () => {
  it('answers unknown routes and malformed bodies in the shape of the API they are under', async () => {
    const toss = await call('GET', `${s.base}/toss/v1/nope`);
    expect(toss.status).toBe(404);
    expect(toss.body).toEqual({ code: 'NOT_FOUND', message: expect.any(String) });
    const portone = await call('GET', `${s.base}/portone/nope`);
    expect(portone.status).toBe(404);
    expect(portone.body).toEqual({ code: -1, message: expect.any(String), response: null });

    const badJson = (url: string, headers: Record<string, string> = {}) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"broken":',
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    const t = await badJson(`${s.base}/toss/v1/payments/confirm`, {
      authorization: basicAuth(sandboxTossKeys('shop-a').secretKey),
    });
    expect(t).toEqual({ status: 400, body: { code: 'INVALID_REQUEST', message: expect.any(String) } });
    const p = await badJson(`${s.base}/portone/subscribe/payments/again`, { authorization: token });
    expect(p).toEqual({ status: 400, body: { code: -1, message: expect.any(String), response: null } });
    const c = await badJson(`${s.base}/control/faults`);
    expect(c.status).toBe(400);
    expect(c.body.error).toBe('INVALID');
  });
});

describe('performance', () => {
  it('2,000 again calls: per-call work stays flat as the ledger grows, and ledger lookups cost what they return', async () => {
    // Some unrelated faults so the fault scan is part of what is measured.
    for (let i = 0; i < 5; i++) {
      await call('POST', `${s.base}/control/faults`, {
        body: {
          gateway: 'portone',
          operation: 'again',
          match: { merchant_uid: `never_${i}` },
          fault: { type: 'reset_before' },
        },
      });
    }
    const batch = async (from: number, to: number) => {
      const before = s.sandbox.stats().work;
      for (let i = from; i < to; i += 20) {
        await Promise.all(Array.from({ length: 20 }, (_, j) => charge(`perf_${i + j}`)));
      }
      return s.sandbox.stats().work - before;
    };
    const first = await batch(0, 100);
    await batch(100, 1900);
    const last = await batch(1900, 2000);
    expect(s.sandbox.stats().portoneLedger).toBe(2001);
    expect(first).toBeGreaterThan(0);
    expect(last).toBe(first);

    const before = s.sandbox.stats().work;
    const one = (await call('GET', `${s.base}/portone/ledger?merchant_uid=perf_1999`)).body.data;
    expect(one).toHaveLength(1);
    const page = (await call('GET', `${s.base}/portone/ledger?limit=10&after=1990`)).body.data;
    expect(page.map((e: any) => e.seq)).toEqual([1991, 1992, 1993, 1994, 1995, 1996, 1997, 1998, 1999, 2000]);
    expect(s.sandbox.stats().work - before).toBe(11);
  });
});
