import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { sandboxPortoneKeys, sandboxTossKeys } from './sandbox.credentials';
import { pgSandboxPlugin } from './sandbox.plugin';
import { createPgSandbox } from './sandbox';
import {
  basicAuth,
  call,
  startReceiver,
  startSandbox,
  type RunningSandbox,
  type WebhookReceiver,
} from './sandbox.test-harness';
import { waitFor } from '../../../test/helpers/wait-for';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const now = () => T0;

let s: RunningSandbox;
let hook: WebhookReceiver;
let token: string;
let cuid: string;
let seq = 0;

async function tokenFor(account: string) {
  const k = sandboxPortoneKeys(account);
  return (
    await call('POST', `${s.base}/portone/users/getToken`, { body: { imp_key: k.impKey, imp_secret: k.impSecret } })
  ).body.response.access_token as string;
}

async function issueKey(account: string) {
  const customer_uid = `cuid_${++seq}`;
  const res = await call('POST', `${s.base}/portone/buyer/billing-keys`, {
    body: {
      userCode: sandboxPortoneKeys(account).userCode,
      request: { pg: 'paypal_v2', pay_method: 'paypal', merchant_uid: `iss_${seq}`, customer_uid },
      buyer: { email: 'b@example.com', country: 'US' },
    },
  });
  expect(res.body.success).toBe(true);
  return customer_uid;
}

beforeEach(async () => {
  s = await startSandbox({ now });
  hook = await startReceiver();
  token = await tokenFor('shop-a');
  cuid = await issueKey('shop-a');
});
afterEach(async () => {
  await s.close();
  await hook.close();
});

const addFault = (body: unknown) => call('POST', `${s.base}/control/faults`, { body });
const charge = (merchant_uid = `m_${++seq}`, t = token, c = cuid, init: RequestInit = {}) =>
  fetch(`${s.base}/portone/subscribe/payments/again`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: t },
    body: JSON.stringify({
      customer_uid: c,
      merchant_uid,
      currency: 'USD',
      amount: 5,
      name: 'n',
      notice_url: hook.url,
    }),
    ...init,
  });
const ledger = async (merchant_uid: string) =>
  (await call('GET', `${s.base}/portone/ledger?merchant_uid=${merchant_uid}`)).body.data as any[];
const findAll = (merchant_uid: string) =>
  call('GET', `${s.base}/portone/payments/findAll/${merchant_uid}`, { headers: { authorization: token } });

describe('fault registration', () => {
  it.each([
    ['an unknown gateway', { gateway: 'stripe', operation: 'again', fault: { type: 'reset_before' } }],
    ['an unknown operation', { gateway: 'portone', operation: 'charge', fault: { type: 'reset_before' } }],
    ['a Toss operation under PortOne', { gateway: 'portone', operation: 'confirm', fault: { type: 'reset_before' } }],
    ['decline on getToken', { gateway: 'portone', operation: 'getToken', fault: { type: 'decline', code: 'X' } }],
    ['pending on confirm', { gateway: 'toss', operation: 'confirm', fault: { type: 'pending' } }],
    [
      'webhook on getPayment',
      { gateway: 'portone', operation: 'getPayment', fault: { type: 'webhook', mode: 'drop' } },
    ],
    [
      'a PortOne settleTo on a Toss cancel',
      { gateway: 'toss', operation: 'cancel', fault: { type: 'pending', settleTo: 'paid' } },
    ],
    ['an unknown webhook mode', { gateway: 'portone', operation: 'again', fault: { type: 'webhook', mode: 'late' } }],
    ['a negative latency', { gateway: 'portone', operation: 'again', fault: { type: 'latency', ms: -1 } }],
    [
      'an http_error with status 200',
      { gateway: 'portone', operation: 'again', fault: { type: 'http_error', status: 200 } },
    ],
    ['times 0', { gateway: 'portone', operation: 'again', fault: { type: 'reset_before' }, times: 0 }],
    ['match not an object', { gateway: 'portone', operation: 'again', fault: { type: 'reset_before' }, match: 'x' }],
    ['an unknown fault type', { gateway: 'portone', operation: 'again', fault: { type: 'explode' } }],
  ])('refuses %s with 400', async (_name, body) => {
    const res = await addFault(body);
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('INVALID_FAULT');
    expect((await call('GET', `${s.base}/control/faults`)).body.data).toEqual([]);
  });

  it('answers 201 { id }, lists, deletes one and clears all', async () => {
    const a = await addFault({ gateway: 'portone', operation: 'again', fault: { type: 'reset_before' }, times: 3 });
    expect(a.status).toBe(201);
    expect(a.body).toEqual({ id: expect.any(String) });
    await addFault({ gateway: 'toss', operation: 'confirm', fault: { type: 'latency', ms: 5 } });
    const list = (await call('GET', `${s.base}/control/faults`)).body.data;
    expect(list).toEqual([
      expect.objectContaining({ id: a.body.id, remaining: 3 }),
      expect.objectContaining({ operation: 'confirm', remaining: 1 }),
    ]);
    expect((await call('DELETE', `${s.base}/control/faults/${a.body.id}`)).status).toBe(200);
    expect((await call('DELETE', `${s.base}/control/faults/${a.body.id}`)).status).toBe(404);
    expect((await call('DELETE', `${s.base}/control/faults`)).body).toEqual({ cleared: 1 });
    expect((await charge()).status).toBe(200);
  });
});

describe('fault behaviour', () => {
  it('latency delays the answer', async () => {
    await addFault({ gateway: 'portone', operation: 'again', fault: { type: 'latency', ms: 250 } });
    const started = performance.now();
    expect((await charge()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(240);
  });

  it('http_error answers in PortOne’s envelope and does nothing', async () => {
    const m = `m_${++seq}`;
    await addFault({
      gateway: 'portone',
      operation: 'again',
      match: { merchant_uid: m },
      fault: { type: 'http_error', status: 503, code: 5, message: 'maintenance' },
    });
    const res = await charge(m);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ code: 5, message: 'maintenance', response: null });
    expect(await ledger(m)).toEqual([]);
    expect((await findAll(m)).status).toBe(404);
  });

  it('http_error with status 200 and a non-zero code is a PortOne business refusal (code -1, response null): transient, nothing done', async () => {
    // Official OpenAPI: again answers only 200/401; official clients raise their code error only on HTTP 200.
    for (const bad of [
      { gateway: 'portone', operation: 'again', fault: { type: 'http_error', status: 200, code: 0 } },
      { gateway: 'portone', operation: 'again', fault: { type: 'http_error', status: 200, code: '-1' } },
      { gateway: 'toss', operation: 'confirm', fault: { type: 'http_error', status: 200, code: 'X' } },
    ]) {
      expect((await addFault(bad)).status).toBe(400);
    }
    const m = `m_${++seq}`;
    const added = await addFault({
      gateway: 'portone',
      operation: 'again',
      match: { merchant_uid: m },
      fault: { type: 'http_error', status: 200, code: -1, message: '카드사 요청에 실패하였습니다.' },
    });
    expect(added.status).toBe(201);
    const res = await charge(m);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ code: -1, message: '카드사 요청에 실패하였습니다.', response: null });
    expect(await ledger(m)).toEqual([]);
    expect((await findAll(m)).status).toBe(404);
    // Transient: the next try under the same merchant_uid is charged.
    const again = await charge(m);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { response: { status: string } }).response.status).toBe('paid');
  });

  it('http_error answers in Toss’s shape, with a default code by status', async () => {
    await addFault({ gateway: 'toss', operation: 'retrievePayment', fault: { type: 'http_error', status: 400 } });
    const res = await call('GET', `${s.base}/toss/v1/payments/x`, {
      headers: { authorization: basicAuth(sandboxTossKeys('shop-a').secretKey) },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({ code: 'INVALID_REQUEST', message: expect.any(String) });
  });

  it('reset_before drops the connection before anything is done', async () => {
    const m = `m_${++seq}`;
    await addFault({ gateway: 'portone', operation: 'again', fault: { type: 'reset_before' } });
    await expect(charge(m)).rejects.toThrow();
    expect(await ledger(m)).toEqual([]);
    expect((await findAll(m)).status).toBe(404);
    // times defaults to 1: the retry goes through.
    expect((await charge(m)).status).toBe(200);
  });

  it('timeout_after_commit charges but never answers; the socket is released when the client gives up', async () => {
    const m = `m_${++seq}`;
    await addFault({
      gateway: 'portone',
      operation: 'again',
      match: { merchant_uid: m },
      fault: { type: 'timeout_after_commit' },
    });
    await expect(charge(m, token, cuid, { signal: AbortSignal.timeout(300) })).rejects.toThrow();
    expect((await ledger(m)).map((e) => e.outcome)).toEqual(['approved']);
    const found = await call('GET', `${s.base}/portone/payments/find/${m}`, { headers: { authorization: token } });
    expect(found.body.response.status).toBe('paid');
    await s.sandbox.idle();
    expect(hook.received.map((w) => w.body.merchant_uid)).toEqual([m]);
    await waitFor(() => s.sandbox.stats().heldSockets === 0, { timeoutMs: 1_000, intervalMs: 10 });
    expect(s.sandbox.stats().heldSockets).toBe(0);
  });

  it('timeout_after_commit gives up on its own after holdCapMs', async () => {
    await s.close();
    s = await startSandbox({ now, holdCapMs: 200 });
    token = await tokenFor('shop-a');
    cuid = await issueKey('shop-a');
    await addFault({ gateway: 'portone', operation: 'again', fault: { type: 'timeout_after_commit' } });
    const started = performance.now();
    await expect(charge(undefined, token, cuid, { signal: AbortSignal.timeout(10_000) })).rejects.toThrow();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(5000);
  });

  it('timeout_after_commit on a Toss confirm with an Idempotency-Key: the retry replays the committed answer', async () => {
    const keys = sandboxTossKeys('shop-a');
    const auth = { authorization: basicAuth(keys.secretKey) };
    const r = await call('POST', `${s.base}/toss/buyer/payments`, {
      body: {
        clientKey: keys.clientKey,
        paymentRequest: {
          method: 'FOREIGN_EASY_PAY',
          amount: { currency: 'USD', value: 3 },
          orderId: 'order_timeout_1',
          orderName: 'x',
          successUrl: 'https://s.example/ok',
          failUrl: 'https://s.example/fail',
          foreignEasyPay: { provider: 'PAYPAL', country: 'US' },
        },
      },
    });
    const paymentKey = new URL(r.body.redirectUrl).searchParams.get('paymentKey');
    await addFault({ gateway: 'toss', operation: 'confirm', fault: { type: 'timeout_after_commit' } });
    const body = JSON.stringify({ paymentKey, orderId: 'order_timeout_1', amount: 3 });
    const headers = { ...auth, 'content-type': 'application/json', 'idempotency-key': 'confirm-order_timeout_1' };
    await expect(
      fetch(`${s.base}/toss/v1/payments/confirm`, { method: 'POST', headers, body, signal: AbortSignal.timeout(300) }),
    ).rejects.toThrow();
    const retry = await fetch(`${s.base}/toss/v1/payments/confirm`, { method: 'POST', headers, body });
    expect(retry.status).toBe(200);
    expect(((await retry.json()) as { status: string }).status).toBe('DONE');
  });

  it('server close does not wait for a held socket, with Fastify’s default forceCloseConnections (as the app runs)', async () => {
    const sandbox = createPgSandbox({ now });
    const app = Fastify();
    await app.register(pgSandboxPlugin, { prefix: '/sandbox', sandbox });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      sandbox.addFault({ gateway: 'portone', operation: 'getToken', fault: { type: 'timeout_after_commit' } });
      // One plain connection (no pool), so only the held request can keep the server open.
      const outcome = new Promise<string>((resolve) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: (app.server.address() as AddressInfo).port,
            path: '/sandbox/portone/users/getToken',
            method: 'POST',
            agent: false,
            headers: { 'content-type': 'application/json' },
          },
          () => resolve('answered'),
        );
        req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        req.end(JSON.stringify({ imp_key: 'x', imp_secret: 'y' }));
      });
      await waitFor(() => sandbox.stats().heldSockets > 0, { timeoutMs: 1_000, intervalMs: 10 });
      expect(sandbox.stats().heldSockets).toBe(1);
      const started = performance.now();
      await app.close();
      expect(performance.now() - started).toBeLessThan(5000);
      expect(await outcome).toBe('ECONNRESET');
      expect(sandbox.stats().heldSockets).toBe(0);
    } finally {
      await app.close();
      sandbox.close();
    }
  });

  it('times and match: only the matching requests, only that many times', async () => {
    const target = `m_target_${++seq}`;
    await addFault({
      gateway: 'portone',
      operation: 'again',
      match: { merchant_uid: target },
      fault: { type: 'http_error', status: 500 },
      times: 2,
    });
    expect((await charge()).status).toBe(200);
    expect((await charge(target)).status).toBe(500);
    expect((await charge(target)).status).toBe(500);
    expect((await charge(target)).status).toBe(200);
    expect((await call('GET', `${s.base}/control/faults`)).body.data).toEqual([]);
  });

  it('matches on the account, so suites sharing one sandbox do not hit each other’s faults', async () => {
    const tokenB = await tokenFor('shop-b');
    const cuidB = await issueKey('shop-b');
    await addFault({
      gateway: 'portone',
      operation: 'again',
      match: { account: 'shop-b' },
      fault: { type: 'http_error', status: 502 },
    });
    expect((await charge()).status).toBe(200);
    expect((await charge(undefined, tokenB, cuidB)).status).toBe(502);
  });

  it('matches numbers against path and form strings', async () => {
    await addFault({
      gateway: 'portone',
      operation: 'again',
      match: { amount: 5 },
      fault: { type: 'decline', code: 'AMOUNT_FIVE' },
    });
    const form = await call('POST', `${s.base}/portone/subscribe/payments/again`, {
      headers: { authorization: token },
      form: true,
      body: { customer_uid: cuid, merchant_uid: `m_${++seq}`, currency: 'USD', amount: '5', name: 'n' },
    });
    expect(form.body.response.fail_reason).toContain('AMOUNT_FIVE');
  });

  it('applies one fault of each type to the same request (latency and decline)', async () => {
    await addFault({ gateway: 'portone', operation: 'again', fault: { type: 'latency', ms: 200 } });
    await addFault({ gateway: 'portone', operation: 'again', fault: { type: 'decline', code: 'D' } });
    const started = performance.now();
    const res = await charge();
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(((await res.json()) as { response: { status: string } }).response.status).toBe('failed');
  });

  it('webhook faults on PortOne: drop, duplicate, early', async () => {
    const [m1, m2, m3] = [`m_${++seq}`, `m_${++seq}`, `m_${++seq}`];
    await addFault({
      gateway: 'portone',
      operation: 'again',
      match: { merchant_uid: m1 },
      fault: { type: 'webhook', mode: 'drop' },
    });
    await addFault({
      gateway: 'portone',
      operation: 'again',
      match: { merchant_uid: m2 },
      fault: { type: 'webhook', mode: 'duplicate' },
    });
    await addFault({
      gateway: 'portone',
      operation: 'again',
      match: { merchant_uid: m3 },
      fault: { type: 'webhook', mode: 'early' },
    });
    await s.sandbox.idle();
    hook.received.length = 0;
    await charge(m1);
    await charge(m2);
    await s.sandbox.idle();
    expect(hook.received.map((w) => w.body.merchant_uid)).toEqual([m2, m2]);
    hook.received.length = 0;
    hook.delayMs = 200;
    const started = performance.now();
    await charge(m3);
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(hook.received.map((w) => w.body.merchant_uid)).toEqual([m3]);
  });

  it('a failing PortOne receiver is not retried by default, and is with portoneWebhookRetryDelaysMs', async () => {
    hook.statuses.push(500, 500);
    await charge();
    await s.sandbox.idle();
    s.sandbox.advance(3_600_000);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(1);

    await s.close();
    s = await startSandbox({ now, portoneWebhookRetryDelaysMs: [60_000], portoneWebhookFormat: 'form' });
    token = await tokenFor('shop-a');
    cuid = await issueKey('shop-a');
    hook.received.length = 0;
    hook.statuses.push(500);
    await charge();
    await s.sandbox.idle();
    s.sandbox.advance(60_000);
    await s.sandbox.idle();
    expect(hook.received).toHaveLength(2);
    expect(hook.received[1].headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(hook.received[1].body).toMatchObject({ status: 'paid' });
  });

  it('an unreachable receiver fails the delivery without affecting the charge', async () => {
    const dead = await startReceiver();
    const url = dead.url;
    await dead.close();
    const res = await call('POST', `${s.base}/portone/subscribe/payments/again`, {
      headers: { authorization: token },
      body: { customer_uid: cuid, merchant_uid: `m_${++seq}`, currency: 'USD', amount: 5, name: 'n', notice_url: url },
    });
    expect(res.body.response.status).toBe('paid');
    await s.sandbox.idle();
    const log = (await call('GET', `${s.base}/control/webhooks?account=shop-a`)).body.data;
    expect(log[log.length - 1]).toMatchObject({ url, state: 'failed', attempts: [{ error: expect.any(String) }] });
  });
});

describe('plugin options', () => {
  it('refuses to register in production', async () => {
    const app = Fastify();
    await expect(app.register(pgSandboxPlugin, { prefix: '/sandbox', production: true }).ready()).rejects.toThrow(
      /production/,
    );
    await app.close();
  });

  it('adds the global latencyMs to PG calls but not to control calls', async () => {
    const sandbox = createPgSandbox({ now, latencyMs: 200 });
    const app = Fastify();
    await app.register(pgSandboxPlugin, { prefix: '/sandbox', sandbox });
    try {
      const started = performance.now();
      const res = await app.inject({
        method: 'POST',
        url: '/sandbox/portone/users/getToken',
        payload: { imp_key: 'x', imp_secret: 'y' },
      });
      expect(res.statusCode).toBe(401);
      expect(performance.now() - started).toBeGreaterThanOrEqual(190);
      expect(s.sandbox.stats().requests).toBeGreaterThan(0);
      expect(sandbox.stats().requests).toBe(1);
      await app.inject({ method: 'GET', url: '/sandbox/clock' });
      expect(sandbox.stats().requests).toBe(1);
    } finally {
      await app.close();
      sandbox.close();
    }
  });

  it("counts the global latency from the request's arrival, so time spent before the handler is part of it", async () => {
    const sandbox = createPgSandbox({ now, latencyMs: 300 });
    const app = Fastify();
    // Stands for a busy sandbox: 250 ms pass between the request's arrival and its handler.
    app.addHook('preHandler', (_req, _reply, done) => {
      const until = performance.now() + 250;
      while (performance.now() < until);
      done();
    });
    await app.register(pgSandboxPlugin, { prefix: '/sandbox', sandbox });
    try {
      const started = performance.now();
      const res = await app.inject({
        method: 'POST',
        url: '/sandbox/portone/users/getToken',
        payload: { imp_key: 'x', imp_secret: 'y' },
      });
      expect(res.statusCode).toBe(401);
      const took = performance.now() - started;
      // 300 ms after arrival, never less; adding the latency on top of the wait would take 550.
      expect(took).toBeGreaterThanOrEqual(300);
      expect(took).toBeLessThan(450);
      expect(sandbox.stats().meanServiceMs).toBeGreaterThanOrEqual(300);
    } finally {
      await app.close();
      sandbox.close();
    }
  });

  it('closes a sandbox it created itself when the server closes', async () => {
    const app = Fastify();
    await app.register(pgSandboxPlugin, { prefix: '/sandbox' });
    await app.ready();
    const res = await app.inject({ method: 'GET', url: '/sandbox/clock' });
    expect(res.statusCode).toBe(200);
    await app.close();
  });
});
