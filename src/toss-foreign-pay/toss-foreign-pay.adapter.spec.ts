import { randomBytes } from 'node:crypto';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import type { ClientRequest } from '@app/pg-contract';
import { tossSandboxBuyer } from '@app/pg-contract/testing';
import { startSandbox, type RunningSandbox } from '@app/pg-sandbox/sandbox.test-harness';
import { TossClient } from '@app/toss-client';
import { TossForeignPayAdapter, type TossForeignPayCredentials } from './toss-foreign-pay.adapter';

function newAdapter(base: string): TossForeignPayAdapter {
  const http = new HttpService(axios.create() as unknown as ConstructorParameters<typeof HttpService>[0]);
  // A short timeout: the conformance timeout case waits for it.
  return new TossForeignPayAdapter(new TossClient(http, { baseUrl: `${base}/toss`, timeoutMs: 1000 }));
}

function credentials(acct: string): TossForeignPayCredentials {
  return { clientKey: `test_ck_sbx_${acct}`, secretKey: `test_sk_sbx_${acct}` };
}

// Toss orderId: 6-64 characters of [A-Za-z0-9_=-].
const newOrderId = () => `tfo_${randomBytes(10).toString('hex')}`;

describe('TossForeignPayAdapter specifics', () => {
  let sandbox: RunningSandbox;
  let adapter: TossForeignPayAdapter;
  let creds: TossForeignPayCredentials;
  let acct: string;
  const usd = (amount: number) => ({ amount, currency: 'USD' });

  const ledger = async (orderId: string) => {
    const res = await fetch(`${sandbox.base}/toss/ledger?orderId=${orderId}&account=${acct}`);
    return ((await res.json()) as { data: Array<Record<string, unknown>> }).data;
  };

  const checkout = async (orderId: string, amount = usd(5000), riskContext?: Record<string, string>) => {
    const prepared = await adapter.prepareCheckout(creds, {
      reference: orderId,
      amount,
      orderName: 'Adapter spec',
      successUrl: 'https://merchant.example/success',
      failUrl: 'https://merchant.example/fail',
      buyer: { id: 'b1', country: 'US' },
      ...(riskContext ? { riskContext } : {}),
    });
    if (!('client' in prepared)) throw new Error(JSON.stringify(prepared));
    return prepared.client;
  };

  const approve = (client: ClientRequest) =>
    tossSandboxBuyer(sandbox.base).completeCheckout!({ reference: '', amount: usd(0), client }, 'approve');

  beforeAll(async () => {
    sandbox = await startSandbox();
    acct = `tfps-${randomBytes(4).toString('hex')}`;
    creds = credentials(acct);
    adapter = newAdapter(sandbox.base);
  });
  afterAll(() => sandbox.close());
  afterEach(() => fetch(`${sandbox.base}/control/faults`, { method: 'DELETE' }));

  it('builds the requestPayment parameters of seed 000, STC as a flat object, the client key only', async () => {
    const client = await checkout('order_stc_1', usd(1999), { sender_email: 'b@example.com' });
    expect(client.init).toEqual({ clientKey: creds.clientKey });
    expect(client.request).toEqual({
      method: 'FOREIGN_EASY_PAY',
      amount: { currency: 'USD', value: 19.99 },
      orderId: 'order_stc_1',
      orderName: 'Adapter spec',
      successUrl: 'https://merchant.example/success',
      failUrl: 'https://merchant.example/fail',
      // STC inside foreignEasyPay, where the SDK's ForeignEasyPayPaymentRequest takes it (never at top level).
      foreignEasyPay: {
        provider: 'PAYPAL',
        country: 'US',
        paymentMethodOptions: { paypal: { setTransactionContext: { sender_email: 'b@example.com' } } },
      },
    });
    expect(JSON.stringify(client)).not.toContain(creds.secretKey);
    const noStc = await checkout('order_stc_2');
    expect(noStc.request).not.toHaveProperty('paymentMethodOptions');
    expect(noStc.request).toMatchObject({ foreignEasyPay: { provider: 'PAYPAL', country: 'US' } });
    expect((noStc.request as { foreignEasyPay: object }).foreignEasyPay).not.toHaveProperty('paymentMethodOptions');
  });

  it.each([
    ['lower', '49.99'],
    ['higher', '50.01'],
    ['negative', '-50'],
    ['not a number', 'fifty'],
    ['exponent', '5e1'],
    ['three decimals', '50.001'],
    ['missing', undefined],
  ])('refuses a redirect with a %s amount and sends nothing', async (_case, amount) => {
    const orderId = newOrderId();
    const redirect = await approve(await checkout(orderId));
    const pointer: Record<string, string> = { ...redirect.query };
    if (amount === undefined) delete pointer.amount;
    else pointer.amount = amount;
    const outcome = await adapter.confirm(creds, { reference: orderId, expected: usd(5000), pointer });
    expect(outcome).toMatchObject({
      status: 'NOT_SENT',
      code: 'AMOUNT_MISMATCH',
      reason: 'invalid_request',
      retryable: false,
    });
    expect(await ledger(orderId)).toEqual([]);
  });

  it('refuses a redirect for another order', async () => {
    const orderId = newOrderId();
    const redirect = await approve(await checkout(orderId));
    const outcome = await adapter.confirm(creds, {
      reference: newOrderId(),
      expected: usd(5000),
      pointer: redirect.query,
    });
    expect(outcome).toMatchObject({ status: 'NOT_SENT', code: 'ORDER_MISMATCH' });
  });

  it('answers a confirm after the 10-minute window as the hard decline NOT_FOUND_PAYMENT_SESSION', async () => {
    const orderId = newOrderId();
    const redirect = await approve(await checkout(orderId));
    await fetch(`${sandbox.base}/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advanceMs: 10 * 60_000 + 1 }),
    });
    const outcome = await adapter.confirm(creds, { reference: orderId, expected: usd(5000), pointer: redirect.query });
    expect(outcome).toMatchObject({ status: 'DECLINED', kind: 'hard', code: 'NOT_FOUND_PAYMENT_SESSION' });
  });

  it("answers another order's paymentKey in the redirect as the buyer's input (PAYMENT_KEY_MISMATCH), never our configuration", async () => {
    const orderId = newOrderId();
    const other = newOrderId();
    const mine = await approve(await checkout(orderId));
    const theirs = await approve(await checkout(other));
    const outcome = await adapter.confirm(creds, {
      reference: orderId,
      expected: usd(5000),
      pointer: { ...mine.query, paymentKey: theirs.query.paymentKey },
    });
    expect(outcome).toMatchObject({
      status: 'NOT_SENT',
      reason: 'invalid_request',
      code: 'PAYMENT_KEY_MISMATCH',
      retryable: false,
    });
    // Refused at Toss (FORBIDDEN_REQUEST, seed 000) and confirmed nothing; the genuine redirect still pays.
    expect((await ledger(orderId)).map((e) => [e.operation, e.outcome, e.code])).toEqual([
      ['confirm', 'refused', 'FORBIDDEN_REQUEST'],
    ]);
    expect(
      await adapter.confirm(creds, { reference: orderId, expected: usd(5000), pointer: mine.query }),
    ).toMatchObject({ status: 'SUCCEEDED' });
  });

  it('keeps FORBIDDEN_REQUEST a configuration refusal when the key is not provably another order’s', async () => {
    const orderId = newOrderId();
    const redirect = await approve(await checkout(orderId));
    await fetch(`${sandbox.base}/control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        gateway: 'toss',
        operation: 'confirm',
        match: { orderId },
        fault: { type: 'http_error', status: 403, code: 'FORBIDDEN_REQUEST' },
      }),
    });
    const outcome = await adapter.confirm(creds, { reference: orderId, expected: usd(5000), pointer: redirect.query });
    expect(outcome).toMatchObject({
      status: 'NOT_SENT',
      reason: 'refused_by_pg',
      code: 'FORBIDDEN_REQUEST',
      retryable: false,
    });
  });

  it('refuses a blank cancel reason before sending anything', async () => {
    const outcome = await adapter.cancel(creds, {
      gatewayPaymentId: 'pk_x',
      reference: newOrderId(),
      reason: '   ',
      cancelId: 'c-blank-1',
    });
    expect(outcome).toMatchObject({
      status: 'NOT_SENT',
      reason: 'invalid_request',
      code: 'INVALID_REASON',
      retryable: false,
    });
  });

  it('answers wrong keys as NOT_SENT (our configuration), never as a decline', async () => {
    const orderId = newOrderId();
    const redirect = await approve(await checkout(orderId));
    const outcome = await adapter.confirm(
      { ...creds, secretKey: 'test_sk_not_a_sandbox_key' },
      { reference: orderId, expected: usd(5000), pointer: redirect.query },
    );
    expect(outcome).toMatchObject({ status: 'NOT_SENT', reason: 'refused_by_pg', code: 'UNAUTHORIZED_KEY' });
    expect(JSON.stringify(outcome)).not.toContain('test_sk_not_a_sandbox_key');
  });

  it('sends currency with a partial cancel and omits the amount for a full one', async () => {
    const orderId = newOrderId();
    const redirect = await approve(await checkout(orderId, usd(1000)));
    const paid = await adapter.confirm(creds, { reference: orderId, expected: usd(1000), pointer: redirect.query });
    expect(paid.status).toBe('SUCCEEDED');
    const id = (paid as { gatewayPaymentId: string }).gatewayPaymentId;
    const part = await adapter.cancel(creds, {
      gatewayPaymentId: id,
      reference: orderId,
      amount: usd(250),
      reason: 'part',
      cancelId: 'c-part-1',
    });
    expect(part).toMatchObject({ status: 'PENDING', requested: usd(250) });
    const rest = await adapter.cancel(creds, {
      gatewayPaymentId: id,
      reference: orderId,
      reason: 'rest',
      cancelId: 'c-rest-1',
    });
    expect(rest.status).toBe('PENDING');
    const cancels = (await ledger(orderId)).filter((e) => e.operation === 'cancel');
    expect(cancels).toHaveLength(2);
    expect(cancels[0]).toMatchObject({ cancelAmount: 2.5, currency: 'USD', outcome: 'in_progress' });
    expect(cancels[1]).toMatchObject({ outcome: 'in_progress' });
    expect(cancels[1]).not.toHaveProperty('cancelAmount');
    await sandbox.sandbox.idle();
    const inspected = await adapter.inspect(creds, { gatewayPaymentId: id }, usd(1000), orderId);
    expect(inspected.outcome).toMatchObject({ status: 'SUCCEEDED', refunded: usd(1000), rawStatus: 'CANCELED' });
    expect(inspected.cancels.map((c) => [c.amount.amount, c.state])).toEqual([
      [250, 'SUCCEEDED'],
      [750, 'SUCCEEDED'],
    ]);
  });

  it('points a cancel webhook at its cancel (and payment when named), claims without applying, never throws on junk', () => {
    const cancel = adapter.parseWebhook(creds, {
      headers: { 'tosspayments-webhook-transmission-id': 'wh-1' },
      body: {
        eventType: 'CANCEL_STATUS_CHANGED',
        createdAt: '2026-01-01T00:00:00.000000',
        data: { transactionKey: 'tx1', cancelStatus: 'DONE' },
      },
    });
    expect(cancel).toEqual({
      kind: 'refetch',
      event: 'CANCEL_STATUS_CHANGED',
      dedupKey: 'wh-1',
      cancel: { gatewayCancelId: 'tx1', rawStatus: 'DONE' },
    });
    const payment = adapter.parseWebhook(creds, {
      headers: {},
      body: {
        eventType: 'PAYMENT_STATUS_CHANGED',
        createdAt: '2026-01-01T00:00:00.000000',
        data: { paymentKey: 'pk1', orderId: 'o-0001', status: 'CANCELED' },
      },
    });
    expect(payment).toEqual({
      kind: 'refetch',
      gatewayPaymentId: 'pk1',
      reference: 'o-0001',
      event: 'PAYMENT_STATUS_CHANGED',
      claim: { rawStatus: 'CANCELED', cancelCount: 0 },
    });
    expect(payment).not.toHaveProperty('status');
    const withKey = adapter.parseWebhook(creds, {
      headers: { 'tosspayments-webhook-transmission-id': 'wh-2' },
      body: {
        eventType: 'CANCEL_STATUS_CHANGED',
        createdAt: '2026-01-01T00:00:00.000000',
        data: { transactionKey: 'tx1', cancelStatus: 'DONE', paymentKey: 'pk1' },
      },
    });
    expect(withKey).toEqual({
      kind: 'refetch',
      gatewayPaymentId: 'pk1',
      event: 'CANCEL_STATUS_CHANGED',
      dedupKey: 'wh-2',
      cancel: { gatewayCancelId: 'tx1', rawStatus: 'DONE' },
    });
    expect(adapter.parseWebhook(creds, { headers: {}, body: '{not json' }).kind).toBe('ignore');
  });

  it('checks credentials by name, never echoing values', () => {
    expect(adapter.checkCredentials({ clientKey: 'test_ck_x', secretKey: 'test_sk_y' })).toEqual({
      ok: true,
      credentials: { clientKey: 'test_ck_x', secretKey: 'test_sk_y' },
    });
    const bad = adapter.checkCredentials({ clientKey: 'nope', secretKey: 'super-secret-value' });
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).not.toContain('super-secret-value');
  });
});
