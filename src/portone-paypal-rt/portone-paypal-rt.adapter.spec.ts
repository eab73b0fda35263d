import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import Fastify from 'fastify';
import { portoneSandboxBuyer } from '@app/pg-contract/testing';
import { pgSandboxPlugin } from '@app/pg-sandbox';
import { PortoneClient } from '@app/portone-client';
import { PortonePaypalRtAdapter, type PortonePaypalRtCredentials } from './portone-paypal-rt.adapter';

/** The PG sandbox on 127.0.0.1:0: `<origin>/sandbox` plus a closer. */
async function startSandbox(): Promise<{ base: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(pgSandboxPlugin, { prefix: '/sandbox' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}/sandbox`, close: () => app.close() };
}

function newAdapter(base: string, timeoutMs = 1000): { adapter: PortonePaypalRtAdapter; client: PortoneClient } {
  const http = new HttpService(axios.create() as unknown as ConstructorParameters<typeof HttpService>[0]);
  const client = new PortoneClient(http, { baseUrl: `${base}/portone`, timeoutMs, sandbox: true });
  return { adapter: new PortonePaypalRtAdapter(client), client };
}

/** Deterministic sandbox credentials of account `acct` (the sandbox's convention). */
function credentials(acct: string): PortonePaypalRtCredentials {
  return { userCode: `imp_sbx_${acct}`, impKey: `sbx_key_${acct}`, impSecret: `sbx_secret_${acct}`, sandbox: true };
}

describe('PortonePaypalRtAdapter specifics', () => {
  let sandbox: { base: string; close: () => Promise<void> };
  let adapter: PortonePaypalRtAdapter;
  let client: PortoneClient;
  let creds: PortonePaypalRtCredentials;
  let acct: string;
  const ref = () => `rs-${randomBytes(8).toString('hex')}`;
  const usd = (amount: number) => ({ amount, currency: 'USD' });
  const buyerInfo = { id: 'cust-1', email: 'b@example.com', firstName: 'Jo', lastName: 'Kim' };

  async function ledger(reference: string): Promise<Array<Record<string, unknown>>> {
    const res = await fetch(`${sandbox.base}/portone/ledger?merchant_uid=${reference}&account=${acct}`);
    return ((await res.json()) as { data: Array<Record<string, unknown>> }).data;
  }
  async function issue(country = 'US') {
    const billingKey = `key-${ref()}`;
    const reference = ref();
    const request = await adapter.issueBillingKey(creds, { billingKey, reference, buyer: buyerInfo });
    const pointer = await portoneSandboxBuyer(sandbox.base, { country }).approveBillingKey!(
      request as never,
      'approve',
    );
    return {
      billingKey,
      reference,
      pointer,
      outcome: await adapter.completeBillingKey(creds, { billingKey, reference, pointer }),
    };
  }

  beforeAll(async () => {
    sandbox = await startSandbox();
    acct = `spec-${randomBytes(4).toString('hex')}`;
    creds = credentials(acct);
    ({ adapter, client } = newAdapter(sandbox.base));
  });
  afterAll(async () => {
    client.onModuleDestroy();
    await sandbox.close();
  });

  it('builds the loadUI request of seed 004 (STC as an object, the PayPal channel when the merchant names one), with no secret in it', async () => {
    const out = await adapter.issueBillingKey(
      { ...creds, paypalAccountId: 'MERCHANTPP1' },
      {
        billingKey: 'key-abc',
        reference: 'issue-abc',
        buyer: buyerInfo,
        name: 'PayPal 등록',
        noticeUrls: ['https://api.example/v1/webhooks/portone/mer_1'],
        customData: { plan: 'pro' },
        riskContext: { sender_account_id: 'A12345N343', sender_country_code: 'US' },
      },
    );
    expect(out).toEqual({
      sdk: 'iamport-v1',
      init: { userCode: creds.userCode },
      method: 'loadUI',
      uiType: 'paypal-rt',
      request: {
        pg: 'paypal_v2.MERCHANTPP1',
        pay_method: 'paypal',
        amount: 0,
        merchant_uid: 'issue-abc',
        customer_uid: 'key-abc',
        customer_id: 'cust-1',
        name: 'PayPal 등록',
        buyer_email: 'b@example.com',
        buyer_name: 'Jo Kim',
        notice_url: 'https://api.example/v1/webhooks/portone/mer_1',
        custom_data: { plan: 'pro' },
        bypass: {
          paypal_v2: {
            additional_data: [
              { key: 'sender_account_id', value: 'A12345N343' },
              { key: 'sender_country_code', value: 'US' },
            ],
          },
        },
      },
    });
    expect(JSON.stringify(out)).not.toContain(creds.impSecret);
    expect(JSON.stringify(out)).not.toContain(creds.impKey);
    const plain = await adapter.issueBillingKey(creds, {
      billingKey: 'key-abc',
      reference: 'issue-abc',
      buyer: { id: 'c' },
    });
    expect((plain as { request: Record<string, unknown> }).request).not.toHaveProperty('bypass');
    expect((plain as { request: Record<string, unknown> }).request.pg).toBe('paypal_v2');
  });

  it.each([
    ['a merchant_uid over 40 characters', { reference: 'x'.repeat(41) }, 'INVALID_REFERENCE'],
    ['a customer_uid over 80 characters', { billingKey: 'k'.repeat(81) }, 'INVALID_BILLING_KEY'],
    ['no buyer id', { buyer: { id: '' } }, 'INVALID_BUYER'],
  ])('refuses to build an issuance with %s', async (_name, over, code) => {
    const outcome = await adapter.issueBillingKey(creds, {
      billingKey: 'key-1',
      reference: 'issue-1',
      buyer: { id: 'c' },
      ...over,
    });
    expect(outcome).toMatchObject({ status: 'NOT_SENT', reason: 'invalid_request', code, retryable: false });
  });

  it('refuses a callback naming another issuance before any PG call, and takes the core’s generic gatewayPaymentId pointer', async () => {
    const billingKey = `key-${ref()}`;
    const reference = ref();
    const request = await adapter.issueBillingKey(creds, { billingKey, reference, buyer: buyerInfo });
    const pointer = await portoneSandboxBuyer(sandbox.base, { country: 'US' }).approveBillingKey!(
      request as never,
      'approve',
    );
    const stub = { getPayment: jest.fn(), getCustomer: jest.fn() };
    const offline = new PortonePaypalRtAdapter(stub as unknown as PortoneClient);
    expect(
      await offline.completeBillingKey(creds, {
        billingKey,
        reference,
        pointer: { ...pointer, merchant_uid: 'bki_other' },
      }),
    ).toMatchObject({ status: 'FAILED', code: 'REFERENCE_MISMATCH' });
    expect(stub.getPayment).not.toHaveBeenCalled();
    const byWebhook = await adapter.completeBillingKey(creds, {
      billingKey,
      reference,
      pointer: { gatewayPaymentId: (pointer as { imp_uid: string }).imp_uid },
    });
    expect(byWebhook).toMatchObject({ status: 'ACTIVE', billingKey });
  });

  it('fails a Korean buyer account with its own code', async () => {
    const { outcome } = await issue('KR');
    expect(outcome).toMatchObject({ status: 'FAILED', code: 'KOREAN_BUYER_ACCOUNT' });
  });

  it('charges in major units with STC as a JSON string, and reads the answer back exactly', async () => {
    const { billingKey, outcome } = await issue();
    expect(outcome.status).toBe('ACTIVE');
    const reference = ref();
    const charged = await adapter.chargeBillingKey(creds, {
      billingKey,
      issuedAs: billingKey,
      reference,
      amount: usd(1999),
      orderName: 'Pro plan',
      buyer: buyerInfo,
      riskContext: { sender_account_id: 'A12345N343' },
    });
    expect(charged).toMatchObject({ status: 'SUCCEEDED', amount: usd(1999), reference, rawStatus: 'paid' });
    const [entry] = await ledger(reference);
    // The sandbox refuses an object bypass: recording the parsed value proves a JSON string was sent.
    expect(entry).toMatchObject({
      operation: 'again',
      outcome: 'approved',
      amount: 19.99,
      currency: 'USD',
      customer_uid: billingKey,
      buyer_email: 'b@example.com',
    });
    expect(entry.bypass).toEqual({
      paypal_v2: { additional_data: [{ key: 'sender_account_id', value: 'A12345N343' }] },
    });
  });

  it.each([
    ['KRW', { amount: { amount: 5000, currency: 'KRW' } }, 'CURRENCY_NOT_SUPPORTED'],
    ['an undeclared currency', { amount: { amount: 1000, currency: 'TWD' } }, 'CURRENCY_NOT_SUPPORTED'],
    ['a fractional minor amount', { amount: usd(10.5) }, 'INVALID_AMOUNT'],
  ])('refuses a charge in %s before sending it', async (_name, over, code) => {
    const reference = ref();
    const outcome = await adapter.chargeBillingKey(creds, {
      billingKey: 'key-x',
      issuedAs: 'key-x',
      reference,
      orderName: 'x',
      ...over,
    });
    expect(outcome).toMatchObject({ status: 'NOT_SENT', reason: 'invalid_request', code, retryable: false });
    expect(await ledger(reference)).toEqual([]);
  });

  async function addFault(body: Record<string, unknown>) {
    const res = await fetch(`${sandbox.base}/control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ gateway: 'portone', ...body }),
    });
    expect(res.status).toBe(201);
  }

  it('cuts again names to 40 code points (OpenAPI maxLength 40) and never refuses one at renewal time', async () => {
    const { billingKey } = await issue();
    const long = `프로 플랜 😀 ${'가나다라마바사'.repeat(6)} 🎉 end`;
    expect(Array.from(long).length).toBeGreaterThan(40);
    const reference = ref();
    expect(
      (
        await adapter.chargeBillingKey(creds, {
          billingKey,
          issuedAs: billingKey,
          reference,
          amount: usd(100),
          orderName: long,
        })
      ).status,
    ).toBe('SUCCEEDED');
    const [entry] = await ledger(reference);
    expect(entry.name).toBe(Array.from(long).slice(0, 40).join(''));
    expect(Array.from(entry.name as string)).toHaveLength(40);
    expect((entry.name as string).length).toBeGreaterThan(40); // the emoji are two UTF-16 units each: cut by code points
    const unnamed = ref();
    expect(
      (
        await adapter.chargeBillingKey(creds, {
          billingKey,
          issuedAs: billingKey,
          reference: unnamed,
          amount: usd(100),
          orderName: '',
        })
      ).status,
    ).toBe('SUCCEEDED');
    expect((await ledger(unnamed))[0].name).toBe('Subscription');
    const blank = ref();
    expect(
      (
        await adapter.chargeBillingKey(creds, {
          billingKey,
          issuedAs: billingKey,
          reference: blank,
          amount: usd(100),
          orderName: '   ',
        })
      ).status,
    ).toBe('SUCCEEDED');
    expect((await ledger(blank))[0].name).toBe('Subscription');
  });

  it('reads a transient HTTP 200 code -1 refusal as a soft decline, after looking the merchant_uid up', async () => {
    const { billingKey } = await issue();
    const reference = ref();
    await addFault({
      operation: 'again',
      match: { merchant_uid: reference },
      fault: { type: 'http_error', status: 200, code: -1, message: '카드사 요청에 실패하였습니다.' },
    });
    await addFault({
      operation: 'findAllPayments',
      match: { merchant_uid: reference },
      fault: { type: 'latency', ms: 0 },
    });
    const outcome = await adapter.chargeBillingKey(creds, {
      billingKey,
      issuedAs: billingKey,
      reference,
      amount: usd(100),
      orderName: 'x',
    });
    expect(outcome).toMatchObject({ status: 'DECLINED', kind: 'soft', code: 'CARD_COMPANY_REQUEST_FAILED' });
    // The look-up by merchant_uid consumed its marker fault.
    const faults = (await (await fetch(`${sandbox.base}/control/faults`)).json()) as { data?: unknown[] } | unknown[];
    expect(JSON.stringify(faults)).not.toContain(reference);
  });

  it('a bare code -1 is soft while PortOne still has the key; hard only once GET /subscribe/customers confirms it gone', async () => {
    const { billingKey } = await issue();
    const reference = ref();
    await addFault({
      operation: 'again',
      match: { merchant_uid: reference },
      fault: { type: 'http_error', status: 200, code: -1, message: '' },
    });
    expect(
      await adapter.chargeBillingKey(creds, {
        billingKey,
        issuedAs: billingKey,
        reference,
        amount: usd(100),
        orderName: 'x',
      }),
    ).toMatchObject({ status: 'DECLINED', kind: 'soft', code: 'REQUEST_FAILED' });

    expect(await adapter.deleteBillingKey(creds, { billingKey, issuedAs: billingKey })).toMatchObject({
      status: 'DELETED',
      alreadyAbsent: false,
    });
    // A look-up that fails leaves it soft.
    await addFault({
      operation: 'getCustomer',
      match: { customer_uid: billingKey },
      fault: { type: 'http_error', status: 503 },
    });
    expect(
      await adapter.chargeBillingKey(creds, {
        billingKey,
        issuedAs: billingKey,
        reference: ref(),
        amount: usd(100),
        orderName: 'x',
      }),
    ).toMatchObject({ status: 'DECLINED', kind: 'soft' });
    // Confirmed gone: hard.
    expect(
      await adapter.chargeBillingKey(creds, {
        billingKey,
        issuedAs: billingKey,
        reference: ref(),
        amount: usd(100),
        orderName: 'x',
      }),
    ).toMatchObject({ status: 'DECLINED', kind: 'hard', code: 'BILLING_KEY_DELETED' });
    // Deleting it again is idempotent (not found by 404).
    expect(await adapter.deleteBillingKey(creds, { billingKey, issuedAs: billingKey })).toMatchObject({
      status: 'DELETED',
      alreadyAbsent: true,
    });
  });

  it('a PayPal agreement-ended decline is soft while PortOne still has the key', async () => {
    const { billingKey } = await issue();
    const reference = ref();
    await addFault({
      operation: 'again',
      match: { merchant_uid: reference },
      fault: { type: 'decline', code: 'AGREEMENT_ALREADY_CANCELLED' },
    });
    expect(
      await adapter.chargeBillingKey(creds, {
        billingKey,
        issuedAs: billingKey,
        reference,
        amount: usd(100),
        orderName: 'x',
      }),
    ).toMatchObject({ status: 'DECLINED', kind: 'soft', code: 'AGREEMENT_ALREADY_CANCELLED' });
  });

  it('asks PortOne for a cancel webhook (enable_webhook: true), so a pending cancel settles by webhook', async () => {
    const { billingKey } = await issue();
    const reference = ref();
    const paid = await adapter.chargeBillingKey(creds, {
      billingKey,
      issuedAs: billingKey,
      reference,
      amount: usd(500),
      orderName: 'x',
    });
    expect(paid.status).toBe('SUCCEEDED');
    const gatewayPaymentId = (paid as { gatewayPaymentId: string }).gatewayPaymentId;
    expect(
      await adapter.cancel(creds, {
        cancelId: `cn-${ref()}`,
        gatewayPaymentId,
        reference,
        reason: 'refund',
        amount: usd(100),
      }),
    ).toMatchObject({ status: 'SUCCEEDED' });
    const res = await fetch(
      `${sandbox.base}/portone/ledger?merchant_uid=${reference}&account=${acct}&operation=cancel`,
    );
    const [entry] = ((await res.json()) as { data: Array<Record<string, unknown>> }).data;
    expect(entry).toMatchObject({ operation: 'cancel', outcome: 'done', enable_webhook: true });
  });

  it('answers NOT_SENT (not retryable) for a key pair PortOne refuses, without echoing the secret', async () => {
    const bad = { ...creds, impSecret: 'sbx_secret_someone-else' };
    const outcome = await adapter.chargeBillingKey(bad, {
      billingKey: 'key-x',
      issuedAs: 'key-x',
      reference: ref(),
      amount: usd(1000),
      orderName: 'x',
    });
    expect(outcome).toMatchObject({
      status: 'NOT_SENT',
      reason: 'refused_by_pg',
      code: 'UNAUTHORIZED',
      retryable: false,
    });
    expect(JSON.stringify(outcome)).not.toContain('someone-else');
  });

  it('never counts a test-channel payment for live credentials', async () => {
    const { billingKey } = await issue();
    const reference = ref();
    const paid = await adapter.chargeBillingKey(creds, {
      billingKey,
      issuedAs: billingKey,
      reference,
      amount: usd(700),
      orderName: 'x',
    });
    expect(paid.status).toBe('SUCCEEDED');
    const id = (paid as { gatewayPaymentId: string }).gatewayPaymentId;
    const live = { ...creds, sandbox: false };
    // Without include_sandbox the payment is hidden (404), and with it a sandbox payment is refused: never SUCCEEDED.
    expect((await adapter.retrieve(live, { gatewayPaymentId: id, expected: usd(700) })).status).not.toBe('SUCCEEDED');
    expect((await adapter.retrieveByReference(live, { reference, expected: usd(700) })).status).not.toBe('SUCCEEDED');
  });

  it('parses PortOne webhooks (JSON or form) into pointers only', () => {
    const json = adapter.parseWebhook(creds, {
      headers: {},
      body: { imp_uid: 'imps_1', merchant_uid: 'order-1', status: 'paid' },
    });
    expect(json).toEqual({
      kind: 'refetch',
      gatewayPaymentId: 'imps_1',
      reference: 'order-1',
      event: 'portone.paid',
      dedupKey: 'imps_1|paid|',
    });
    const form = adapter.parseWebhook(creds, {
      headers: {},
      body: 'imp_uid=imps_2&merchant_uid=order-2&status=cancelled&cancellation_id=c9',
    });
    expect(form).toMatchObject({ kind: 'refetch', gatewayPaymentId: 'imps_2', dedupKey: 'imps_2|cancelled|c9' });
    expect(form).not.toHaveProperty('status');
    expect(
      adapter.parseWebhook(creds, { headers: {}, body: { imp_uid: ['a', 'b'], merchant_uid: 'o', status: 'paid' } })
        .kind,
    ).toBe('ignore');
  });

  it('checks credentials by field name, never echoing values', () => {
    expect(adapter.checkCredentials({ userCode: 'imp_1', impKey: 'k', impSecret: 's' })).toEqual({
      ok: true,
      credentials: { userCode: 'imp_1', impKey: 'k', impSecret: 's' },
    });
    expect(adapter.checkCredentials({ userCode: 'imp_1', impKey: ' ', impSecret: 42 })).toEqual({
      ok: false,
      problems: ['impKey is required', 'impSecret is required'],
    });
    expect(adapter.checkCredentials(null)).toMatchObject({ ok: false });
  });
});
