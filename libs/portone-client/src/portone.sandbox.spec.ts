// Integration: PortoneClient over real HTTP against the PG sandbox (libs/pg-sandbox) mounted in a Fastify server.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { pgSandboxPlugin } from '@app/pg-sandbox';
import { newHttpService } from '../../pg-http/test/fake-http.server';
import { PortoneClient } from './portone.client';
import { isPaypalPending, paypalPendingInfo } from './portone-paypal.pending';
import { parsePortoneWebhook, type PortoneWebhookParseResult } from './portone-webhook.parser';
import { minorToPortoneAmount } from './portone.money';
import { waitFor } from '../../../test/helpers/wait-for';

const ACCT = 'portone-client-it';
const creds = { impKey: `sbx_key_${ACCT}`, impSecret: `sbx_secret_${ACCT}` };
const USER_CODE = `imp_sbx_${ACCT}`;
const STC = {
  paypal_v2: {
    additional_data: [
      { key: 'sender_account_id', value: 'A12345N343' },
      { key: 'sender_country_code', value: 'US' },
    ],
  },
};

describe('PortoneClient against the PG sandbox', () => {
  let app: FastifyInstance;
  let origin: string;
  let client: PortoneClient;
  let receiver: http.Server;
  let noticeUrl: string;
  const webhooks: PortoneWebhookParseResult[] = [];
  let seq = 0;
  const uid = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

  const control = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${origin}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };

  /** The buyer approves a billing key in the PayPal RT window; returns the key and the issuance payment. */
  const issueBillingKey = async () => {
    const customer_uid = uid('cu');
    const merchant_uid = uid('issue');
    const answer = await control('POST', '/sandbox/portone/buyer/billing-keys', {
      userCode: USER_CODE,
      request: {
        pg: 'paypal_v2',
        pay_method: 'paypal',
        merchant_uid,
        customer_uid,
        customer_id: 'cust_1',
        name: 'Billing key',
        notice_url: noticeUrl,
        bypass: STC,
      },
      buyer: { email: 'buyer@example.com', country: 'US' },
    });
    expect(answer.body).toMatchObject({ success: true, merchant_uid });
    return { customer_uid, imp_uid: answer.body.imp_uid as string, merchant_uid };
  };

  beforeAll(async () => {
    receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        webhooks.push(
          parsePortoneWebhook(/json/.test(req.headers['content-type'] ?? '') ? (JSON.parse(text) as unknown) : text),
        );
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    noticeUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/portone`;
    app = Fastify();
    await app.register(pgSandboxPlugin, { prefix: '/sandbox' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    client = new PortoneClient(newHttpService(), {
      baseUrl: `${origin}/sandbox/portone`,
      timeoutMs: 5_000,
      sandbox: true,
    });
  });
  afterEach(() => control('DELETE', '/sandbox/control/faults'));
  afterAll(async () => {
    client.onModuleDestroy();
    await app.close();
    receiver.closeAllConnections();
    await new Promise<void>((r) => receiver.close(() => r()));
  });

  it('issuance: the callback’s imp_uid resolves to a paid issue payment and a billing key', async () => {
    const { customer_uid, imp_uid, merchant_uid } = await issueBillingKey();
    expect(await client.getPayment(creds, imp_uid)).toMatchObject({
      kind: 'ok',
      data: { imp_uid, merchant_uid, status: 'paid', customer_uid, customer_uid_usage: 'issue', sandbox: true },
    });
    expect(await client.getCustomer(creds, customer_uid)).toMatchObject({
      kind: 'ok',
      data: { customer_uid, pg_provider: 'paypal_v2' },
    });
  });

  it('sandbox payments are invisible without include_sandbox', async () => {
    const { imp_uid } = await issueBillingKey();
    const plain = new PortoneClient(newHttpService(), { baseUrl: `${origin}/sandbox/portone`, timeoutMs: 5_000 });
    try {
      expect(await plain.getPayment(creds, imp_uid)).toMatchObject({
        kind: 'pg_error',
        httpStatus: 404,
        phase: 'call',
      });
    } finally {
      plain.onModuleDestroy();
    }
  });

  it('again: a paid charge; the sandbox received bypass as a JSON string', async () => {
    const { customer_uid } = await issueBillingKey();
    const merchant_uid = uid('chg');
    const out = await client.again(creds, {
      customer_uid,
      merchant_uid,
      currency: 'USD',
      amount: minorToPortoneAmount(1050, 'USD'),
      name: 'Monthly',
      bypass: STC,
      notice_url: noticeUrl,
    });
    expect(out).toMatchObject({
      kind: 'ok',
      data: { merchant_uid, status: 'paid', amount: 10.5, currency: 'USD', channel: 'api', pg_provider: 'paypal_v2' },
    });
    const ledger = await control('GET', `/sandbox/portone/ledger?merchant_uid=${merchant_uid}`);
    const entry = (ledger.body.data as Array<Record<string, unknown>>).find((e) => e.operation === 'again');
    expect(entry).toBeDefined();
    const bypass = entry?.bypass;
    expect(typeof bypass === 'string' ? JSON.parse(bypass) : bypass).toEqual(STC);

    expect(await client.findPayment(creds, merchant_uid)).toMatchObject({
      kind: 'ok',
      data: { merchant_uid, status: 'paid' },
    });
    expect(await client.findPayment(creds, merchant_uid, 'failed')).toMatchObject({
      kind: 'pg_error',
      httpStatus: 404,
    });
  });

  it('again: a decline is ok with status failed (code 0 is not an approval); attempts share the merchant_uid', async () => {
    const { customer_uid } = await issueBillingKey();
    const merchant_uid = uid('dcl');
    await control('POST', '/sandbox/control/faults', {
      gateway: 'portone',
      operation: 'again',
      match: { merchant_uid },
      fault: { type: 'decline', code: 'INSTRUMENT_DECLINED' },
    });
    const declined = await client.again(creds, { customer_uid, merchant_uid, currency: 'USD', amount: 5, name: 'n' });
    expect(declined).toMatchObject({ kind: 'ok', data: { status: 'failed' } });
    expect(declined.kind === 'ok' && isPaypalPending(declined.data)).toBe(false);
    expect(
      await client.again(creds, { customer_uid, merchant_uid, currency: 'USD', amount: 5, name: 'n' }),
    ).toMatchObject({ kind: 'ok', data: { status: 'paid' } });
    const all = await client.findAllPayments(creds, merchant_uid);
    expect(all.kind === 'ok' && all.data.map((p) => p.status).sort()).toEqual(['failed', 'paid']);
  });

  it('pending-as-failed: recognised through extension, then settled to paid with a webhook', async () => {
    const { customer_uid } = await issueBillingKey();
    const merchant_uid = uid('pnd');
    await control('POST', '/sandbox/control/faults', {
      gateway: 'portone',
      operation: 'again',
      match: { merchant_uid },
      fault: { type: 'pending' },
    });
    const charged = await client.again(creds, {
      customer_uid,
      merchant_uid,
      currency: 'USD',
      amount: 7.25,
      name: 'n',
      notice_url: noticeUrl,
    });
    expect(charged).toMatchObject({ kind: 'ok', data: { status: 'failed' } });
    if (charged.kind !== 'ok') return;
    const withoutExtension = await client.getPayment(creds, charged.data.imp_uid);
    expect(withoutExtension.kind === 'ok' && isPaypalPending(withoutExtension.data)).toBe(false);
    const looked = await client.getPayment(creds, charged.data.imp_uid, { extension: true });
    expect(looked.kind === 'ok' && paypalPendingInfo(looked.data)).toMatchObject({ pending: true });

    expect(
      (await control('POST', `/sandbox/portone/payments/${charged.data.imp_uid}/settle`, { status: 'paid' })).status,
    ).toBe(200);
    expect(await client.getPayment(creds, charged.data.imp_uid, { extension: true })).toMatchObject({
      kind: 'ok',
      data: { status: 'paid' },
    });
    expect(
      await waitFor(() =>
        webhooks.some((w) => w.ok && w.webhook.imp_uid === charged.data.imp_uid && w.webhook.status === 'paid'),
      ),
    ).toBe(true);
  });

  it('cancel: partial then full', async () => {
    const { customer_uid } = await issueBillingKey();
    const merchant_uid = uid('cnl');
    const paid = await client.again(creds, { customer_uid, merchant_uid, currency: 'USD', amount: 20, name: 'n' });
    if (paid.kind !== 'ok') throw new Error(`charge failed: ${paid.kind}`);
    const partial = await client.cancel(creds, {
      imp_uid: paid.data.imp_uid,
      amount: 5.5,
      reason: 'partial',
      checksum: 20,
    });
    expect(partial).toMatchObject({ kind: 'ok', data: { cancel_amount: 5.5 } });
    const full = await client.cancel(creds, { merchant_uid, reason: 'rest' });
    expect(full).toMatchObject({ kind: 'ok', data: { status: 'cancelled', cancel_amount: 20 } });
  });

  it('deleteCustomer removes the billing key', async () => {
    const { customer_uid } = await issueBillingKey();
    expect(await client.deleteCustomer(creds, customer_uid, { reason: 'customer left' })).toMatchObject({
      kind: 'ok',
      data: { customer_uid },
    });
    expect(await client.getCustomer(creds, customer_uid)).toMatchObject({ kind: 'pg_error', httpStatus: 404 });
  });

  it('a wrong key pair is a pg_error in the auth phase', async () => {
    expect(await client.getPayment({ impKey: creds.impKey, impSecret: 'sbx_secret_other' }, 'imp_x')).toMatchObject({
      kind: 'pg_error',
      httpStatus: 401,
      phase: 'auth',
    });
  });

  it('a 401 on a call is retried once with a fresh token', async () => {
    const { imp_uid } = await issueBillingKey();
    await control('POST', '/sandbox/control/faults', {
      gateway: 'portone',
      operation: 'getPayment',
      fault: { type: 'http_error', status: 401, code: -1, message: 'token expired' },
    });
    expect(await client.getPayment(creds, imp_uid)).toMatchObject({ kind: 'ok', data: { imp_uid } });
  });

  it('a charge whose answer is lost is unknown, and findPayment shows it committed', async () => {
    const { customer_uid } = await issueBillingKey();
    const merchant_uid = uid('lost');
    await control('POST', '/sandbox/control/faults', {
      gateway: 'portone',
      operation: 'again',
      match: { merchant_uid },
      fault: { type: 'timeout_after_commit' },
    });
    expect(
      await client.again(
        creds,
        { customer_uid, merchant_uid, currency: 'USD', amount: 3, name: 'n' },
        { timeoutMs: 300 },
      ),
    ).toMatchObject({
      kind: 'unknown',
      reason: 'response_timeout',
    });
    expect(await client.findPayment(creds, merchant_uid)).toMatchObject({ kind: 'ok', data: { status: 'paid' } });
  });

  it('5xx on again is unknown', async () => {
    const { customer_uid } = await issueBillingKey();
    const merchant_uid = uid('5xx');
    await control('POST', '/sandbox/control/faults', {
      gateway: 'portone',
      operation: 'again',
      match: { merchant_uid },
      fault: { type: 'http_error', status: 503 },
    });
    expect(
      await client.again(creds, { customer_uid, merchant_uid, currency: 'USD', amount: 3, name: 'n' }),
    ).toMatchObject({ kind: 'unknown', reason: 'server_error', httpStatus: 503 });
  });
});

describe('PortOne webhooks sent as application/x-www-form-urlencoded', () => {
  it('parsePortoneWebhook accepts the raw form body the sandbox sends', async () => {
    const bodies: Array<{ type: string; text: string }> = [];
    const receiver = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push({ type: req.headers['content-type'] ?? '', text: Buffer.concat(chunks).toString('utf8') });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const app = Fastify();
    await app.register(pgSandboxPlugin, { prefix: '/sandbox', portoneWebhookFormat: 'form' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
      const merchant_uid = `form-${Date.now().toString(36)}`;
      const res = await fetch(`${origin}/sandbox/portone/buyer/billing-keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          userCode: USER_CODE,
          request: {
            pg: 'paypal_v2',
            pay_method: 'paypal',
            merchant_uid,
            customer_uid: `cu-${merchant_uid}`,
            notice_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`,
          },
          buyer: { email: 'buyer@example.com', country: 'US' },
        }),
      });
      const callback = (await res.json()) as { imp_uid: string };
      await waitFor(() => bodies.length > 0);
      expect(bodies[0]?.type).toMatch(/application\/x-www-form-urlencoded/);
      expect(parsePortoneWebhook(bodies[0]?.text)).toEqual({
        ok: true,
        webhook: { imp_uid: callback.imp_uid, merchant_uid, status: 'paid' },
      });
    } finally {
      await app.close();
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});
