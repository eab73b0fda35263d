import { randomUUID } from 'node:crypto';
import type { ClientRequest } from '@app/pg-contract';
import {
  describeGatewayConformance,
  landingPointer,
  type ConformanceFlow,
  type SandboxControl,
  type SandboxLedgerEntry,
} from '@app/pg-contract/testing';
import { TossBillingAdapter, TOSS_BILLING_DESCRIPTOR } from './toss-billing.adapter';
import { startTossBillingSandbox, type TossBillingSandboxHarness } from './toss-billing.test-harness';
import type { TossBillingCredentials } from './toss-billing.types';

/** The unmodified conformance suite against toss-billing and its own sandbox plugin, over real HTTP. */
const SANDBOX_FLOW_OPERATIONS: Readonly<Partial<Record<ConformanceFlow, readonly string[]>>> = {
  charge: ['chargeBillingKey'],
  lookup: ['getPayment', 'getPaymentByOrderId'],
  cancel: ['cancel'],
};
// Operations whose requests carry the orderId, so a fault can target one reference.
const REFERENCE_OPERATIONS = ['chargeBillingKey', 'getPaymentByOrderId'];

/** The conformance suite's SandboxControl over this plugin's own control routes (`/faults`, `/ledger`, `/clock`, settle). */
function sandboxControl(sbx: TossBillingSandboxHarness, account: string): SandboxControl {
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sbx.base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json()) as unknown };
  };
  const ledger = async (reference: string) =>
    (await sbx.ledger({ orderId: reference, account })) as unknown as SandboxLedgerEntry[];
  return {
    // Card billing charges are synchronous (no pending payments); cancels can be held IN_PROGRESS by a fault.
    features: { pendingPayments: false, pendingCancels: true, declines: true },
    async injectFault(flow, fault, options = {}) {
      const ops = SANDBOX_FLOW_OPERATIONS[flow];
      if (!ops?.length) throw new Error(`the toss-billing sandbox has no operation for flow ${flow}`);
      for (const operation of ops) {
        const match: Record<string, unknown> = { account };
        if (options.reference !== undefined && REFERENCE_OPERATIONS.includes(operation))
          match.orderId = options.reference;
        await sbx.fault(operation, fault as unknown as Record<string, unknown>, match, options.times ?? 1);
      }
    },
    clearFaults: () => sbx.clearFaults(),
    ledger,
    charges: async (reference) =>
      (await ledger(reference)).filter((e) => e.operation === 'chargeBillingKey' && e.outcome === 'approved'),
    async settlePayment() {
      throw new Error('toss-billing card charges are never pending');
    },
    async settleCancels(id, to) {
      return (await sbx.settleCancels(id, to)) === 200;
    },
    async advanceClock(ms) {
      const res = await call('POST', '/clock', { advanceMs: ms });
      if (res.status !== 200) throw new Error(`clock answered ${res.status}`);
    },
  };
}

describeGatewayConformance<TossBillingCredentials>('toss-billing', TOSS_BILLING_DESCRIPTOR, async () => {
  const sbx = await startTossBillingSandbox();
  const account = `conf-${randomUUID().slice(0, 8)}`;
  // A short timeout: the timeout case waits for it.
  const adapter = new TossBillingAdapter({ baseUrl: sbx.base, timeoutMs: 1500 });
  return {
    adapter,
    credentials: sbx.credentials(account),
    currency: 'KRW',
    refusedCurrency: 'USD',
    newReference: () => `ord-${randomUUID()}`,
    declines: { hard: 'INVALID_CARD_EXPIRATION', soft: 'REJECT_CARD_COMPANY' },
    sandbox: sandboxControl(sbx, account),
    buyer: {
      // The buyer's browser lands on our return or fail route: the pointer is that URL's query.
      approveBillingKey: async (client: ClientRequest, outcome, approval) => {
        const redirectUrl = await sbx.buyerRedirect(client, outcome === 'fail' ? 'decline' : outcome);
        return approval ? landingPointer(redirectUrl, approval) : Object.fromEntries(new URL(redirectUrl).searchParams);
      },
    },
    buyerInfo: {
      id: 'conformance-buyer',
      email: 'buyer@example.com',
      firstName: 'Con',
      lastName: 'Formance',
      country: 'KR',
    },
    forgeWebhook: (target, forgedStatus) => ({
      headers: { 'tosspayments-webhook-transmission-id': `wh_${randomUUID()}` },
      body: {
        eventType: 'PAYMENT_STATUS_CHANGED',
        createdAt: '2026-01-01T00:00:00.000000',
        data: { paymentKey: target.gatewayPaymentId, orderId: target.reference, status: forgedStatus },
      },
    }),
    forgedStatus: 'CANCELED',
    close: async () => {
      adapter.onModuleDestroy();
      await sbx.close();
    },
  };
});
