import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { pgSandboxPlugin } from '@app/pg-sandbox';
import type { CheckoutPreparation } from '../pg.adapter';
import {
  landingPointer,
  portoneSandboxBuyer,
  portoneSandboxControl,
  tossSandboxBuyer,
  tossSandboxControl,
} from './pg.sandbox-control';

/**
 * The sandbox drivers against the real sandbox, without any adapter: the presets must aim faults, ledgers and
 * settlements at what the sandbox actually does, or every adapter's conformance run would test nothing.
 */
describe('sandbox drivers', () => {
  let app: FastifyInstance;
  let base: string;
  const acct = () => `drv-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    app = Fastify({ logger: false });
    await app.register(pgSandboxPlugin, { prefix: '/sandbox' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/sandbox`;
  });
  afterAll(() => app.close());

  const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as Record<string, any> };
  };

  describe('Toss', () => {
    const secretAuth = (a: string) => ({
      authorization: `Basic ${Buffer.from(`test_sk_sbx_${a}:`).toString('base64')}`,
    });
    const checkout = (a: string, orderId: string): CheckoutPreparation => ({
      reference: orderId,
      amount: { amount: 1050, currency: 'USD' },
      client: {
        sdk: 'tosspayments-v2',
        init: { clientKey: `test_ck_sbx_${a}` },
        method: 'requestPayment',
        request: {
          method: 'FOREIGN_EASY_PAY',
          amount: { currency: 'USD', value: 10.5 },
          orderId,
          orderName: 'Driver test',
          successUrl: 'https://merchant.example/success',
          failUrl: 'https://merchant.example/fail',
          foreignEasyPay: { provider: 'PAYPAL', country: 'US' },
        },
      },
    });

    it('drives the buyer, aims a confirm fault at one orderId, and counts only approved confirms', async () => {
      const a = acct();
      const control = tossSandboxControl(base, a);
      const buyer = tossSandboxBuyer(base);
      const declinedOrder = `ord-${randomBytes(6).toString('hex')}`;
      const okOrder = `ord-${randomBytes(6).toString('hex')}`;

      const fail = await buyer.completeCheckout!(checkout(a, declinedOrder), 'cancel');
      expect(fail).toEqual({ success: false, query: expect.objectContaining({ code: 'PAY_PROCESS_CANCELED' }) });

      const declined = await buyer.completeCheckout!(checkout(a, declinedOrder), 'approve');
      expect(declined.success).toBe(true);
      expect(declined.query).toMatchObject({ orderId: declinedOrder, amount: '10.5', paymentType: 'NORMAL' });
      const ok = await buyer.completeCheckout!(checkout(a, okOrder), 'approve');

      await control.injectFault(
        'confirm',
        { type: 'decline', code: 'REJECT_CARD_COMPANY' },
        { reference: declinedOrder },
      );
      // The fault is aimed at one orderId: the other confirm goes through untouched.
      const okConfirm = await post(
        `${base}/toss/v1/payments/confirm`,
        { paymentKey: ok.query.paymentKey, orderId: okOrder, amount: 10.5 },
        secretAuth(a),
      );
      expect(okConfirm.status).toBe(200);
      const bad = await post(
        `${base}/toss/v1/payments/confirm`,
        { paymentKey: declined.query.paymentKey, orderId: declinedOrder, amount: 10.5 },
        secretAuth(a),
      );
      expect(bad.json.code).toBe('REJECT_CARD_COMPANY');

      expect(await control.charges(okOrder)).toHaveLength(1);
      expect(await control.charges(declinedOrder)).toHaveLength(0);
      expect((await control.ledger(declinedOrder)).map((e) => e.outcome)).toEqual(['declined']);

      // Toss foreign-easy-pay cancels are asynchronous: held by a pending fault, finished by settleCancels.
      await control.injectFault('cancel', { type: 'pending' });
      const cancel = await post(
        `${base}/toss/v1/payments/${ok.query.paymentKey}/cancel`,
        { cancelReason: 'driver' },
        secretAuth(a),
      );
      expect(cancel.json.cancels[0].cancelStatus).toBe('IN_PROGRESS');
      expect(await control.settleCancels(ok.query.paymentKey, 'done')).toBe(true);
      expect(await control.settleCancels(ok.query.paymentKey, 'done')).toBe(false);
      const after = await fetch(`${base}/toss/v1/payments/${ok.query.paymentKey}`, { headers: secretAuth(a) });
      expect(((await after.json()) as { status: string }).status).toBe('CANCELED');
      await control.clearFaults();
    });
  });

  describe('PortOne', () => {
    it('issues through the buyer window, aims faults by merchant_uid and settles pending payments', async () => {
      const a = acct();
      const control = portoneSandboxControl(base, a);
      const pointer = await portoneSandboxBuyer(base).approveBillingKey!(
        {
          sdk: 'iamport-v1',
          init: { userCode: `imp_sbx_${a}` },
          method: 'loadUI',
          uiType: 'paypal-rt',
          request: { pg: 'paypal_v2', pay_method: 'paypal', merchant_uid: 'issue-1', customer_uid: 'key-1' },
        },
        'approve',
      );
      expect(pointer).toEqual({ imp_uid: expect.stringMatching(/^imp_\d+$/), merchant_uid: 'issue-1' });
      const token = (
        await post(`${base}/portone/users/getToken`, { imp_key: `sbx_key_${a}`, imp_secret: `sbx_secret_${a}` })
      ).json.response.access_token as string;
      const again = (merchant_uid: string) =>
        post(
          `${base}/portone/subscribe/payments/again`,
          { customer_uid: 'key-1', merchant_uid, currency: 'USD', amount: 5, name: 'driver' },
          { authorization: `Bearer ${token}` },
        );

      await control.injectFault('charge', { type: 'pending' }, { reference: 'held' });
      expect((await again('free')).json.response.status).toBe('paid');
      const held = (await again('held')).json.response;
      expect(held.status).toBe('failed');
      expect(await control.charges('held')).toHaveLength(1);
      expect(await control.charges('free')).toHaveLength(1);
      await control.settlePayment(held.imp_uid, 'paid');
      expect((await control.ledger('held')).map((e) => `${e.operation}:${e.outcome}`)).toEqual([
        'again:pending',
        'settlement:approved',
      ]);

      await control.injectFault('lookup', { type: 'http_error', status: 503 }, { times: 3 });
      const lookup = await fetch(`${base}/portone/payments/${held.imp_uid}?include_sandbox=true`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(lookup.status).toBe(503);
      await control.clearFaults();
      const clean = await fetch(`${base}/portone/payments/${held.imp_uid}?include_sandbox=true`, {
        headers: { authorization: `Bearer ${token}` },
      });
      expect(clean.status).toBe(200);

      await control.advanceClock(1000);
      await expect(control.injectFault('confirm', { type: 'reset_before' })).rejects.toThrow(
        /no operation for flow confirm/,
      );
    });
  });

  describe('landingPointer (redirect billing-key flows)', () => {
    const approval = {
      billingKey: 'bk_1',
      reference: 'ref-1',
      flow: 'redirect' as const,
      returnUrl: 'https://m.example/v1/billing-keys/bk_1/return',
      failUrl: 'https://m.example/v1/billing-keys/bk_1/fail',
    };

    it('answers the query of our return or fail route', () => {
      expect(
        landingPointer('https://m.example/v1/billing-keys/bk_1/return?authKey=a1&customerKey=bk_1', approval),
      ).toEqual({ authKey: 'a1', customerKey: 'bk_1' });
      expect(
        landingPointer('https://m.example/v1/billing-keys/bk_1/fail?code=PAY_PROCESS_CANCELED&message=x', approval),
      ).toEqual({ code: 'PAY_PROCESS_CANCELED', message: 'x' });
    });

    it('refuses a landing anywhere else', () => {
      expect(() => landingPointer('https://evil.example/v1/billing-keys/bk_1/return?authKey=a1', approval)).toThrow(
        /not to our return or fail route/,
      );
      expect(() => landingPointer('https://m.example/v1/billing-keys/bk_2/return?authKey=a1', approval)).toThrow(
        /not to our return or fail route/,
      );
      expect(() =>
        landingPointer('https://m.example/x', { ...approval, returnUrl: undefined, failUrl: undefined }),
      ).toThrow(/not to our return or fail route/);
    });
  });
});
