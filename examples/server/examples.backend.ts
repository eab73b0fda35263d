import { randomUUID } from 'node:crypto';

/**
 * The merchant backend stand-in of the example pages: what a real merchant's server would do, through the public REST
 * API only, over HTTP, with a merchant API key the browser never sees. It creates the demo merchant (admin API) on
 * first use, then customers, plans, billing keys, subscriptions, orders and refunds. Nothing here is trusted by the
 * API more than any other merchant's server would be.
 */

export interface ApiAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** A failed API call, answered to the page as is (the API's own error body). */
export class ApiCallError extends Error {
  constructor(readonly answer: ApiAnswer) {
    super(`API answered ${answer.status}`);
  }
}

export interface BuyerInput {
  email: string;
  firstName: string;
  lastName: string;
  country: string;
}

/** The demo's catalogue: one plan per currency (PayPal subscriptions in USD, Toss card billing in KRW). */
const PLANS = {
  USD: { name: 'Pro monthly (example)', amount: 1999, currency: 'USD', interval: 'month' },
  KRW: { name: 'Pro monthly, card (example)', amount: 9900, currency: 'KRW', interval: 'month' },
} as const;

export class DemoMerchantBackend {
  private apiKey: Promise<string> | undefined;
  private readonly plans = new Map<string, Promise<string>>();
  /** Which plan a billing key was started for (a real backend would keep this in its own database). */
  private readonly planOfKey = new Map<string, string>();

  constructor(
    private readonly apiBase: string,
    private readonly adminApiKey: string,
  ) {}

  /** One call to the public API with the demo merchant's key (mutations with a fresh Idempotency-Key). */
  async api(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    const key = await this.merchantKey();
    const answer = await this.call(method, path, key, body);
    if (answer.status >= 300) throw new ApiCallError(answer);
    return answer.body;
  }

  /** Step 1 of the PayPal subscription: customer, plan, and a billing key to issue with IMP.loadUI. */
  async startPaypalSubscription(buyer: BuyerInput): Promise<Record<string, unknown>> {
    const customer = await this.customer(buyer);
    const planId = await this.plan('USD');
    const key = await this.api('POST', '/v1/billing-keys', {
      customerId: customer.id,
      gateway: 'portone-paypal-rt',
      name: 'Pro plan billing agreement',
    });
    this.planOfKey.set(String(key.id), planId);
    return { customerId: customer.id, planId, billingKey: publicKey(key) };
  }

  /** Step 1 of the card subscription: customer, plan, and a billing key to issue with requestBillingAuth. */
  async startCardSubscription(buyer: BuyerInput, pageOrigin: string): Promise<Record<string, unknown>> {
    const customer = await this.customer(buyer);
    const planId = await this.plan('KRW');
    const done = `${pageOrigin}/examples/card-done.html`;
    const key = await this.api('POST', '/v1/billing-keys', {
      customerId: customer.id,
      gateway: 'toss-billing',
      successUrl: done,
      failUrl: done,
    });
    this.planOfKey.set(String(key.id), planId);
    return { customerId: customer.id, planId, billingKey: publicKey(key) };
  }

  /** Once the key is active: the subscription, its first charge run now (the scheduler would do it within seconds). */
  async subscribe(billingKeyId: string): Promise<Record<string, unknown>> {
    const key = await this.api('GET', `/v1/billing-keys/${encodeURIComponent(billingKeyId)}`);
    const planId = this.planOfKey.get(billingKeyId);
    if (!planId) throw new ApiCallError({ status: 404, body: { code: 'NOT_FOUND', message: 'unknown checkout' } });
    const sub = await this.api('POST', '/v1/subscriptions', {
      customerId: key.customerId,
      planId,
      billingKeyId,
    });
    await this.api('POST', '/v1/billing/runs');
    return this.subscription(String(sub.id));
  }

  async subscription(id: string): Promise<Record<string, unknown>> {
    const path = `/v1/subscriptions/${encodeURIComponent(id)}`;
    const [subscription, charges] = await Promise.all([this.api('GET', path), this.api('GET', `${path}/charges`)]);
    return { subscription, charges: charges.data };
  }

  /** The one-time PayPal purchase: the order, priced by the server (a page never sets the amount). */
  async startPurchase(buyer: BuyerInput): Promise<Record<string, unknown>> {
    const customer = await this.customer(buyer);
    return this.api('POST', '/v1/toss/orders', {
      orderName: 'Sticker pack (example)',
      amount: 1250,
      currency: 'USD',
      customerId: customer.id,
      country: buyer.country,
    });
  }

  /** A refund needs the merchant's key: a client secret cannot cancel. */
  refund(orderId: string): Promise<Record<string, unknown>> {
    return this.api('POST', `/v1/toss/orders/${encodeURIComponent(orderId)}/cancel`, {
      reason: 'Refund from the example page',
    });
  }

  private async customer(buyer: BuyerInput): Promise<Record<string, unknown>> {
    return this.api('POST', '/v1/customers', {
      email: buyer.email,
      firstName: buyer.firstName,
      lastName: buyer.lastName,
      countryCode: buyer.country,
    });
  }

  private plan(currency: keyof typeof PLANS): Promise<string> {
    let id = this.plans.get(currency);
    if (!id) {
      id = this.api('POST', '/v1/plans', PLANS[currency]).then((p) => String(p.id));
      id.catch(() => this.plans.delete(currency));
      this.plans.set(currency, id);
    }
    return id;
  }

  /** The demo merchant, created through the admin API the first time a page needs it (a new one per server start). */
  private merchantKey(): Promise<string> {
    this.apiKey ??= this.call('POST', '/v1/merchants', this.adminApiKey, {
      name: 'Demo shop (examples)',
      industry: 'saas',
      country: 'US',
      paypalAccountId: 'DEMOSHOPPAYPAL01',
      returnUrl: `${this.apiBase}/examples/purchase-done.html`,
    }).then((answer) => {
      if (answer.status !== 201) {
        this.apiKey = undefined;
        throw new ApiCallError(answer);
      }
      return String(answer.body.apiKey);
    });
    return this.apiKey;
  }

  private async call(method: string, path: string, bearer: string, body?: unknown): Promise<ApiAnswer> {
    const res = await fetch(`${this.apiBase}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${bearer}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(method !== 'GET' ? { 'idempotency-key': randomUUID() } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  }
}

/** What the page may see of a new billing key: its id, client secret and SDK checkout (never the merchant's key). */
function publicKey(key: Record<string, unknown>): Record<string, unknown> {
  return { id: key.id, status: key.status, clientSecret: key.clientSecret, checkout: key.checkout };
}
