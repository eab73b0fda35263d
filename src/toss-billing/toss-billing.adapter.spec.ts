import { randomUUID } from 'node:crypto';
import { descriptorProblems, type ClientRequest, type PaymentOutcome } from '@app/pg-contract';
import { TossBillingAdapter, TOSS_BILLING_DESCRIPTOR } from './toss-billing.adapter';
import { startTossBillingSandbox, type TossBillingSandboxHarness } from './toss-billing.test-harness';
import type { BillingKeyActiveOutcome, ChargeBillingKeyInput } from '@app/pg-contract';
import type { TossBillingCredentials } from './toss-billing.types';

// The adapter against its own sandbox plugin over real HTTP (bare Fastify on a loopback port).
describe('TossBillingAdapter (against the toss-billing sandbox)', () => {
  let sbx: TossBillingSandboxHarness;
  let adapter: TossBillingAdapter;
  let creds: TossBillingCredentials;
  const account = `acct-${randomUUID().slice(0, 8)}`;
  const ref = () => `ord-${randomUUID()}`;
  const krw = (amount: number) => ({ amount, currency: 'KRW' });
  const buyer = { id: 'cus_1', email: 'kim@example.com', firstName: '토스', lastName: '김' };
  const urls = {
    returnUrl: 'https://api.example/v1/billing-keys/bk_1/return',
    failUrl: 'https://api.example/v1/billing-keys/bk_1/fail',
  };

  beforeAll(async () => {
    sbx = await startTossBillingSandbox();
    adapter = new TossBillingAdapter({ baseUrl: sbx.base, timeoutMs: 800 });
    creds = sbx.credentials(account);
  });
  afterEach(() => sbx.clearFaults());
  afterAll(async () => {
    adapter.onModuleDestroy();
    await sbx.close();
  });

  async function issue(outcome: 'approve' | 'cancel' | 'decline' = 'approve') {
    const customerKey = `ck_${randomUUID()}`;
    const checkout = (await adapter.issueBillingKey(creds, {
      billingKey: customerKey,
      reference: ref(),
      buyer,
      ...urls,
    })) as ClientRequest;
    const pointer = await sbx.buyer(checkout, outcome);
    const result = await adapter.completeBillingKey(creds, { billingKey: customerKey, reference: 'r', pointer });
    return { customerKey, checkout, pointer, result };
  }

  async function activeKey() {
    const { customerKey, result } = await issue();
    expect(result.status).toBe('ACTIVE');
    return { customerKey, gatewayKey: (result as BillingKeyActiveOutcome).gatewayBillingKey as string };
  }

  it('declares a redirect card gateway in KRW that cannot delete keys', () => {
    expect(TOSS_BILLING_DESCRIPTOR).toMatchObject({
      code: 'toss-billing',
      paymentMethod: 'card',
      capabilities: {
        billingKeys: true,
        billingKeyFlow: 'redirect',
        billingKeyDeletion: false,
        cancel: true,
        partialCancel: true,
        webhookKind: 'unsigned',
        currencies: ['KRW'],
      },
    });
    expect(typeof (adapter as unknown as Record<string, unknown>).deleteBillingKey).toBe('undefined');
    expect(descriptorProblems(TOSS_BILLING_DESCRIPTOR)).toEqual([]);
  });

  it('validates credentials with its own schema and never echoes them', () => {
    expect(adapter.checkCredentials({ clientKey: 'test_ck_abc', secretKey: 'test_sk_def' })).toEqual({
      ok: true,
      credentials: { clientKey: 'test_ck_abc', secretKey: 'test_sk_def' },
    });
    const bad = adapter.checkCredentials({ clientKey: 'live_ck_abc', secretKey: 'test_sk_SECRET' });
    expect(bad.ok).toBe(false);
    expect(JSON.stringify(bad)).not.toContain('SECRET');
    expect(adapter.checkCredentials({ clientKey: 'pk_x', secretKey: 'sk_x' })).toMatchObject({
      ok: false,
      problems: [expect.stringContaining('clientKey'), expect.stringContaining('secretKey')],
    });
    expect(adapter.checkCredentials(null).ok).toBe(false);
  });

  it('builds the v1.1 requestBillingAuth checkout: init { clientKey, customerKey }, our return routes', async () => {
    const checkout = await adapter.issueBillingKey(creds, {
      billingKey: 'bk_minted_1',
      reference: 'r1',
      buyer,
      ...urls,
    });
    expect(checkout).toEqual({
      sdk: 'tosspayments-v2',
      init: { clientKey: creds.clientKey, customerKey: 'bk_minted_1' },
      method: 'requestBillingAuth',
      request: {
        method: 'CARD',
        successUrl: urls.returnUrl,
        failUrl: urls.failUrl,
        customerEmail: 'kim@example.com',
        customerName: '토스 김',
      },
    });
    expect(JSON.stringify(checkout)).not.toContain(creds.secretKey);
  });

  it('refuses to build a redirect checkout without return URLs or with an invalid customerKey', async () => {
    expect(await adapter.issueBillingKey(creds, { billingKey: 'bk_1', reference: 'r', buyer })).toMatchObject({
      status: 'NOT_SENT',
      code: 'RETURN_URL_REQUIRED',
    });
    expect(
      await adapter.issueBillingKey(creds, { billingKey: 'bad key!', reference: 'r', buyer, ...urls }),
    ).toMatchObject({ status: 'NOT_SENT', code: 'INVALID_CUSTOMER_KEY' });
  });

  it('completes a key from the success redirect: ACTIVE with the key Toss minted, idempotent', async () => {
    const { customerKey, pointer, result } = await issue();
    expect(pointer).toEqual({ customerKey, authKey: expect.any(String) });
    expect(result).toMatchObject({ status: 'ACTIVE', billingKey: customerKey, gatewayBillingKey: expect.any(String) });
    const gatewayKey = (result as BillingKeyActiveOutcome).gatewayBillingKey;
    expect(gatewayKey).not.toBe(customerKey);
    // The same redirect again (a refreshed return page) yields the same key, not a second issuance or a failure.
    const again = await adapter.completeBillingKey(creds, { billingKey: customerKey, reference: 'r', pointer });
    expect(again).toMatchObject({ status: 'ACTIVE', gatewayBillingKey: gatewayKey });
    expect(
      (await sbx.ledger({ account })).filter((e) => e.operation === 'issueBillingKey' && e.customerKey === customerKey),
    ).toHaveLength(1);
  });

  it('does not activate a key from another issuance redirect, nor from the fail redirect', async () => {
    const other = await issue();
    const customerKey = `ck_${randomUUID()}`;
    expect(
      await adapter.completeBillingKey(creds, { billingKey: customerKey, reference: 'r', pointer: other.pointer }),
    ).toMatchObject({ status: 'FAILED', code: 'REFERENCE_MISMATCH' });
    // The fail redirect's query cannot be verified with Toss: FAILED, but as a pointer failure (the core keeps the key
    // pending), so a forged `/return?code=…` cannot fail a genuine issuance. Toss's code stays in the message.
    const cancelled = await issue('cancel');
    expect(cancelled.pointer.code).toBe('PAY_PROCESS_CANCELED');
    expect(cancelled.result).toMatchObject({
      status: 'FAILED',
      code: 'INVALID_POINTER',
      message: expect.stringContaining('PAY_PROCESS_CANCELED'),
    });
    expect((await issue('decline')).result).toMatchObject({
      status: 'FAILED',
      code: 'INVALID_POINTER',
      message: expect.stringContaining('REJECT_CARD_COMPANY'),
    });
  });

  it('answers a made-up authKey for the right customerKey as a pointer failure, never as a failed issuance', async () => {
    const customerKey = `ck_${randomUUID()}`;
    const forged = await adapter.completeBillingKey(creds, {
      billingKey: customerKey,
      reference: 'r',
      pointer: { customerKey, authKey: 'made-up-auth-key' },
    });
    expect(forged).toMatchObject({ status: 'FAILED', code: 'INVALID_POINTER' });
    // Toss was asked (and refused): nothing was issued.
    expect(
      (await sbx.ledger({ account })).filter(
        (e) => e.operation === 'issueBillingKey' && e.customerKey === customerKey && e.outcome === 'issued',
      ),
    ).toEqual([]);
    expect(
      await adapter.completeBillingKey(creds, { billingKey: customerKey, reference: 'r', pointer: { customerKey } }),
    ).toMatchObject({ status: 'FAILED', code: 'INVALID_POINTER' });
  });

  it("charges Toss's key for the customerKey it was issued to, in whole won, once per reference", async () => {
    const { customerKey, gatewayKey } = await activeKey();
    const reference = ref();
    const input = {
      billingKey: gatewayKey,
      issuedAs: customerKey,
      reference,
      amount: krw(9900),
      orderName: 'Monthly plan',
      buyer,
    };
    const outcome = await adapter.chargeBillingKey(creds, input);
    expect(outcome).toMatchObject({
      status: 'SUCCEEDED',
      reference,
      amount: krw(9900),
      refunded: krw(0),
      rawStatus: 'DONE',
    });
    const replay = await adapter.chargeBillingKey(creds, input);
    expect(replay).toMatchObject({
      status: 'SUCCEEDED',
      gatewayPaymentId: (outcome as { gatewayPaymentId: string }).gatewayPaymentId,
    });
    const charges = (await sbx.ledger({ account, orderId: reference })).filter(
      (e) => e.operation === 'chargeBillingKey' && e.outcome === 'approved',
    );
    expect(charges).toHaveLength(1);
    expect(charges[0]).toMatchObject({
      billingKey: gatewayKey,
      customerKey,
      amount: 9900,
      orderId: reference,
      orderName: 'Monthly plan',
      currency: 'KRW',
    });
  });

  it('refuses to charge without issuedAs, with our customerKey as the key, or in a currency Toss billing does not take, before sending anything', async () => {
    const { customerKey, gatewayKey } = await activeKey();
    const reference = ref();
    expect(
      await adapter.chargeBillingKey(creds, {
        billingKey: gatewayKey,
        reference,
        amount: krw(1000),
        orderName: 'x',
      } as unknown as ChargeBillingKeyInput),
    ).toMatchObject({ status: 'NOT_SENT', code: 'ISSUED_AS_REQUIRED' });
    expect(
      await adapter.chargeBillingKey(creds, {
        billingKey: customerKey,
        issuedAs: customerKey,
        reference,
        amount: krw(1000),
        orderName: 'x',
      }),
    ).toMatchObject({
      status: 'NOT_SENT',
      code: 'GATEWAY_BILLING_KEY_REQUIRED',
    });
    expect(
      await adapter.chargeBillingKey(creds, {
        billingKey: gatewayKey,
        issuedAs: customerKey,
        reference,
        amount: { amount: 1000, currency: 'USD' },
        orderName: 'x',
      }),
    ).toMatchObject({
      status: 'NOT_SENT',
      code: 'CURRENCY_NOT_SUPPORTED',
    });
    expect(await sbx.ledger({ account, orderId: reference })).toEqual([]);
  });

  it('reports a charge whose answer never came as UNKNOWN, resolves it by reference, and never charges twice', async () => {
    const { customerKey, gatewayKey } = await activeKey();
    const reference = ref();
    await sbx.fault('chargeBillingKey', { type: 'timeout_after_commit' }, { orderId: reference });
    const input = { billingKey: gatewayKey, issuedAs: customerKey, reference, amount: krw(5000), orderName: 'Plan' };
    expect(await adapter.chargeBillingKey(creds, input)).toMatchObject({ status: 'UNKNOWN', reason: 'timeout' });
    expect(await adapter.retrieveByReference(creds, { reference, expected: krw(5000) })).toMatchObject({
      status: 'SUCCEEDED',
      reference,
    });
    // The core re-sending the same charge: the Idempotency-Key returns the first payment.
    expect(await adapter.chargeBillingKey(creds, input)).toMatchObject({ status: 'SUCCEEDED', reference });
    expect((await sbx.ledger({ account, orderId: reference })).filter((e) => e.outcome === 'approved')).toHaveLength(1);
  });

  it('answers a 5xx as UNKNOWN (never a decline)', async () => {
    const { customerKey, gatewayKey } = await activeKey();
    const reference = ref();
    await sbx.fault('chargeBillingKey', { type: 'http_error', status: 500 }, { orderId: reference });
    expect(
      await adapter.chargeBillingKey(creds, {
        billingKey: gatewayKey,
        issuedAs: customerKey,
        reference,
        amount: krw(1000),
        orderName: 'x',
      }),
    ).toMatchObject({ status: 'UNKNOWN', reason: 'server_error' });
  });

  it.each([
    ['INVALID_CARD_EXPIRATION', 'hard'],
    ['REJECT_CARD_COMPANY', 'soft'],
    ['SOME_NEW_TOSS_CODE', 'soft'],
  ])('maps a %s card refusal to a %s decline and charges nothing', async (code, kind) => {
    const { customerKey, gatewayKey } = await activeKey();
    const reference = ref();
    await sbx.fault('chargeBillingKey', { type: 'decline', code }, { orderId: reference });
    const outcome = await adapter.chargeBillingKey(creds, {
      billingKey: gatewayKey,
      issuedAs: customerKey,
      reference,
      amount: krw(1000),
      orderName: 'x',
    });
    expect(outcome).toMatchObject({ status: 'DECLINED', kind, code });
    expect((await sbx.ledger({ account, orderId: reference })).filter((e) => e.outcome === 'approved')).toHaveLength(0);
  });

  it("never declines the buyer's card for the merchant's keys: wrong keys are NOT_SENT", async () => {
    const { customerKey, gatewayKey } = await activeKey();
    const wrong = { clientKey: 'test_ck_sbx_x', secretKey: 'test_sk_sbx_foreign-pay-mid' };
    const outcome: PaymentOutcome = await adapter.chargeBillingKey(wrong, {
      billingKey: gatewayKey,
      issuedAs: customerKey,
      reference: ref(),
      amount: krw(1000),
      orderName: 'x',
    });
    expect(outcome).toMatchObject({ status: 'NOT_SENT', reason: 'refused_by_pg', code: 'UNAUTHORIZED_KEY' });
    expect(JSON.stringify(outcome)).not.toContain('foreign-pay-mid');
  });

  it('resolves a re-sent orderId (DUPLICATED_ORDER_ID) by looking the payment up', async () => {
    const { customerKey, gatewayKey } = await activeKey();
    const reference = ref();
    const first = await adapter.chargeBillingKey(creds, {
      billingKey: gatewayKey,
      issuedAs: customerKey,
      reference,
      amount: krw(3000),
      orderName: 'x',
    });
    // A different Idempotency-Key cannot come from the adapter; simulate another process re-sending the orderId.
    const res = await fetch(`${sbx.base}/v1/billing/${gatewayKey}`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${creds.secretKey}:`).toString('base64')}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ customerKey, amount: 3000, orderId: reference, orderName: 'x' }),
    });
    expect(await res.json()).toMatchObject({ code: 'DUPLICATED_ORDER_ID' });
    await sbx.fault(
      'chargeBillingKey',
      { type: 'http_error', status: 400, code: 'DUPLICATED_ORDER_ID' },
      { orderId: reference },
    );
    const again = await adapter.chargeBillingKey(creds, {
      billingKey: gatewayKey,
      issuedAs: customerKey,
      reference,
      amount: krw(3000),
      orderName: 'x',
    });
    expect(again).toMatchObject({
      status: 'SUCCEEDED',
      gatewayPaymentId: (first as { gatewayPaymentId: string }).gatewayPaymentId,
    });
  });

  it('retrieves by paymentKey and orderId, checks the amount, and reports NOT_FOUND', async () => {
    const { customerKey, gatewayKey } = await activeKey();
    const reference = ref();
    const paid = (await adapter.chargeBillingKey(creds, {
      billingKey: gatewayKey,
      issuedAs: customerKey,
      reference,
      amount: krw(1200),
      orderName: 'x',
    })) as { gatewayPaymentId: string };
    expect(
      await adapter.retrieve(creds, { gatewayPaymentId: paid.gatewayPaymentId, expected: krw(1200), reference }),
    ).toMatchObject({ status: 'SUCCEEDED' });
    expect(
      await adapter.retrieve(creds, { gatewayPaymentId: paid.gatewayPaymentId, expected: krw(1300) }),
    ).toMatchObject({ status: 'MISMATCH', field: 'amount' });
    expect(await adapter.retrieveByReference(creds, { reference: ref(), expected: krw(1200) })).toMatchObject({
      status: 'NOT_FOUND',
      code: 'NOT_FOUND_PAYMENT',
    });
    await sbx.fault('getPayment', { type: 'http_error', status: 403, code: 'SOMETHING_ELSE' });
    expect(
      await adapter.retrieve(creds, { gatewayPaymentId: paid.gatewayPaymentId, expected: krw(1200) }),
    ).toMatchObject({ status: 'UNKNOWN' });
  });

  it('cancels in part then in full, reporting the refunded totals', async () => {
    const { customerKey, gatewayKey } = await activeKey();
    const reference = ref();
    const paid = (await adapter.chargeBillingKey(creds, {
      billingKey: gatewayKey,
      issuedAs: customerKey,
      reference,
      amount: krw(1000),
      orderName: 'x',
    })) as { gatewayPaymentId: string };
    const id = paid.gatewayPaymentId;
    const part = await adapter.cancel(creds, {
      gatewayPaymentId: id,
      reference,
      amount: krw(300),
      reason: 'partial',
      cancelId: 'c1',
    });
    expect(part).toMatchObject({
      status: 'SUCCEEDED',
      refunded: krw(300),
      totalRefunded: krw(300),
      remaining: krw(700),
      rawStatus: 'PARTIAL_CANCELED',
    });
    // Same cancelId again: the Idempotency-Key answers the first cancel, nothing more is refunded.
    expect(
      await adapter.cancel(creds, {
        gatewayPaymentId: id,
        reference,
        amount: krw(300),
        reason: 'partial',
        cancelId: 'c1',
      }),
    ).toMatchObject({ totalRefunded: krw(300) });
    const rest = await adapter.cancel(creds, { gatewayPaymentId: id, reference, reason: 'rest', cancelId: 'c2' });
    expect(rest).toMatchObject({
      status: 'SUCCEEDED',
      refunded: krw(700),
      totalRefunded: krw(1000),
      remaining: krw(0),
      rawStatus: 'CANCELED',
    });
    expect(await adapter.retrieve(creds, { gatewayPaymentId: id, expected: krw(1000) })).toMatchObject({
      status: 'SUCCEEDED',
      refunded: krw(1000),
    });
    expect(
      await adapter.cancel(creds, { gatewayPaymentId: id, reference, reason: 'again', cancelId: 'c3' }),
    ).toMatchObject({ status: 'DECLINED', code: 'ALREADY_CANCELED_PAYMENT' });
  });

  it('reports a cancel Toss has not finished as PENDING, and a timed-out cancel as UNKNOWN', async () => {
    const { customerKey, gatewayKey } = await activeKey();
    const reference = ref();
    const { gatewayPaymentId: id } = (await adapter.chargeBillingKey(creds, {
      billingKey: gatewayKey,
      issuedAs: customerKey,
      reference,
      amount: krw(2000),
      orderName: 'x',
    })) as { gatewayPaymentId: string };
    await sbx.fault('cancel', { type: 'pending' }, { paymentKey: id });
    expect(await adapter.cancel(creds, { gatewayPaymentId: id, reference, reason: 'p', cancelId: 'p1' })).toMatchObject(
      { status: 'PENDING', requested: krw(2000) },
    );
    expect(await adapter.retrieve(creds, { gatewayPaymentId: id, expected: krw(2000) })).toMatchObject({
      status: 'SUCCEEDED',
      refunded: krw(0),
    });
    expect(await sbx.settleCancels(id, 'done')).toBe(200);
    expect(await adapter.retrieve(creds, { gatewayPaymentId: id, expected: krw(2000) })).toMatchObject({
      refunded: krw(2000),
      rawStatus: 'CANCELED',
    });

    const other = (await adapter.chargeBillingKey(creds, {
      billingKey: gatewayKey,
      issuedAs: customerKey,
      reference: ref(),
      amount: krw(2000),
      orderName: 'x',
    })) as { gatewayPaymentId: string };
    await sbx.fault('cancel', { type: 'timeout_after_commit' }, { paymentKey: other.gatewayPaymentId });
    expect(
      await adapter.cancel(creds, { gatewayPaymentId: other.gatewayPaymentId, reference, reason: 't', cancelId: 't1' }),
    ).toMatchObject({ status: 'UNKNOWN', reason: 'timeout' });
  });

  it('treats a webhook as a pointer to re-fetch, whatever status it carries', () => {
    const parsed = adapter.parseWebhook(creds, {
      headers: { 'tosspayments-webhook-transmission-id': 'wh_1' },
      body: {
        eventType: 'PAYMENT_STATUS_CHANGED',
        data: { paymentKey: 'tbpay_1', orderId: 'order-123', status: 'DONE' },
      },
    });
    expect(parsed).toEqual({
      kind: 'refetch',
      gatewayPaymentId: 'tbpay_1',
      reference: 'order-123',
      event: 'PAYMENT_STATUS_CHANGED',
      dedupKey: 'wh_1',
    });
    expect(parsed).not.toHaveProperty('status');
    expect(adapter.parseWebhook(creds, { headers: {}, body: 'nonsense' })).toMatchObject({ kind: 'ignore' });
  });
});
