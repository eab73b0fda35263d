import { ONE_TIME_ERROR_KINDS } from '@app/pg-contract';
import { TOSS_ERROR_STATUS } from './toss-foreign-pay.errors';
import { checkTossReturn, describeTossRefusal } from './toss-foreign-pay.onetime';
import { ORDER_ERROR_STATUS } from '../orders/orders.errors';

const usd = (amount: number) => ({ amount, currency: 'USD' });

describe('toss-foreign-pay one-time specifics through the contract', () => {
  it('accepts the untampered redirect and names the paymentKey to claim (seed 000: query fields paymentKey, orderId, amount)', () => {
    expect(
      checkTossReturn({
        reference: 'tfo_order_1',
        expected: usd(5000),
        pointer: { paymentKey: 'pk_1', orderId: 'tfo_order_1', amount: '50' },
      }),
    ).toEqual({ ok: true, gatewayPaymentId: 'pk_1' });
  });

  it.each([
    [{ paymentKey: 'pk_1', orderId: 'tfo_order_1', amount: '0.50' }, 'mismatch', 'AMOUNT_MISMATCH'],
    [{ paymentKey: 'pk_1', orderId: 'tfo_other_1', amount: '50' }, 'mismatch', 'ORDER_MISMATCH'],
    [{ orderId: 'tfo_order_1', amount: '50' }, 'pointer_invalid', 'PAYMENT_KEY_MISSING'],
    [{ paymentKey: 'pk 1', orderId: 'tfo_order_1', amount: '50' }, 'pointer_invalid', 'PAYMENT_KEY_INVALID'],
  ])('refuses %j as %s (%s)', (pointer, problem, code) => {
    expect(
      checkTossReturn({ reference: 'tfo_order_1', expected: usd(5000), pointer: pointer as Record<string, string> }),
    ).toEqual({ ok: false, problem, code });
  });

  it('keeps the v1 codes: every kind prefixed with TOSS_ is a Toss code with the same HTTP status', () => {
    for (const kind of ONE_TIME_ERROR_KINDS)
      expect([kind, TOSS_ERROR_STATUS[`TOSS_${kind}`]]).toEqual([kind, ORDER_ERROR_STATUS[kind]]);
  });

  it('advises on confirm codes from the confirm table; unlisted codes by HTTP status, never permanent success', () => {
    expect(describeTossRefusal('confirm', 'NOT_FOUND_PAYMENT_SESSION')).toMatchObject({
      error: 'PAYMENT_SESSION_EXPIRED',
      listed: true,
      operatorAlert: false,
    });
    expect(describeTossRefusal('confirm', 'UNAUTHORIZED_KEY')).toMatchObject({
      error: 'GATEWAY_MISCONFIGURED',
      operatorAlert: true,
    });
    // A lookup follows (no error): ALREADY_PROCESSED_PAYMENT, 5xx codes.
    expect(describeTossRefusal('confirm', 'ALREADY_PROCESSED_PAYMENT').error).toBeUndefined();
    expect(describeTossRefusal('confirm', 'SOMETHING_NEW', 503).error).toBeUndefined();
    expect(describeTossRefusal('confirm', 'SOMETHING_NEW', 401)).toMatchObject({
      error: 'GATEWAY_MISCONFIGURED',
      listed: false,
    });
    expect(describeTossRefusal('confirm', 'SOMETHING_NEW')).toMatchObject({ error: 'PAYMENT_DECLINED', listed: false });
  });

  it('advises on fail-redirect codes: a closed window leaves the order as it was', () => {
    expect(describeTossRefusal('fail_redirect', 'PAY_PROCESS_CANCELED')).toMatchObject({
      failsOrder: false,
      listed: true,
    });
    expect(describeTossRefusal('fail_redirect', 'REJECT_CARD_COMPANY')).toMatchObject({
      failsOrder: true,
      listed: true,
    });
    expect(describeTossRefusal('fail_redirect', 'NEVER_SEEN')).toMatchObject({ failsOrder: true, listed: false });
  });

  it('advises on cancel refusals by whose fault: an unknown refusal is retried (PROVIDER_ERROR), never final', () => {
    expect(describeTossRefusal('cancel', 'NOT_ALLOWED_PARTIAL_REFUND')).toMatchObject({
      error: 'GATEWAY_MISCONFIGURED',
      operatorAlert: true,
    });
    expect(describeTossRefusal('cancel', 'ALREADY_CANCELED_PAYMENT')).toMatchObject({
      error: 'CANCEL_REFUSED',
      operatorAlert: false,
    });
    expect(describeTossRefusal('cancel', 'NEVER_SEEN')).toMatchObject({
      error: 'PROVIDER_ERROR',
      operatorAlert: false,
    });
  });
});
