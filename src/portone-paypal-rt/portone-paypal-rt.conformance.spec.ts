import { randomBytes } from 'node:crypto';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import { describeGatewayConformance, portoneSandboxBuyer, portoneSandboxControl } from '@app/pg-contract/testing';
import { startSandbox } from '@app/pg-sandbox/sandbox.test-harness';
import { PortoneClient } from '@app/portone-client';
import { PORTONE_PAYPAL_RT_DESCRIPTOR, PortonePaypalRtAdapter } from './portone-paypal-rt.adapter';

/** The shared conformance suite, unmodified, against the real adapter and the real PortOne sandbox over HTTP. */
describeGatewayConformance('PortonePaypalRtAdapter', PORTONE_PAYPAL_RT_DESCRIPTOR, async () => {
  const sandbox = await startSandbox();
  const acct = `conf-${randomBytes(4).toString('hex')}`;
  const run = randomBytes(3).toString('hex');
  let n = 0;
  const http = new HttpService(axios.create() as unknown as ConstructorParameters<typeof HttpService>[0]);
  // A short timeout: the timeout case waits for it.
  const client = new PortoneClient(http, { baseUrl: `${sandbox.base}/portone`, timeoutMs: 1000, sandbox: true });
  return {
    adapter: new PortonePaypalRtAdapter(client),
    // Deterministic sandbox credentials of account `acct` (the sandbox's convention).
    credentials: {
      userCode: `imp_sbx_${acct}`,
      impKey: `sbx_key_${acct}`,
      impSecret: `sbx_secret_${acct}`,
      sandbox: true,
    },
    currency: 'USD',
    refusedCurrency: 'KRW',
    // merchant_uid: at most 40 characters.
    newReference: () => `rt-${run}-${(++n).toString(36)}-${randomBytes(4).toString('hex')}`,
    // Hard only for the refusal table's three rules (a Korean buyer account here); see portone-paypal-rt.refusals.ts.
    declines: { hard: 'KOREAN_BUYER_ACCOUNT', soft: 'INSTRUMENT_DECLINED' },
    sandbox: portoneSandboxControl(sandbox.base, acct),
    buyer: portoneSandboxBuyer(sandbox.base),
    forgeWebhook: (target, status) => ({
      headers: { 'content-type': 'application/json' },
      body: { imp_uid: target.gatewayPaymentId, merchant_uid: target.reference, status },
    }),
    forgedStatus: 'cancelled',
    close: async () => {
      client.onModuleDestroy();
      await sandbox.close();
    },
  };
});
