import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { HttpService } from '@nestjs/axios';
import axios from 'axios';
import Fastify from 'fastify';
import { describeGatewayConformance, portoneSandboxBuyer, portoneSandboxControl } from '@app/pg-contract';
import { pgSandboxPlugin } from '@app/pg-sandbox';
import { PortoneClient } from '@app/portone-client';
import { PORTONE_PAYPAL_RT_DESCRIPTOR, PortonePaypalRtAdapter, type PortonePaypalRtCredentials } from './portone-paypal-rt.adapter';

/** The PG sandbox on 127.0.0.1:0: `<origin>/sandbox` plus a closer. */
async function startSandbox(): Promise<{ base: string; close: () => Promise<void> }> {
  const app = Fastify({ logger: false });
  await app.register(pgSandboxPlugin, { prefix: '/sandbox' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { base: `http://127.0.0.1:${port}/sandbox`, close: () => app.close() };
}

function newAdapter(base: string, timeoutMs = 1000): { adapter: PortonePaypalRtAdapter; client: PortoneClient } {
  const http = new HttpService(axios.create() as unknown as ConstructorParameters<typeof HttpService>[0]);
  const client = new PortoneClient(http, { baseUrl: `${base}/portone`, timeoutMs, sandbox: true });
  return { adapter: new PortonePaypalRtAdapter(client), client };
}

/** Deterministic sandbox credentials of account `acct` (the sandbox's convention). */
function credentials(acct: string): PortonePaypalRtCredentials {
  return { userCode: `imp_sbx_${acct}`, impKey: `sbx_key_${acct}`, impSecret: `sbx_secret_${acct}`, sandbox: true };
}

let conformanceClient: PortoneClient | undefined;
describeGatewayConformance('PortonePaypalRtAdapter', PORTONE_PAYPAL_RT_DESCRIPTOR, async () => {
  const sandbox = await startSandbox();
  const acct = `conf-${randomBytes(4).toString('hex')}`;
  const run = randomBytes(3).toString('hex');
  let n = 0;
  const { adapter, client } = newAdapter(sandbox.base);
  conformanceClient = client;
  return {
    adapter,
    credentials: credentials(acct),
    currency: 'USD',
    refusedCurrency: 'KRW',
    // merchant_uid: at most 40 characters.
    newReference: () => `rt-${run}-${(++n).toString(36)}-${randomBytes(4).toString('hex')}`,
    declines: { hard: 'AGREEMENT_ALREADY_CANCELLED', soft: 'INSTRUMENT_DECLINED' },
    sandbox: portoneSandboxControl(sandbox.base, acct),
    buyer: portoneSandboxBuyer(sandbox.base),
    forgeWebhook: (target, status) => ({
      headers: { 'content-type': 'application/json' },
      body: { imp_uid: target.gatewayPaymentId, merchant_uid: target.reference, status },
    }),
    forgedStatus: 'cancelled',
    close: async () => {
      conformanceClient?.onModuleDestroy();
      await sandbox.close();
    },
  };
});
