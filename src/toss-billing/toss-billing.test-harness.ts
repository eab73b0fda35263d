import Fastify, { type FastifyInstance } from 'fastify';
import type { ClientRequest } from '@app/pg-contract';
import {
  TOSS_BILLING_SANDBOX_API_PATH,
  TOSS_BILLING_SANDBOX_PREFIX,
  tossBillingAccountCredentials,
  tossBillingSandboxAccount,
  tossBillingSandboxPlugin,
} from './toss-billing.sandbox';
import type { TossBillingCredentials } from './toss-billing.types';

/**
 * Test helper (specs only; production code never imports it): the toss-billing sandbox plugin mounted on a bare
 * Fastify at `/sandbox/toss`, as the app mounts it, listening on a loopback port, plus what a buyer and a test driver
 * do with it.
 */
export interface TossBillingSandboxHarness {
  /** `http://127.0.0.1:<port>/sandbox/toss/billing`: the adapter's baseUrl and the control API's root. */
  readonly base: string;
  /** `http://127.0.0.1:<port>/sandbox/toss/buyer/billing-auth`: the buyer endpoint of the REST contract. */
  readonly buyerUrl: string;
  readonly app: FastifyInstance;
  credentials(account: string): TossBillingCredentials;
  /** What the buyer does with the checkout in Toss's window; answers the redirect's query (the pointer). */
  buyer(checkout: ClientRequest, outcome?: 'approve' | 'cancel' | 'decline' | 'fail'): Promise<Record<string, string>>;
  /** The same, answering the URL Toss sends the browser to. */
  buyerRedirect(checkout: ClientRequest, outcome?: 'approve' | 'cancel' | 'decline' | 'fail'): Promise<string>;
  fault(
    operation: string,
    fault: Record<string, unknown>,
    match?: Record<string, unknown>,
    times?: number,
  ): Promise<void>;
  clearFaults(): Promise<void>;
  ledger(query: Record<string, string>): Promise<Array<Record<string, unknown>>>;
  settleCancels(paymentKey: string, to: 'done' | 'rejected'): Promise<number>;
  close(): Promise<void>;
}

async function json(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as unknown) : undefined };
}

export async function startTossBillingSandbox(): Promise<TossBillingSandboxHarness> {
  const app = Fastify({ logger: false, forceCloseConnections: true });
  await app.register(async (f) => tossBillingSandboxPlugin(f), { prefix: `/sandbox/${TOSS_BILLING_SANDBOX_PREFIX}` });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const root = `http://127.0.0.1:${port}/sandbox/${TOSS_BILLING_SANDBOX_PREFIX}`;
  const base = `${root}${TOSS_BILLING_SANDBOX_API_PATH}`;
  const buyerUrl = `${root}/buyer/billing-auth`;
  const buyerRedirect = async (checkout: ClientRequest, outcome: string = 'approve'): Promise<string> => {
    const init = checkout.init as { clientKey: string; customerKey: string };
    const res = await json('POST', buyerUrl, {
      clientKey: init.clientKey,
      customerKey: init.customerKey,
      request: checkout.request,
      buyer: { outcome },
    });
    if (res.status !== 200) throw new Error(`buyer endpoint answered ${res.status}: ${JSON.stringify(res.json)}`);
    return (res.json as { redirectUrl: string }).redirectUrl;
  };
  return {
    base,
    buyerUrl,
    app,
    credentials: (account) => tossBillingAccountCredentials(account),
    buyerRedirect,
    async buyer(checkout, outcome = 'approve') {
      return Object.fromEntries(new URL(await buyerRedirect(checkout, outcome)).searchParams.entries());
    },
    async fault(operation, fault, match = {}, times = 1) {
      const res = await json('POST', `${base}/faults`, { operation, fault, match, times });
      if (res.status !== 201) throw new Error(`fault refused: ${JSON.stringify(res.json)}`);
    },
    async clearFaults() {
      await json('DELETE', `${base}/faults`);
    },
    async ledger(query) {
      const res = await json('GET', `${base}/ledger?${new URLSearchParams({ limit: '1000', ...query })}`);
      return (res.json as { data: Array<Record<string, unknown>> }).data;
    },
    async settleCancels(paymentKey, to) {
      return (await json('POST', `${base}/payments/${encodeURIComponent(paymentKey)}/settle`, { cancel: to })).status;
    },
    close: () => app.close(),
  };
}

export { tossBillingSandboxAccount };
