import type { CheckoutPreparation, ClientRequest } from '../pg.adapter';

/**
 * Drives the PG sandbox (`@app/pg-sandbox`) over HTTP for the conformance suite: faults, ledger, settlements, clock,
 * and what the buyer does in the PG's window. Plain `fetch`, so it works against an in-process sandbox on port 0 or
 * a separate `npm run sandbox` process alike, and pg-contract does not depend on the sandbox's code.
 */

/** A flow of the contract a fault can target; each sandbox preset maps it to the PG's operations. */
export type ConformanceFlow = 'charge' | 'confirm' | 'lookup' | 'cancel' | 'deleteBillingKey';

/** A fault, as `POST /sandbox/control/faults` takes it in `fault` (see the REST contract's Sandbox section). */
export type SandboxFault =
  | { readonly type: 'latency'; readonly ms: number }
  | { readonly type: 'http_error'; readonly status: number; readonly code?: string | number; readonly message?: string }
  | { readonly type: 'timeout_after_commit' }
  | { readonly type: 'reset_before' }
  | { readonly type: 'decline'; readonly code: string; readonly message?: string }
  | { readonly type: 'pending'; readonly settleTo?: string; readonly settleAfterMs?: number; readonly reason?: string }
  | { readonly type: 'webhook'; readonly mode: 'duplicate' | 'early' | 'drop'; readonly count?: number };

/** One sandbox ledger entry: PG request fields at the top level, plus `operation`, `outcome`, `seq`, `at`. */
export interface SandboxLedgerEntry {
  /** Position in the gateway's ledger. */
  readonly seq: number;
  /** What the sandbox did (`again`, `confirm`, `cancel`, `settlement`, `issueBillingKey`...). */
  readonly operation: string;
  /** How it ended (`approved`, `pending`, `declined`, `refused`, `done`, `in_progress`...). */
  readonly outcome: string;
  /** The sandbox account. */
  readonly account: string;
  readonly [field: string]: unknown;
}

/** What the conformance suite (or any e2e test) does to the sandbox. */
export interface SandboxControl {
  /** What this sandbox can simulate for the gateway, so the suite skips what cannot be provoked. */
  readonly features: {
    readonly pendingPayments: boolean;
    readonly pendingCancels: boolean;
    readonly declines: boolean;
  };
  /** Makes the next matching call(s) of `flow` misbehave; `reference` narrows it to our reference where the PG call carries it. */
  injectFault(
    flow: ConformanceFlow,
    fault: SandboxFault,
    options?: { readonly reference?: string; readonly times?: number },
  ): Promise<void>;
  /** Removes every fault (the suite calls it after each case). */
  clearFaults(): Promise<void>;
  /** Every ledger entry of this account under our reference (merchant_uid / orderId), oldest first. */
  ledger(reference: string): Promise<readonly SandboxLedgerEntry[]>;
  /** The entries in which the PG took, or may still take, money for this reference (approved or pending charges/confirms). */
  charges(reference: string): Promise<readonly SandboxLedgerEntry[]>;
  /** Settles a pending payment, as PayPal's IPN would. */
  settlePayment(gatewayPaymentId: string, to: 'paid' | 'failed'): Promise<void>;
  /** Finishes the payment's pending cancels; false when none was pending (already settled). */
  settleCancels(gatewayPaymentId: string, to: 'done' | 'rejected'): Promise<boolean>;
  /** Moves the sandbox clock forward. */
  advanceClock(ms: number): Promise<void>;
}

/** What the suite knows about an issuance when the buyer approves it (what the core knows at that point). */
export interface BillingKeyApproval {
  /** The id we minted and sent at issuance. */
  readonly billingKey: string;
  /** Our reference of the issuance. */
  readonly reference: string;
  /** `callback`: the SDK hands the frontend a pointer; `redirect`: the PG sends the browser to our return route. */
  readonly flow: 'callback' | 'redirect';
  /** Our return route (redirect flows), as given to `issueBillingKey`. */
  readonly returnUrl?: string;
  /** Our fail route (redirect flows), as given to `issueBillingKey`. */
  readonly failUrl?: string;
}

/** What the buyer does in the PG's window, in the sandbox. */
export interface SandboxBuyer {
  /**
   * Billing keys: the buyer approves (or closes, or fails) the PG window opened with `client`; answers the pointer
   * `completeBillingKey` takes, whatever the flow: the SDK callback's arguments (`callback`), or the query of the URL
   * the PG sent the browser to, our return or fail route (`redirect`). The PG's test double answers either from its
   * buyer endpoint; a redirect driver parses the `Location` it answers.
   */
  approveBillingKey?(
    client: ClientRequest,
    outcome: 'approve' | 'cancel' | 'fail',
    approval?: BillingKeyApproval,
  ): Promise<Record<string, unknown>>;
  /** One-time payments: the buyer goes through the checkout; answers the query of the success (or fail) redirect. */
  completeCheckout?(
    checkout: CheckoutPreparation,
    outcome: 'approve' | 'cancel' | 'abort' | 'reject',
  ): Promise<{ readonly success: boolean; readonly query: Record<string, string> }>;
}

/** How a gateway's sandbox is driven; the presets below fill it in. */
export interface SandboxControlConfig {
  /** `<origin>/sandbox`. */
  readonly baseUrl: string;
  /** The sandbox account the credentials belong to (ledger and faults are scoped to it). */
  readonly account: string;
  /** Which simulated PG: its path segment under the base URL (a sandbox plugin's prefix) and the `gateway` of faults. */
  readonly gateway: string;
  /** The PG's name of our reference in requests and the ledger (`merchant_uid`, `orderId`). */
  readonly referenceField: string;
  /** Flow → sandbox operations; operations listed in `referenceOps` carry the reference field in the request. */
  readonly operations: Readonly<Partial<Record<ConformanceFlow, readonly string[]>>>;
  /** Operations whose request carries `referenceField` (a fault on them can be narrowed to one reference). */
  readonly referenceOps: readonly string[];
  /** Ledger operations that take money (`again`, `confirm`). */
  readonly chargeOperations: readonly string[];
  /** Their ledger outcomes that took or may still take money (`approved`, `pending`). */
  readonly chargeOutcomes: readonly string[];
  /** See {@link SandboxControl.features}. */
  readonly features: SandboxControl['features'];
  /** The settle endpoint body for a payment settlement and a cancel settlement. */
  readonly settleBody: {
    readonly payment: (to: 'paid' | 'failed') => unknown;
    readonly cancel: (to: 'done' | 'rejected') => unknown;
  };
  /** HTTP statuses of the settle endpoint that mean "no pending cancel" (already settled). */
  readonly noPendingCancelStatuses: readonly number[];
}

async function call(method: string, url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = text;
  }
  return { status: res.status, json };
}

function expectStatus(what: string, res: { status: number; json: unknown }, ...ok: number[]): void {
  if (!ok.includes(res.status))
    throw new Error(`sandbox ${what} answered HTTP ${res.status}: ${JSON.stringify(res.json).slice(0, 300)}`);
}

/** A {@link SandboxControl} from a config (see {@link portoneSandboxControl}, {@link tossSandboxControl}). */
export function createSandboxControl(config: SandboxControlConfig): SandboxControl {
  const base = config.baseUrl.replace(/\/+$/, '');
  const ledger = async (reference: string): Promise<SandboxLedgerEntry[]> => {
    const out: SandboxLedgerEntry[] = [];
    let after = 0;
    for (;;) {
      const q = new URLSearchParams({
        [config.referenceField]: reference,
        account: config.account,
        limit: '1000',
        after: String(after),
      });
      const res = await call('GET', `${base}/${config.gateway}/ledger?${q}`);
      expectStatus('ledger', res, 200);
      const page = res.json as { data: SandboxLedgerEntry[]; next: number | null };
      out.push(...page.data);
      if (page.next === null) return out;
      after = page.next;
    }
  };
  return {
    features: config.features,
    async injectFault(flow, fault, options = {}) {
      const ops = config.operations[flow];
      if (!ops?.length) throw new Error(`the ${config.gateway} sandbox has no operation for flow ${flow}`);
      for (const operation of ops) {
        const match: Record<string, unknown> = { account: config.account };
        if (options.reference !== undefined && config.referenceOps.includes(operation))
          match[config.referenceField] = options.reference;
        const res = await call('POST', `${base}/control/faults`, {
          gateway: config.gateway,
          operation,
          match,
          fault,
          times: options.times ?? 1,
        });
        expectStatus(`fault ${operation}`, res, 201);
      }
    },
    async clearFaults() {
      expectStatus('clear faults', await call('DELETE', `${base}/control/faults`), 200);
    },
    ledger,
    async charges(reference) {
      return (await ledger(reference)).filter(
        (e) => config.chargeOperations.includes(e.operation) && config.chargeOutcomes.includes(e.outcome),
      );
    },
    async settlePayment(id, to) {
      const res = await call(
        'POST',
        `${base}/${config.gateway}/payments/${encodeURIComponent(id)}/settle`,
        config.settleBody.payment(to),
      );
      expectStatus('settle payment', res, 200);
    },
    async settleCancels(id, to) {
      const res = await call(
        'POST',
        `${base}/${config.gateway}/payments/${encodeURIComponent(id)}/settle`,
        config.settleBody.cancel(to),
      );
      expectStatus('settle cancels', res, 200, ...config.noPendingCancelStatuses);
      return res.status === 200;
    },
    async advanceClock(ms) {
      expectStatus('clock', await call('POST', `${base}/clock`, { advanceMs: ms }), 200);
    },
  };
}

/** The PortOne V1 sandbox (`/sandbox/portone`) of account `account`. */
export function portoneSandboxControl(baseUrl: string, account: string): SandboxControl {
  return createSandboxControl({
    baseUrl,
    account,
    gateway: 'portone',
    referenceField: 'merchant_uid',
    operations: {
      charge: ['again'],
      lookup: ['getPayment', 'findPayment', 'findAllPayments'],
      cancel: ['cancel'],
      deleteBillingKey: ['deleteCustomer'],
    },
    referenceOps: ['again', 'findPayment', 'findAllPayments', 'buyerBillingKey'],
    chargeOperations: ['again'],
    chargeOutcomes: ['approved', 'pending'],
    features: { pendingPayments: true, pendingCancels: true, declines: true },
    settleBody: { payment: (to) => ({ status: to }), cancel: (to) => ({ cancel: to }) },
    noPendingCancelStatuses: [409],
  });
}

/**
 * The Toss Payments sandbox (`/sandbox/toss`) of account `account`. Foreign easy pay confirms are never pending. The
 * settle endpoint settles IN_PROGRESS cancels when there are some and the payment itself otherwise, so
 * `settleCancels(id, 'rejected')` on a payment without a pending cancel would abort an unconfirmed payment: call it
 * only while a cancel is pending. (`'done'` is safe: with nothing pending the sandbox refuses it with 400.)
 */
export function tossSandboxControl(baseUrl: string, account: string): SandboxControl {
  return createSandboxControl({
    baseUrl,
    account,
    gateway: 'toss',
    referenceField: 'orderId',
    operations: { confirm: ['confirm'], lookup: ['retrievePayment', 'retrieveByOrderId'], cancel: ['cancel'] },
    referenceOps: ['confirm', 'retrieveByOrderId', 'buyerPayment'],
    chargeOperations: ['confirm'],
    chargeOutcomes: ['approved'],
    features: { pendingPayments: false, pendingCancels: true, declines: true },
    settleBody: {
      // A Toss payment is approved by confirm, never by a settlement; `failed` aborts one that was never confirmed.
      payment: (to) => {
        if (to === 'paid')
          throw new Error('Toss foreign easy pay payments are never pending: nothing to settle as paid');
        return { status: 'ABORTED' };
      },
      cancel: (to) => ({ status: to === 'done' ? 'DONE' : 'ABORTED' }),
    },
    noPendingCancelStatuses: [400, 409],
  });
}

/**
 * For redirect flows: the pointer `completeBillingKey` receives, from the URL the PG test double sent the buyer's
 * browser to (its `Location`). Throws when the browser did not land on our return or fail route, so a test double that
 * redirects elsewhere cannot pass for one that works.
 */
export function landingPointer(location: string, approval: BillingKeyApproval): Record<string, string> {
  const landed = new URL(location);
  const on = (route?: string) =>
    route !== undefined && landed.origin + landed.pathname === new URL(route).origin + new URL(route).pathname;
  if (!on(approval.returnUrl) && !on(approval.failUrl))
    throw new Error(`the PG sent the buyer to ${landed.origin}${landed.pathname}, not to our return or fail route`);
  return Object.fromEntries(landed.searchParams);
}

/** The PortOne buyer: `POST /sandbox/portone/buyer/billing-keys` with a non-Korean PayPal account. */
export function portoneSandboxBuyer(baseUrl: string, buyer: { email?: string; country?: string } = {}): SandboxBuyer {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async approveBillingKey(client, outcome) {
      const res = await call('POST', `${base}/portone/buyer/billing-keys`, {
        userCode: client.init.userCode,
        request: client.request,
        buyer: { email: buyer.email ?? 'buyer@example.com', country: buyer.country ?? 'US', outcome },
      });
      expectStatus('buyer billing key', res, 200);
      const body = res.json as { imp_uid: string | null; merchant_uid: string | null };
      // What the loadUI callback receives: only the two ids (seed 004).
      return { imp_uid: body.imp_uid, merchant_uid: body.merchant_uid };
    },
  };
}

/** The Toss buyer: `POST /sandbox/toss/buyer/payments`, answering the redirect's query parameters. */
export function tossSandboxBuyer(baseUrl: string): SandboxBuyer {
  const base = baseUrl.replace(/\/+$/, '');
  return {
    async completeCheckout(checkout, outcome) {
      const res = await call('POST', `${base}/toss/buyer/payments`, {
        clientKey: checkout.client.init.clientKey,
        paymentRequest: checkout.client.request,
        buyer: { outcome },
      });
      expectStatus('buyer payment', res, 200);
      const redirect = (res.json as { redirectUrl: string | null }).redirectUrl;
      if (!redirect) throw new Error('the sandbox buyer left no redirect');
      const url = new URL(redirect);
      const successUrl = String(checkout.client.request.successUrl ?? '');
      return {
        success: successUrl !== '' && redirect.startsWith(successUrl.split('?')[0]),
        query: Object.fromEntries(url.searchParams),
      };
    },
  };
}
