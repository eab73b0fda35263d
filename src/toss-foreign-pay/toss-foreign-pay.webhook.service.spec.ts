import type { GatewayRegistry } from '@app/pg-contract';
import type { Clock } from '../clock/clock';
import type { GatewayCredentialsService } from '../gateways/gateway-credentials.service';
import type { MerchantsService } from '../merchants/merchants.service';
import type { TossForeignPayAdapter } from './toss-foreign-pay.adapter';
import type { TossForeignPayRepository } from './toss-foreign-pay.repository';
import type { TossForeignPayService } from './toss-foreign-pay.service';
import { TossWebhookService } from './toss-foreign-pay.webhook.service';
import type { TossOrder } from './toss-order.entity';

/** A mock that throws on any method the test did not set up: no call goes unnoticed. */
function strict<T extends object>(impl: Partial<Record<keyof T, unknown>> = {}): T & Record<string, jest.Mock> {
  return new Proxy(impl as Record<string, unknown>, {
    get(target, prop: string) {
      if (prop in target) return target[prop];
      if (prop === 'then') return undefined;
      throw new Error(`unexpected call: ${prop}`);
    },
  }) as T & Record<string, jest.Mock>;
}

const NOW = new Date('2026-12-01T10:00:00Z');
const creds = { clientKey: 'test_ck_x', secretKey: 'test_sk_secret', sandbox: false };

function order(over: Partial<TossOrder> = {}): TossOrder {
  return {
    id: 'tfo_order_1',
    merchantId: 'mch_1',
    customerId: null,
    orderName: 'Plan',
    amount: 5000,
    currency: 'USD',
    country: 'US',
    status: 'created',
    paymentKey: null,
    refundedAmount: 0,
    reservedAmount: 0,
    tossStatus: null,
    method: null,
    easyPayProvider: null,
    receiptUrl: null,
    approvedAt: null,
    reportedAmount: null,
    reportedCurrency: null,
    failureCode: null,
    failureMessage: null,
    flagReason: null,
    stcDecisionId: null,
    createdAt: NOW,
    updatedAt: NOW,
    ...over,
  };
}

function setup(parts: { repo?: object; adapter?: object; merchants?: object; orders?: object } = {}) {
  const repo = strict<TossForeignPayRepository>(parts.repo);
  const adapter = strict<TossForeignPayAdapter>(parts.adapter);
  const registry = strict<GatewayRegistry>({ require: jest.fn(() => adapter) });
  const credentials = strict<GatewayCredentialsService>({ toss: jest.fn(async () => creds) });
  const merchants = strict<MerchantsService>(parts.merchants);
  const clock = strict<Clock>({ now: jest.fn(() => NOW) });
  const orders = strict<TossForeignPayService>(parts.orders);
  const service = new TossWebhookService(repo, registry, credentials, merchants, orders, clock);
  return { service, repo, adapter };
}

describe('TossWebhookService', () => {
  it('forgets a webhook delivery it could not re-fetch, so Toss retries it', async () => {
    const deleteWebhookEvent = jest.fn(async () => undefined);
    const { service } = setup({
      merchants: { require: jest.fn(async () => ({ id: 'mch_1' })) },
      repo: {
        findOrderByPaymentKey: jest.fn(async () => order({ status: 'paid', paymentKey: 'pk_1' })),
        tryInsertWebhookEvent: jest.fn(async () => true),
        deleteWebhookEvent,
      },
      adapter: {
        parseWebhook: jest.fn(() => ({ kind: 'refetch', gatewayPaymentId: 'pk_1', event: 'PAYMENT_STATUS_CHANGED', dedupKey: 'wh-1' })),
        inspect: jest.fn(async () => ({ outcome: { status: 'UNKNOWN', reason: 'server_error', message: '503' }, cancels: [] })),
      },
    });
    await expect(service.webhook('mch_1', {}, {})).rejects.toMatchObject({ code: 'TOSS_WEBHOOK_RETRY' });
    expect(deleteWebhookEvent).toHaveBeenCalledTimes(1);
  });
});
