import type { GatewayDescriptor, OneTimeAdapter, ReturnCheck } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import type { AppConfig } from '../config/configuration';
import type { CustomersService } from '../customers/customers.service';
import type { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import type { MerchantsService } from '../merchants/merchants.service';
import type { MetricsService } from '../metrics/metrics.service';
import type { RiskService } from '../risk/risk.service';
import type { Order } from './order.entity';
import type { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';

/**
 * The core with a gateway it has never heard of (a fake, card payments in EUR, no error-code prefix): everything it
 * does goes through the contract, so a new one-time PG needs no core edit.
 */
const FAKE: GatewayDescriptor = {
  code: 'fake-pay',
  displayName: 'Fake Pay',
  capabilities: {
    oneTimePayments: true,
    billingKeys: false,
    cancel: true,
    partialCancel: true,
    webhookKind: 'unsigned',
    currencies: ['EUR'],
  },
  paymentMethod: 'card',
};
const NOW = new Date('2026-12-01T10:00:00Z');
const routes = (id: string) => ({
  successUrl: `https://shop.example/v1/orders/${id}/success`,
  failUrl: `https://shop.example/v1/orders/${id}/fail`,
});

/** An in-memory order table with the repository's conditional transition. */
function memoryRepo() {
  const rows = new Map<string, Order>();
  return {
    rows,
    insertOrder: jest.fn(async (o: Order) => (rows.set(o.id, { ...o }), o)),
    findOrder: jest.fn(async (_m: string, id: string) => rows.get(id) ?? null),
    findOrderForRedirect: jest.fn(async (id: string) => rows.get(id) ?? null),
    transition: jest.fn(async (id: string, from: readonly string[], patch: Partial<Order>) => {
      const o = rows.get(id);
      if (!o || !from.includes(o.status)) return false;
      rows.set(id, { ...o, ...patch });
      return true;
    }),
    patch: jest.fn(async (id: string, patch: Partial<Order>) => void rows.set(id, { ...rows.get(id)!, ...patch })),
    listCancels: jest.fn(async () => []),
  };
}

function fakeAdapter(over: Partial<OneTimeAdapter> = {}): OneTimeAdapter {
  return {
    descriptor: FAKE,
    prepareCheckout: jest.fn(async (_c, i) => ({
      reference: i.reference,
      amount: i.amount,
      client: {
        sdk: 'fake-sdk',
        init: { key: 'pub' },
        method: 'pay',
        request: { ref: i.reference, back: i.successUrl },
      },
    })),
    // The fake's redirect carries `id` and `total` (minor units).
    checkReturn: jest.fn((i): ReturnCheck => {
      if (!i.pointer.id) return { ok: false, problem: 'pointer_invalid', code: 'NO_ID' };
      return Number(i.pointer.total) === i.expected.amount
        ? { ok: true, gatewayPaymentId: i.pointer.id }
        : { ok: false, problem: 'mismatch', code: 'TOTAL' };
    }),
    confirm: jest.fn(async (_c, i) => ({
      status: 'SUCCEEDED',
      gatewayPaymentId: i.pointer.id ?? i.gatewayPaymentId!,
      reference: i.reference,
      amount: i.expected,
      refunded: { amount: 0, currency: 'EUR' },
      rawStatus: 'OK',
    })),
    retrieve: jest.fn(),
    retrieveByReference: jest.fn(),
    inspect: jest.fn(),
    cancel: jest.fn(),
    parseWebhook: jest.fn(),
    describeRefusal: jest.fn(() => ({
      error: 'PAYMENT_DECLINED' as const,
      message: 'declined',
      operatorAlert: false,
      failsOrder: true,
      listed: true,
    })),
    ...over,
  } as unknown as OneTimeAdapter;
}

function setup(adapter = fakeAdapter()) {
  const repo = memoryRepo();
  const registry = { has: jest.fn((c: string) => c === FAKE.code), get: jest.fn(() => adapter) };
  const credentials = { for: jest.fn(async () => ({ secret: 'x' })) } as unknown as GatewayCredentialsService;
  const merchants = {
    require: jest.fn(async () => ({
      id: 'mch_1',
      returnUrl: null,
      industry: 'digital_goods',
      retailFulfillment: null,
    })),
  } as unknown as MerchantsService;
  const clock = { now: () => NOW } as Clock;
  const metrics = { counter: () => ({ inc: jest.fn() }) } as unknown as MetricsService;
  const risk = { evaluateStc: jest.fn() } as unknown as RiskService;
  const service = new OrdersService(
    repo as unknown as OrdersRepository,
    registry as never,
    credentials,
    risk,
    {} as CustomersService,
    merchants,
    clock,
    metrics,
    { publicBaseUrl: 'https://shop.example' } as AppConfig,
  );
  return { service, repo, adapter, risk };
}

describe('OrdersService with a gateway the core does not know (contract only)', () => {
  it('creates, confirms once and answers a reload without a second confirm', async () => {
    const { service, adapter, risk } = setup();
    const { order, checkout } = await service.createOrder(
      'mch_1',
      'fake-pay',
      { orderName: 'Plan', amount: 1234, currency: 'EUR', country: 'DE' },
      routes,
    );
    expect(order).toMatchObject({ gateway: 'fake-pay', status: 'created', amount: 1234 });
    expect(checkout).toEqual({
      sdk: 'fake-sdk',
      init: { key: 'pub' },
      method: 'pay',
      request: { ref: order.id, back: routes(order.id).successUrl },
    });
    // Not a PayPal gateway: no STC evaluation.
    expect(risk.evaluateStc).not.toHaveBeenCalled();
    const first = await service.successForBrowser(order.id, { id: 'pay_1', total: '1234' });
    expect(first.result).toMatchObject({ orderId: order.id, status: 'paid' });
    await service.successForBrowser(order.id, { id: 'pay_1', total: '1234' });
    expect(adapter.confirm).toHaveBeenCalledTimes(1);
  });

  it('never confirms a tampered redirect, and answers ORDER_-prefixed codes without an errorCodePrefix', async () => {
    const { service, adapter, repo } = setup();
    const { order } = await service.createOrder(
      'mch_1',
      'fake-pay',
      { orderName: 'Plan', amount: 1234, currency: 'EUR', country: 'DE' },
      routes,
    );
    await expect(service.successForBrowser(order.id, { id: 'pay_1', total: '1' })).rejects.toMatchObject({
      code: 'ORDER_AMOUNT_MISMATCH',
      status: 400,
    });
    await expect(service.successForBrowser(order.id, { total: '1234' })).rejects.toMatchObject({
      code: 'ORDER_REDIRECT_INVALID',
    });
    expect(adapter.confirm).not.toHaveBeenCalled();
    expect(repo.rows.get(order.id)).toMatchObject({
      status: 'failed',
      flagReason: 'redirect_amount_mismatch',
      failureCode: 'ORDER_AMOUNT_MISMATCH',
    });
  });

  it('keeps a confirm without an answer unknown and looks it up, never failed', async () => {
    const inspect = jest.fn(async () => ({
      outcome: { status: 'UNKNOWN', reason: 'timeout', message: 't' },
      cancels: [],
    }));
    const { service, repo } = setup(
      fakeAdapter({
        confirm: jest.fn(async () => ({ status: 'UNKNOWN', reason: 'timeout', message: 't' })) as never,
        inspect: inspect as never,
      }),
    );
    const { order } = await service.createOrder(
      'mch_1',
      'fake-pay',
      { orderName: 'Plan', amount: 1234, currency: 'EUR', country: 'DE' },
      routes,
    );
    const res = await service.successForBrowser(order.id, { id: 'pay_1', total: '1234' });
    expect(res.result).toMatchObject({ status: 'unknown' });
    expect(inspect).toHaveBeenCalledWith(
      { secret: 'x' },
      { reference: order.id },
      { amount: 1234, currency: 'EUR' },
      order.id,
    );
    expect(repo.rows.get(order.id)?.status).toBe('unknown');
  });

  it('refuses a currency the descriptor does not list, and a gateway that is not registered', async () => {
    const { service } = setup();
    await expect(
      service.createOrder(
        'mch_1',
        'fake-pay',
        { orderName: 'Plan', amount: 1, currency: 'USD', country: 'DE' },
        routes,
      ),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_CURRENCY' });
    await expect(
      service.createOrder(
        'mch_1',
        'other-pay',
        { orderName: 'Plan', amount: 1, currency: 'EUR', country: 'DE' },
        routes,
      ),
    ).rejects.toMatchObject({ code: 'UNSUPPORTED_GATEWAY' });
  });
});
