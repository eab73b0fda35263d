// Integration: TossClient over real HTTP against the PG sandbox (libs/pg-sandbox) mounted in a Fastify server.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { pgSandboxPlugin } from '@app/pg-sandbox';
import { newHttpService } from '../../pg-http/test/fake-http.server';
import { TossClient } from './toss.client';
import { parseTossWebhook, type TossWebhookParseResult } from './toss-webhook.parser';
import { centsToUsd, usdToCents } from './toss.money';
import { waitFor } from '../../../test/helpers/wait-for';

const ACCT = 'toss-client-it';
const creds = { secretKey: `test_sk_sbx_${ACCT}` };
const CLIENT_KEY = `test_ck_sbx_${ACCT}`;

describe('TossClient against the PG sandbox', () => {
  let app: FastifyInstance;
  let origin: string;
  let client: TossClient;
  let seq = 0;

  const control = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${origin}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  /** The buyer pays in the PayPal window; returns what the success redirect carries. */
  const buyerPays = async (cents: number) => {
    const orderId = `it-order-${Date.now()}-${++seq}`;
    const answer = await control('POST', '/sandbox/toss/buyer/payments', {
      clientKey: CLIENT_KEY,
      paymentRequest: {
        method: 'FOREIGN_EASY_PAY',
        amount: { currency: 'USD', value: centsToUsd(cents) },
        orderId,
        orderName: 'Integration plan',
        successUrl: 'https://merchant.example/success',
        failUrl: 'https://merchant.example/fail',
        foreignEasyPay: { provider: 'PAYPAL', country: 'US' },
      },
      buyer: {},
    });
    expect(answer.status).toBe(200);
    const url = new URL(answer.body.redirectUrl as string);
    expect(url.pathname).toBe('/success');
    return {
      orderId,
      paymentKey: url.searchParams.get('paymentKey') as string,
      amount: Number(url.searchParams.get('amount')),
    };
  };

  beforeAll(async () => {
    app = Fastify();
    await app.register(pgSandboxPlugin, { prefix: '/sandbox' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    client = new TossClient(newHttpService(), { baseUrl: `${origin}/sandbox/toss`, timeoutMs: 5_000 });
  });
  afterEach(() => control('DELETE', '/sandbox/control/faults'));
  afterAll(async () => {
    client.onModuleDestroy();
    await app.close();
  });

  it('confirm, retrieve by key and by order id, then a partial and a full cancel', async () => {
    const { orderId, paymentKey, amount } = await buyerPays(1999);
    expect(usdToCents(amount)).toBe(1999);

    const confirmed = await client.confirm(
      creds,
      { paymentKey, orderId, amount },
      { idempotencyKey: `confirm-${orderId}` },
    );
    expect(confirmed).toMatchObject({
      kind: 'ok',
      httpStatus: 200,
      data: { paymentKey, orderId, status: 'DONE', currency: 'USD' },
    });
    if (confirmed.kind !== 'ok') return;
    expect(usdToCents(confirmed.data.totalAmount)).toBe(1999);
    expect(['페이팔', 'PAYPAL']).toContain(confirmed.data.easyPay?.provider);

    expect(await client.getPayment(creds, paymentKey)).toMatchObject({
      kind: 'ok',
      data: { paymentKey, status: 'DONE' },
    });
    expect(await client.getPaymentByOrderId(creds, orderId)).toMatchObject({
      kind: 'ok',
      data: { paymentKey, orderId },
    });

    const partial = await client.cancel(
      creds,
      paymentKey,
      { cancelReason: 'partial', cancelAmount: centsToUsd(499), currency: 'USD' },
      { idempotencyKey: `cancel-1-${orderId}` },
    );
    expect(partial).toMatchObject({ kind: 'ok' });
    if (partial.kind !== 'ok') return;
    expect(partial.data.cancels).toHaveLength(1);
    expect(usdToCents(partial.data.cancels?.[0].cancelAmount ?? -1)).toBe(499);

    const full = await client.cancel(
      creds,
      paymentKey,
      { cancelReason: 'rest' },
      { idempotencyKey: `cancel-2-${orderId}` },
    );
    expect(full).toMatchObject({ kind: 'ok' });
  });

  it('replays a confirm with the same idempotency key, and refuses a second confirm with another key', async () => {
    const { orderId, paymentKey, amount } = await buyerPays(1000);
    const first = await client.confirm(creds, { paymentKey, orderId, amount }, { idempotencyKey: `k-${orderId}` });
    const replay = await client.confirm(creds, { paymentKey, orderId, amount }, { idempotencyKey: `k-${orderId}` });
    expect(replay).toEqual(first);
    expect(
      await client.confirm(creds, { paymentKey, orderId, amount }, { idempotencyKey: `k2-${orderId}` }),
    ).toMatchObject({
      kind: 'pg_error',
      code: 'ALREADY_PROCESSED_PAYMENT',
    });
  });

  it('answers pg_error for a malformed secret key and for another account’s payment', async () => {
    const { orderId, paymentKey, amount } = await buyerPays(500);
    expect(await client.confirm({ secretKey: 'live_sk_not_sandbox' }, { paymentKey, orderId, amount })).toMatchObject({
      kind: 'pg_error',
      httpStatus: 401,
      code: 'UNAUTHORIZED_KEY',
    });
    expect(
      await client.confirm({ secretKey: 'test_sk_sbx_someone-else' }, { paymentKey, orderId, amount }),
    ).toMatchObject({
      kind: 'pg_error',
      httpStatus: 404,
      code: 'NOT_FOUND_PAYMENT_SESSION',
    });
  });

  it('refuses a confirm after the 10-minute window', async () => {
    const { orderId, paymentKey, amount } = await buyerPays(700);
    expect((await control('POST', '/sandbox/clock', { advanceMs: 11 * 60_000 })).status).toBeLessThan(300);
    expect(await client.confirm(creds, { paymentKey, orderId, amount })).toMatchObject({
      kind: 'pg_error',
      code: 'NOT_FOUND_PAYMENT_SESSION',
    });
  });

  it('classifies faults: 5xx and a lost answer are unknown (and the lost one did commit)', async () => {
    const a = await buyerPays(800);
    await control('POST', '/sandbox/control/faults', {
      gateway: 'toss',
      operation: 'confirm',
      match: { orderId: a.orderId },
      fault: { type: 'http_error', status: 500 },
    });
    expect(
      await client.confirm(creds, { paymentKey: a.paymentKey, orderId: a.orderId, amount: a.amount }),
    ).toMatchObject({
      kind: 'unknown',
      reason: 'server_error',
      httpStatus: 500,
    });

    const b = await buyerPays(900);
    await control('POST', '/sandbox/control/faults', {
      gateway: 'toss',
      operation: 'confirm',
      match: { orderId: b.orderId },
      fault: { type: 'timeout_after_commit' },
    });
    expect(
      await client.confirm(
        creds,
        { paymentKey: b.paymentKey, orderId: b.orderId, amount: b.amount },
        { timeoutMs: 300 },
      ),
    ).toMatchObject({
      kind: 'unknown',
      reason: 'response_timeout',
    });
    expect(await client.getPayment(creds, b.paymentKey)).toMatchObject({ kind: 'ok', data: { status: 'DONE' } });

    const c = await buyerPays(950);
    await control('POST', '/sandbox/control/faults', {
      gateway: 'toss',
      operation: 'confirm',
      match: { orderId: c.orderId },
      fault: { type: 'reset_before' },
    });
    // The client cannot tell a reset before processing from one after: unknown, to be looked up.
    expect(
      await client.confirm(creds, { paymentKey: c.paymentKey, orderId: c.orderId, amount: c.amount }),
    ).toMatchObject({ kind: 'unknown' });
    expect(await client.getPayment(creds, c.paymentKey)).toMatchObject({ kind: 'ok', data: { status: 'IN_PROGRESS' } });
  });

  it('delivers a PAYMENT_STATUS_CHANGED webhook that parseTossWebhook accepts', async () => {
    const received: TossWebhookParseResult[] = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push(parseTossWebhook(Buffer.concat(chunks), req.headers));
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/toss`;
      const basic = Buffer.from(`${creds.secretKey}:`).toString('base64');
      expect(
        (await control('PUT', '/sandbox/toss/console/webhook', { url }, { authorization: `Basic ${basic}` })).status,
      ).toBe(200);
      const { orderId, paymentKey, amount } = await buyerPays(1234);
      expect(await client.confirm(creds, { paymentKey, orderId, amount })).toMatchObject({ kind: 'ok' });
      await waitFor(() => received.some((r) => r.ok && r.event.eventType === 'PAYMENT_STATUS_CHANGED'));
      const event = received.find((r) => r.ok);
      expect(event).toMatchObject({
        ok: true,
        event: { eventType: 'PAYMENT_STATUS_CHANGED', data: { paymentKey, status: 'DONE' } },
      });
      expect(event?.ok && event.transmission.id).toEqual(expect.any(String));

      // A foreign easy pay cancel is asynchronous: CANCEL_STATUS_CHANGED names the cancel once it settles.
      const cancelled = await client.cancel(creds, paymentKey, {
        cancelReason: 'refund',
        cancelAmount: 2.34,
        currency: 'USD',
      });
      if (cancelled.kind !== 'ok') throw new Error(`cancel: ${cancelled.kind}`);
      const transactionKey = cancelled.data.cancels?.[0]?.transactionKey;
      const settledCancel = () => received.find((r) => r.ok && r.event.eventType === 'CANCEL_STATUS_CHANGED');
      await waitFor(() => !!settledCancel());
      expect(settledCancel()).toMatchObject({
        ok: true,
        event: { eventType: 'CANCEL_STATUS_CHANGED', data: { transactionKey, cancelStatus: 'DONE' } },
      });
      expect(received.filter((r) => !r.ok)).toEqual([]);
      await control('DELETE', '/sandbox/toss/console/webhook', undefined, { authorization: `Basic ${basic}` });
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});
