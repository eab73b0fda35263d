import type { Clock } from '../clock/clock';
import type { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import type { MerchantsService } from '../merchants/merchants.service';
import type { MetricsService } from '../metrics/metrics.service';
import type { WebhookInboxRepository } from '../webhook-inbox/webhook-inbox.repository';
import type { Order } from '../orders/order.entity';
import type { OrdersRepository } from '../orders/orders.repository';
import { OrderWebhooks } from '../orders/orders.webhooks';
import {
  TOSS_FOREIGN_PAY_CODE,
  TOSS_FOREIGN_PAY_DESCRIPTOR,
  TossForeignPayAdapter,
  type TossPaymentInspection,
} from './toss-foreign-pay.adapter';
import type { Counter } from 'prom-client';
import type { Merchant } from '../merchants/merchant.entity';
import { orderRow } from '../../test/helpers/order-row';
import { strictMock } from '../../test/helpers/strict-mock';

const NOW = new Date('2026-12-01T10:00:00Z');
const creds = { clientKey: 'test_ck_x', secretKey: 'test_sk_secret', sandbox: false };

const order = (over: Partial<Order> = {}): Order => orderRow({ gateway: TOSS_FOREIGN_PAY_CODE, ...over }, NOW);

const PAID = order({ status: 'paid', gatewayPaymentId: 'pk_1' });
const truth = (rawStatus = 'DONE'): TossPaymentInspection => ({
  outcome: {
    status: 'SUCCEEDED',
    gatewayPaymentId: 'pk_1',
    reference: PAID.id,
    amount: { amount: 5000, currency: 'USD' },
    refunded: { amount: 0, currency: 'USD' },
    rawStatus,
  } as never,
  cancels: [],
});
const body = (status = 'DONE', orderId = PAID.id, paymentKey = 'pk_1') => ({
  eventType: 'PAYMENT_STATUS_CHANGED',
  createdAt: '2026-12-01T00:00:00.000000',
  data: { paymentKey, orderId, status },
});
let seq = 0;
const headers = () => ({ 'tosspayments-webhook-transmission-id': `wh-${++seq}` });

function setup(opts: { limit?: number; inspect?: jest.Mock; keepOk?: boolean } = {}) {
  const remembered = new Set<string>();
  const repo = strictMock<OrdersRepository>({
    findOrderByPaymentKey: jest.fn(async (_m: string, pk: string) => (pk === 'pk_1' ? PAID : null)),
    findOrder: jest.fn(async (_m: string, id: string) => (id === PAID.id ? PAID : null)),
    hasWebhookEvent: jest.fn(async (_m: string, key: string) => remembered.has(key)),
    rememberWebhookEvents: jest.fn(async (rows: ReadonlyArray<{ transmissionId: string }>) =>
      rows.forEach((r) => remembered.add(r.transmissionId)),
    ),
  });
  // parseWebhook is pure: the real adapter's.
  const parse = TossForeignPayAdapter.prototype.parseWebhook;
  let inFlight = 0;
  let peak = 0;
  const inspect =
    opts.inspect ??
    jest.fn(async () => {
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return truth();
    });
  const adapter = strictMock<TossForeignPayAdapter>({
    descriptor: TOSS_FOREIGN_PAY_DESCRIPTOR,
    parseWebhook: jest.fn((c: never, input: never) => parse.call(null, c, input)),
    inspect,
  });
  const credentials = strictMock<GatewayCredentialsService>({
    for: jest.fn(async () => creds) as GatewayCredentialsService['for'],
  });
  const merchants = strictMock<MerchantsService>({ require: jest.fn(async () => ({ id: 'mch_1' }) as Merchant) });
  const clock = strictMock<Clock>({ now: jest.fn(() => NOW) });
  const orders = { applyTruth: jest.fn(async () => undefined) };
  const kept: unknown[] = [];
  const inbox = strictMock<WebhookInboxRepository>({
    keepCapped: jest.fn(async (row: unknown) => (opts.keepOk === false ? false : (kept.push(row), true))),
  });
  const settings = { refetchLimit: opts.limit ?? 100, windowMs: 60_000, eventRetentionMs: 86_400_000 };
  const metrics = strictMock<MetricsService>({
    counter: jest.fn(() => ({ inc: jest.fn() }) as unknown as Counter) as MetricsService['counter'],
  });
  const service = new OrderWebhooks({
    gateway: TOSS_FOREIGN_PAY_CODE,
    adapter: adapter as never,
    settings,
    repo,
    credentials,
    merchants,
    orders,
    clock,
    inbox,
    metrics,
    pointerCap: 10,
    cleanupBatch: 10,
  });
  return { service, repo, inspect, kept, remembered, peak: () => peak };
}

describe('toss-foreign-pay webhooks through the core pipeline (OrderWebhooks)', () => {
  it('keeps a delivery it could not re-fetch for the reconciler, answers as usual, and remembers nothing', async () => {
    const unknown = jest.fn(async () => ({
      outcome: { status: 'UNKNOWN', reason: 'server_error', message: '503' },
      cancels: [],
    }));
    const s = setup({ inspect: unknown });
    await expect(s.service.receive('mch_1', headers(), body())).resolves.toEqual({ received: true });
    expect(s.kept).toHaveLength(1);
    expect(s.remembered.size).toBe(0);
  });

  it('answers 503 when such a delivery cannot be kept either (the merchant is at the cap), so Toss retries it', async () => {
    const unknown = jest.fn(async () => ({
      outcome: { status: 'UNKNOWN', reason: 'server_error', message: '503' },
      cancels: [],
    }));
    const s = setup({ inspect: unknown, keepOk: false });
    await expect(s.service.receive('mch_1', headers(), body())).rejects.toMatchObject({
      code: 'TOSS_WEBHOOK_RETRY',
      quiet: true,
    });
    expect(s.remembered.size).toBe(0);
  });

  it('coalesces concurrent deliveries for one payment: one re-fetch in flight, one more after it at most', async () => {
    const s = setup();
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => s.service.receive('mch_1', headers(), body('CANCELED'))),
    );
    expect(new Set(answers.map((a) => JSON.stringify(a)))).toEqual(new Set([JSON.stringify({ received: true })]));
    expect(s.peak()).toBe(1);
    expect(s.inspect.mock.calls.length).toBeLessThanOrEqual(2);
  });

  it('remembers a pointer only when Toss agreed with its claim: a forged status never masks the genuine delivery', async () => {
    const s = setup();
    await s.service.receive('mch_1', headers(), body('CANCELED')); // forged: Toss says DONE
    await s.service.receive('mch_1', headers(), body('CANCELED')); // the genuine one later is re-fetched again
    expect(s.inspect).toHaveBeenCalledTimes(2);
    await s.service.receive('mch_1', headers(), body('DONE'));
    await s.service.receive('mch_1', headers(), body('DONE')); // same claim, fresh transmission id: a duplicate
    expect(s.inspect).toHaveBeenCalledTimes(3);
  });

  it('spends at most the budget; then answers 503 whether or not the order exists, keeping only a real one', async () => {
    const s = setup({ limit: 2 });
    await s.service.receive('mch_1', headers(), body('X1'));
    await s.service.receive('mch_1', headers(), body('X2'));
    await expect(s.service.receive('mch_1', headers(), body('X3'))).rejects.toMatchObject({
      code: 'TOSS_WEBHOOK_RETRY',
    });
    await expect(s.service.receive('mch_1', headers(), body('DONE', 'tfo_nope', 'pk_nope'))).rejects.toMatchObject({
      code: 'TOSS_WEBHOOK_RETRY',
    });
    expect(s.inspect).toHaveBeenCalledTimes(2);
    expect(s.kept).toEqual([expect.objectContaining({ reference: PAID.id, gateway: 'toss-foreign-pay' })]);
  });

  it('answers a delivery for no order exactly as one for an order', async () => {
    const s = setup();
    const real = await s.service.receive('mch_1', headers(), body());
    const none = await s.service.receive('mch_1', headers(), body('DONE', 'tfo_nope', 'pk_nope'));
    expect(none).toEqual(real);
  });

  it('finds the payment of a cancel webhook that names only the cancel, through our own cancel with that id', async () => {
    const s = setup();
    const cancelBody = {
      eventType: 'CANCEL_STATUS_CHANGED',
      createdAt: '2026-12-01T00:00:00.000000',
      data: { transactionKey: 'tx_ours', cancelStatus: 'DONE' },
    };
    (s.repo as unknown as Record<string, unknown>).findCancelByTransactionKey = jest.fn(
      async (_m: string, key: string) => (key === 'tx_ours' ? { orderId: PAID.id } : null),
    );
    await s.service.receive('mch_1', headers(), cancelBody);
    expect(s.inspect).toHaveBeenCalledTimes(1);
    // A cancel that is not ours, naming no payment, re-fetches nothing (and is answered the same).
    const foreign = await s.service.receive('mch_1', headers(), {
      ...cancelBody,
      data: { transactionKey: 'tx_other', cancelStatus: 'DONE' },
    });
    expect(foreign).toEqual({ received: true });
    expect(s.inspect).toHaveBeenCalledTimes(1);
  });
});
