import type { Clock } from '../clock/clock';
import type { AppConfig } from '../config/configuration';
import type { CustomersService } from '../customers/customers.service';
import type { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import type { MerchantsService } from '../merchants/merchants.service';
import type { MetricsService } from '../metrics/metrics.service';
import type { RiskService } from '../risk/risk.service';
import type { GatewayRegistry, PaymentGatewayAdapter } from '@app/pg-contract';
import type { Order } from '../orders/order.entity';
import type { OrderCancel } from '../orders/order-cancel.entity';
import type { OrdersRepository } from '../orders/orders.repository';
import { OrdersService } from '../orders/orders.service';
import { TOSS_FOREIGN_PAY_CODE, TOSS_FOREIGN_PAY_DESCRIPTOR, TossForeignPayAdapter } from './toss-foreign-pay.adapter';
import type { Counter } from 'prom-client';
import type { Merchant } from '../merchants/merchant.entity';
import { orderRow } from '../../test/helpers/order-row';
import { strictMock, type StrictImpl } from '../../test/helpers/strict-mock';

const NOW = new Date('2026-12-01T10:00:00Z');
const creds = { clientKey: 'test_ck_x', secretKey: 'test_sk_secret', sandbox: false };

const order = (over: Partial<Order> = {}): Order => orderRow({ gateway: TOSS_FOREIGN_PAY_CODE, ...over }, NOW);

/** Toss's adapter as the core sees it: its pure parts real, its PG calls mocked (any call not set up throws). */
function tossAdapter(calls: object = {}): PaymentGatewayAdapter {
  const unexpected = (name: string) =>
    jest.fn(() => {
      throw new Error(`unexpected call: ${name}`);
    });
  const proto = TossForeignPayAdapter.prototype;
  return {
    descriptor: TOSS_FOREIGN_PAY_DESCRIPTOR,
    checkReturn: (i: never) => proto.checkReturn.call(null, i),
    describeRefusal: (f: never, c: string, h?: number) => proto.describeRefusal.call(null, f, c, h),
    parseWebhook: unexpected('parseWebhook'),
    prepareCheckout: unexpected('prepareCheckout'),
    confirm: unexpected('confirm'),
    inspect: unexpected('inspect'),
    cancel: unexpected('cancel'),
    ...calls,
  } as unknown as PaymentGatewayAdapter;
}

function setup(
  parts: {
    repo?: StrictImpl<OrdersRepository>;
    adapter?: object;
    merchants?: StrictImpl<MerchantsService>;
    credentials?: StrictImpl<GatewayCredentialsService>;
  } = {},
) {
  const repo = strictMock<OrdersRepository>(parts.repo);
  const adapter = tossAdapter(parts.adapter);
  const registry = strictMock<GatewayRegistry>({ has: jest.fn(() => true), get: jest.fn(() => adapter) });
  const credentials = strictMock<GatewayCredentialsService>(
    parts.credentials ?? { for: jest.fn(async () => creds) as GatewayCredentialsService['for'] },
  );
  // Without a merchant returnUrl the browser gets the JSON answer.
  const merchants = strictMock<MerchantsService>(
    parts.merchants ?? { require: jest.fn(async () => ({ id: 'mch_1', returnUrl: null }) as Merchant) },
  );
  const clock = strictMock<Clock>({ now: jest.fn(() => NOW) });
  const counter = { inc: jest.fn() } as unknown as Counter;
  const metrics = strictMock<MetricsService>({ counter: jest.fn(() => counter) as MetricsService['counter'] });
  const app = { publicBaseUrl: 'https://pay.example' } as AppConfig;
  const service = new OrdersService(
    repo,
    registry,
    credentials,
    strictMock<RiskService>(),
    strictMock<CustomersService>(),
    merchants,
    clock,
    metrics,
    app,
    undefined,
    undefined,
  );
  const success = async (query: Record<string, string>) =>
    (await service.successForBrowser(query.orderId, query, TOSS_FOREIGN_PAY_CODE)).result!;
  return { service, repo, adapter, success };
}

describe('toss-foreign-pay through the one-time payments core (strict mocks)', () => {
  it('refuses a currency other than USD before reading or sending anything', async () => {
    const { service } = setup();
    await expect(
      service.createOrder(
        'mch_1',
        TOSS_FOREIGN_PAY_CODE,
        { orderName: 'x', amount: 100, currency: 'KRW', country: 'US' },
        () => ({ successUrl: 's', failUrl: 'f' }),
      ),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_CURRENCY' });
  });

  it('never confirms when another request already claimed the order', async () => {
    const claimed = order({ status: 'confirming', gatewayPaymentId: 'pk_1' });
    const { success, repo } = setup({
      repo: {
        findOrderForRedirect: jest.fn(async () => order()),
        transition: jest.fn(async () => false),
        findOrder: jest.fn(async () => claimed),
      },
    });
    const res = await success({ orderId: 'tfo_order_1', paymentKey: 'pk_1', amount: '50' });
    expect(res.status).toBe('confirming');
    expect(repo.transition).toHaveBeenCalledWith(
      'tfo_order_1',
      ['created', 'failed'],
      expect.objectContaining({ status: 'confirming', gatewayPaymentId: 'pk_1' }),
    );
  });

  it('turns a confirmed payment of another amount into a flagged mismatch and returns it in full, never paid', async () => {
    const transition = jest.fn(async () => true);
    const transitionCancel = jest.fn(async () => true);
    const insertCancel = jest.fn(async (c: OrderCancel) => c);
    const cancel = jest.fn(async () => ({
      status: 'PENDING',
      requested: { amount: 9900, currency: 'USD' },
      gatewayCancelId: 'tx1',
      rawStatus: 'IN_PROGRESS',
    }));
    const { success } = setup({
      repo: {
        findOrderForRedirect: jest.fn(async () => order()),
        transition,
        transitionCancel,
        insertCancel,
        findOrder: jest.fn(async () => order({ status: 'mismatch', gatewayPaymentId: 'pk_1' })),
      },
      adapter: {
        confirm: jest.fn(async () => ({
          status: 'MISMATCH',
          field: 'amount',
          expected: { amount: 5000, currency: 'USD' },
          reported: { amount: 9900, currency: 'USD' },
          gatewayPaymentId: 'pk_1',
          rawStatus: 'DONE',
          reportedStatus: 'SUCCEEDED',
        })),
        cancel,
      },
    });
    const res = await success({ orderId: 'tfo_order_1', paymentKey: 'pk_1', amount: '50' });
    expect(res.status).toBe('mismatch');
    const statuses = (transition.mock.calls as unknown as Array<[string, unknown, { status?: string }]>).map(
      (c) => c[2].status,
    );
    expect(statuses).toEqual(['confirming', 'mismatch']);
    expect(statuses).not.toContain('paid');
    // The whole payment goes back (no amount: Toss's full cancel), under its own Idempotency-Key.
    expect(cancel).toHaveBeenCalledWith(
      creds,
      expect.objectContaining({ gatewayPaymentId: 'pk_1', cancelId: expect.stringMatching(/^tfp-cancel-tfc_/) }),
    );
    expect((cancel.mock.calls[0] as unknown as [unknown, Record<string, unknown>])[1]).not.toHaveProperty('amount');
    expect(transitionCancel).toHaveBeenCalledWith(
      expect.any(String),
      ['requested'],
      expect.objectContaining({ status: 'pending', gatewayCancelId: 'tx1' }),
    );
  });

  it('releases the claim when Toss refuses our keys, and answers our configuration code', async () => {
    const transition = jest.fn(async () => true);
    const { success } = setup({
      repo: { findOrderForRedirect: jest.fn(async () => order()), transition },
      adapter: {
        confirm: jest.fn(async () => ({
          status: 'NOT_SENT',
          reason: 'refused_by_pg',
          code: 'UNAUTHORIZED_KEY',
          message: 'm',
          retryable: false,
        })),
      },
    });
    await expect(success({ orderId: 'tfo_order_1', paymentKey: 'pk_1', amount: '50' })).rejects.toMatchObject({
      code: 'TOSS_GATEWAY_MISCONFIGURED',
    });
    expect(transition).toHaveBeenLastCalledWith(
      'tfo_order_1',
      ['confirming'],
      expect.objectContaining({ status: 'created' }),
    );
  });

  it('never sends a confirm for a tampered amount', async () => {
    const transition = jest.fn(async () => true);
    const { success } = setup({ repo: { findOrderForRedirect: jest.fn(async () => order()), transition } });
    await expect(success({ orderId: 'tfo_order_1', paymentKey: 'pk_1', amount: '0.50' })).rejects.toMatchObject({
      code: 'TOSS_AMOUNT_MISMATCH',
    });
    expect(transition).toHaveBeenCalledWith(
      'tfo_order_1',
      ['created', 'failed'],
      expect.objectContaining({ status: 'failed', flagReason: 'redirect_amount_mismatch' }),
    );
  });
});
