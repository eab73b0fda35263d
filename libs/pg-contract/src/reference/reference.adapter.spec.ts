import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { pgSandboxPlugin } from '@app/pg-sandbox';
import { describeGatewayConformance, portoneSandboxBuyer, portoneSandboxControl } from '../testing';
import { Test } from '@nestjs/testing';
import { GatewayInputError } from '../pg.errors';
import { PgContractModule } from '../pg-contract.module';
import { GatewayCapabilityError, GatewayRegistry } from '../pg.registry';
import { REFERENCE_ADAPTER_OPTIONS, REFERENCE_DESCRIPTOR, ReferenceAdapter, type ReferenceCredentials } from './reference.adapter';

/** Starts the PG sandbox on 127.0.0.1:0 and answers `<origin>/sandbox` plus a closer. */
async function startSandbox(): Promise<{ base: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(pgSandboxPlugin, { prefix: '/sandbox' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}/sandbox`, close: () => app.close() };
}

/** Deterministic sandbox credentials of account `acct` (the sandbox's convention). */
function credentials(acct: string): ReferenceCredentials {
  return { userCode: `imp_sbx_${acct}`, impKey: `sbx_key_${acct}`, impSecret: `sbx_secret_${acct}` };
}

describeGatewayConformance('ReferenceAdapter', REFERENCE_DESCRIPTOR, async () => {
  const sandbox = await startSandbox();
  const acct = `conf-${randomBytes(4).toString('hex')}`;
  const run = randomBytes(3).toString('hex');
  let n = 0;
  return {
    adapter: new ReferenceAdapter({ baseUrl: `${sandbox.base}/portone`, timeoutMs: 1000, includeSandbox: true }),
    credentials: credentials(acct),
    currency: 'USD',
    refusedCurrency: 'KRW',
    // merchant_uid: at most 40 characters.
    newReference: () => `cf-${run}-${(++n).toString(36)}-${randomBytes(4).toString('hex')}`,
    declines: { hard: 'AGREEMENT_ALREADY_CANCELLED', soft: 'INSTRUMENT_DECLINED' },
    sandbox: portoneSandboxControl(sandbox.base, acct),
    buyer: portoneSandboxBuyer(sandbox.base),
    forgeWebhook: (target, status) => ({
      headers: { 'content-type': 'application/json' },
      body: { imp_uid: target.gatewayPaymentId, merchant_uid: target.reference, status },
    }),
    forgedStatus: 'cancelled',
    close: sandbox.close,
  };
});

describe('ReferenceAdapter specifics', () => {
  let sandbox: { base: string; close: () => Promise<void> };
  let adapter: ReferenceAdapter;
  let creds: ReferenceCredentials;
  let acct: string;
  const ref = () => `rs-${randomBytes(8).toString('hex')}`;
  const usd = (amount: number) => ({ amount, currency: 'USD' });

  async function ledger(reference: string): Promise<Array<Record<string, unknown>>> {
    const res = await fetch(`${sandbox.base}/portone/ledger?merchant_uid=${reference}&account=${acct}`);
    return ((await res.json()) as { data: Array<Record<string, unknown>> }).data;
  }

  async function activeKey(): Promise<string> {
    const billingKey = `key-${ref()}`;
    const reference = ref();
    const client = await adapter.issueBillingKey(creds, { billingKey, reference, buyer: { id: 'buyer-1', email: 'b@example.com' } });
    const pointer = await portoneSandboxBuyer(sandbox.base).approveBillingKey!(client as never, 'approve');
    expect(await adapter.completeBillingKey(creds, { billingKey, reference, pointer })).toMatchObject({ status: 'ACTIVE' });
    return billingKey;
  }

  beforeAll(async () => {
    sandbox = await startSandbox();
    acct = `spec-${randomBytes(4).toString('hex')}`;
    creds = credentials(acct);
    adapter = new ReferenceAdapter({ baseUrl: `${sandbox.base}/portone/`, timeoutMs: 1000, includeSandbox: true });
  });
  afterAll(() => sandbox.close());

  it('builds the loadUI request of seed 004, STC as an object', async () => {
    const client = await adapter.issueBillingKey(creds, {
      billingKey: 'key-abc',
      reference: 'issue-abc',
      buyer: { id: 'cust-1', email: 'b@example.com' },
      name: 'PayPal 등록',
      noticeUrls: ['https://merchant.example/hook', 'https://backup.example/hook'],
      customData: { plan: 'pro' },
      riskContext: { sender_account_id: 'A12345N343', sender_country_code: 'US' },
    });
    expect(client).toEqual({
      sdk: 'iamport-v1',
      init: { userCode: `imp_sbx_${acct}` },
      method: 'loadUI',
      uiType: 'paypal-rt',
      request: {
        pg: 'paypal_v2',
        pay_method: 'paypal',
        merchant_uid: 'issue-abc',
        customer_uid: 'key-abc',
        customer_id: 'cust-1',
        name: 'PayPal 등록',
        buyer_email: 'b@example.com',
        notice_url: ['https://merchant.example/hook', 'https://backup.example/hook'],
        custom_data: { plan: 'pro' },
        bypass: { paypal_v2: { additional_data: [{ key: 'sender_account_id', value: 'A12345N343' }, { key: 'sender_country_code', value: 'US' }] } },
      },
    });
    // The secret never reaches the browser.
    expect(JSON.stringify(client)).not.toContain(creds.impSecret);
    expect(JSON.stringify(client)).not.toContain(creds.impKey);
  });

  it.each([
    ['a merchant_uid over 40 characters', { reference: 'x'.repeat(41) }, 'INVALID_REFERENCE'],
    ['a customer_uid over 80 characters', { billingKey: 'k'.repeat(81) }, 'INVALID_BILLING_KEY'],
    ['no buyer id', { buyer: { id: '' } }, 'INVALID_BUYER'],
  ])('refuses to build an issuance with %s', async (_name, over, code) => {
    const outcome = await adapter.issueBillingKey(creds, { billingKey: 'key-1', reference: 'issue-1', buyer: { id: 'c' }, ...over });
    expect(outcome).toMatchObject({ status: 'NOT_SENT', reason: 'invalid_request', code, retryable: false });
  });

  it('charges in major units with STC as a JSON string, and reads the answer back exactly', async () => {
    const billingKey = await activeKey();
    const reference = ref();
    const outcome = await adapter.chargeBillingKey(creds, {
      billingKey,
      issuedAs: billingKey,
      reference,
      amount: usd(1999),
      orderName: 'Pro plan',
      buyer: { id: 'cust-1', email: 'b@example.com', firstName: 'Jo', lastName: 'Kim' },
      riskContext: { sender_account_id: 'A12345N343' },
    });
    expect(outcome).toMatchObject({ status: 'SUCCEEDED', amount: usd(1999), reference });
    const [entry] = await ledger(reference);
    expect(entry).toMatchObject({ operation: 'again', outcome: 'approved', amount: 19.99, currency: 'USD', customer_uid: billingKey, buyer_email: 'b@example.com' });
    // The sandbox refuses an object bypass, and records the parsed string.
    expect(entry.bypass).toEqual({ paypal_v2: { additional_data: [{ key: 'sender_account_id', value: 'A12345N343' }] } });
  });

  it('charges a zero-decimal currency in whole units', async () => {
    const billingKey = await activeKey();
    const reference = ref();
    expect(await adapter.chargeBillingKey(creds, { billingKey, issuedAs: billingKey, reference, amount: { amount: 1500, currency: 'JPY' }, orderName: 'Yen' })).toMatchObject({
      status: 'SUCCEEDED',
      amount: { amount: 1500, currency: 'JPY' },
    });
    expect((await ledger(reference))[0]).toMatchObject({ amount: 1500, currency: 'JPY' });
  });

  it.each([
    ['a zero amount', { amount: usd(0) }, 'INVALID_AMOUNT'],
    ['a fractional minor amount', { amount: usd(10.5) }, 'INVALID_AMOUNT'],
    ['an undeclared currency', { amount: { amount: 1000, currency: 'TWD' } }, 'CURRENCY_NOT_SUPPORTED'],
    ['a merchant_uid over 40 characters', { reference: 'r'.repeat(41) }, 'INVALID_REFERENCE'],
    ['no order name', { orderName: '' }, 'INVALID_ORDER_NAME'],
  ])('refuses a charge with %s before sending it', async (_name, over, code) => {
    const reference = ref();
    const outcome = await adapter.chargeBillingKey(creds, { billingKey: 'key-x', issuedAs: 'key-x', reference, amount: usd(1000), orderName: 'x', ...over });
    expect(outcome).toMatchObject({ status: 'NOT_SENT', reason: 'invalid_request', code, retryable: false });
    expect(await ledger(reference)).toEqual([]);
  });

  it('answers NOT_SENT (not retryable) for a key pair PortOne refuses, without echoing the secret', async () => {
    const bad = { ...creds, impSecret: 'sbx_secret_someone-else' };
    const outcome = await adapter.chargeBillingKey(bad, { billingKey: 'key-x', issuedAs: 'key-x', reference: ref(), amount: usd(1000), orderName: 'x' });
    expect(outcome).toMatchObject({ status: 'NOT_SENT', reason: 'refused_by_pg', code: 'UNAUTHORIZED', retryable: false });
    expect(JSON.stringify(outcome)).not.toContain('someone-else');
  });

  it('answers NOT_SENT (retryable) when the PG cannot be reached at all', async () => {
    const unreachable = new ReferenceAdapter({ baseUrl: 'http://127.0.0.1:9/portone', timeoutMs: 1000 });
    const charge = await unreachable.chargeBillingKey(creds, { billingKey: 'key-x', issuedAs: 'key-x', reference: ref(), amount: usd(1000), orderName: 'x' });
    expect(charge).toMatchObject({ status: 'NOT_SENT', reason: 'connection', retryable: true });
    expect(await unreachable.retrieveByReference(creds, { reference: ref(), expected: usd(1000) })).toMatchObject({ status: 'NOT_SENT' });
  });

  it('refuses to cancel a payment under another reference, and a cancel against a stale balance', async () => {
    const billingKey = await activeKey();
    const reference = ref();
    const paid = await adapter.chargeBillingKey(creds, { billingKey, issuedAs: billingKey, reference, amount: usd(1000), orderName: 'x' });
    expect(paid.status).toBe('SUCCEEDED');
    const id = (paid as { gatewayPaymentId: string }).gatewayPaymentId;
    expect(await adapter.cancel(creds, { gatewayPaymentId: id, reference: 'another-order', reason: 'x', cancelId: 'c1' })).toMatchObject({
      status: 'NOT_SENT',
      code: 'REFERENCE_MISMATCH',
    });
    expect(await adapter.cancel(creds, { gatewayPaymentId: id, reference, amount: usd(100), reason: 'x', cancelId: 'c2', refundableBalance: usd(900) })).toMatchObject({
      status: 'DECLINED',
    });
    expect(await adapter.cancel(creds, { gatewayPaymentId: id, reference, amount: { amount: 100, currency: 'EUR' }, reason: 'x', cancelId: 'c3' })).toMatchObject({
      status: 'NOT_SENT',
      code: 'CURRENCY_MISMATCH',
    });
    expect(await adapter.retrieve(creds, { gatewayPaymentId: id, expected: usd(1000) })).toMatchObject({ status: 'SUCCEEDED', refunded: usd(0) });
  });

  it.each<[string, unknown, Record<string, unknown>]>([
    ['a JSON notification', { imp_uid: 'imp_1', merchant_uid: 'order-1', status: 'paid' }, { kind: 'refetch', gatewayPaymentId: 'imp_1', reference: 'order-1' }],
    ['a form notification of a cancel', { imp_uid: 'imp_2', merchant_uid: 'order-2', status: 'cancelled', cancellation_id: 'c' }, { kind: 'refetch', gatewayPaymentId: 'imp_2' }],
    ['only a merchant_uid', { merchant_uid: 'order-3' }, { kind: 'refetch', reference: 'order-3' }],
    ['an over-long merchant_uid and no imp_uid', { merchant_uid: 'm'.repeat(41) }, { kind: 'ignore' }],
    ['numbers instead of ids', { imp_uid: 1, merchant_uid: 2 }, { kind: 'ignore' }],
  ])('parses %s into a pointer only', (_name, body, expected) => {
    const parsed = adapter.parseWebhook(creds, { headers: {}, body });
    expect(parsed).toMatchObject(expected);
    expect(parsed).not.toHaveProperty('status');
  });

  it('checks credentials by field name, never echoing values', () => {
    expect(adapter.checkCredentials({ userCode: 'imp_1', impKey: 'k', impSecret: 's' })).toEqual({ ok: true, credentials: { userCode: 'imp_1', impKey: 'k', impSecret: 's' } });
    const bad = adapter.checkCredentials({ userCode: 'imp_1', impKey: ' ', impSecret: 42 });
    expect(bad).toEqual({ ok: false, problems: ['impKey is required', 'impSecret is required'] });
    expect(adapter.checkCredentials(null)).toMatchObject({ ok: false });
  });

  it('needs a base URL', () => {
    expect(() => new ReferenceAdapter()).toThrow(GatewayInputError);
  });

  it('registers with one line and resolves through the registry', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        PgContractModule.forRoot({
          adapters: [ReferenceAdapter],
          providers: [{ provide: REFERENCE_ADAPTER_OPTIONS, useValue: { baseUrl: `${sandbox.base}/portone`, includeSandbox: true } }],
        }),
      ],
    }).compile();
    await moduleRef.init();
    const registry = moduleRef.get(GatewayRegistry);
    expect(registry.list().map((d) => d.code)).toEqual(['reference']);
    const reference = ref();
    const key = await activeKey();
    await expect(registry.require('reference', 'billingKeys').chargeBillingKey(creds, { billingKey: key, issuedAs: key, reference, amount: usd(500), orderName: 'via registry' })).resolves.toMatchObject({
      status: 'SUCCEEDED',
    });
    expect(() => registry.require('reference', 'oneTimePayments')).toThrow(GatewayCapabilityError);
    await moduleRef.close();
  });
});
