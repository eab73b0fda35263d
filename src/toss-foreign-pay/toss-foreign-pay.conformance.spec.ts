import { randomBytes } from 'node:crypto';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { toMajorNumber } from '@app/pg-contract';
import { describeGatewayConformance, tossSandboxBuyer, tossSandboxControl } from '@app/pg-contract/testing';
import { startSandbox } from '@app/pg-sandbox/sandbox.test-harness';
import { TossClient } from '@app/toss-client';
import { TOSS_FOREIGN_PAY_DESCRIPTOR, TossForeignPayAdapter } from './toss-foreign-pay.adapter';

/** The shared conformance suite, unmodified, against the real adapter and the real Toss sandbox over HTTP. */
describeGatewayConformance('TossForeignPayAdapter', TOSS_FOREIGN_PAY_DESCRIPTOR, async () => {
  const sandbox = await startSandbox();
  const acct = `tfp-${randomBytes(4).toString('hex')}`;
  const http = new HttpService(axios.create() as unknown as ConstructorParameters<typeof HttpService>[0]);
  return {
    // A short timeout: the timeout case waits for it.
    adapter: new TossForeignPayAdapter(new TossClient(http, { baseUrl: `${sandbox.base}/toss`, timeoutMs: 1000 })),
    credentials: { clientKey: `test_ck_sbx_${acct}`, secretKey: `test_sk_sbx_${acct}` },
    currency: 'USD',
    refusedCurrency: 'KRW',
    // Toss orderId: 6-64 characters of [A-Za-z0-9_=-].
    newReference: () => `tfo_${randomBytes(10).toString('hex')}`,
    declines: { hard: 'INVALID_STOPPED_CARD', soft: 'REJECT_CARD_COMPANY' },
    sandbox: tossSandboxControl(sandbox.base, acct),
    buyer: tossSandboxBuyer(sandbox.base),
    forgeWebhook: (target, status) => ({
      headers: { 'tosspayments-webhook-transmission-id': `wh_${randomBytes(4).toString('hex')}` },
      body: {
        eventType: 'PAYMENT_STATUS_CHANGED',
        createdAt: '2026-01-01T00:00:00.000000',
        data: { paymentKey: target.gatewayPaymentId, orderId: target.reference, status },
      },
    }),
    forgedStatus: 'CANCELED',
    tamperCheckoutAmount: (query, amount) => ({ ...query, amount: String(toMajorNumber(amount)) }),
    close: sandbox.close,
  };
});
