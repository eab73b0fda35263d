/**
 * What the example pages call, written as a merchant's frontend would: the merchant's own backend (here the stand-in
 * at /examples/backend) for everything that needs the merchant's key, and the public REST API with the object's
 * client secret for the customer-present steps (REST contract v1.1, "Client secrets and browsers").
 */

export interface ApiError {
  statusCode?: number;
  code?: string;
  message?: string;
}

export class CallFailed extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.message ?? `HTTP ${status}`);
  }
}

async function call<T>(method: string, url: string, body?: unknown, bearer?: string): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
      ...(method !== 'GET' ? { 'idempotency-key': crypto.randomUUID() } : {}),
    },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  const parsed = (text ? JSON.parse(text) : {}) as T & ApiError;
  if (!res.ok) throw new CallFailed(res.status, parsed);
  return parsed;
}

/** The merchant's backend (it holds the API key). */
export function backend<T = Record<string, unknown>>(method: string, path: string, body?: unknown): Promise<T> {
  return call<T>(method, `/examples/backend${path}`, body);
}

/**
 * A customer-present call on one object, authorised by that object's client secret (`Authorization: Bearer
 * <clientSecret>`). The secret works while the key is pending or the order created: once the object has moved on,
 * the merchant's backend reads it with its key.
 */
function customerPresent<T>(method: string, path: string, clientSecret: string, body?: unknown): Promise<T> {
  return call<T>(method, path, body, clientSecret);
}

export interface BillingKey {
  id: string;
  status: string;
  failureCode?: string | null;
  failureMessage?: string | null;
}

export const getBillingKey = (id: string, secret: string) =>
  customerPresent<BillingKey>('GET', `/v1/billing-keys/${encodeURIComponent(id)}`, secret);

export const updateBillingKeyRequest = <R>(id: string, secret: string, body: { name?: string }) =>
  customerPresent<{ id: string; status: string; checkout: { request: R } }>(
    'PATCH',
    `/v1/billing-keys/${encodeURIComponent(id)}/request`,
    secret,
    body,
  );

export const completeBillingKey = (id: string, secret: string, pointer: { imp_uid: string; merchant_uid: string }) =>
  customerPresent<BillingKey>('POST', `/v1/billing-keys/${encodeURIComponent(id)}/complete`, secret, pointer);

export interface TossOrder {
  orderId: string;
  status: string;
  amount: number;
  currency: string;
  orderName: string;
  refundedAmount?: number;
  cancels?: Array<{ status: string; amount: number }>;
}

export const getTossOrder = (orderId: string, secret: string) =>
  customerPresent<TossOrder>('GET', `/v1/toss/orders/${encodeURIComponent(orderId)}`, secret);

// ---- small page helpers -----------------------------------------------------------------------------------------

export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing`);
  return el;
}

export function value(id: string): string {
  return ($(id) as HTMLInputElement | HTMLSelectElement).value.trim();
}

/** Writes a message into the page's live region (screen readers announce it). */
export function say(text: string, tone: 'ok' | 'bad' | 'info' = 'info'): void {
  const el = $('status');
  el.textContent = text;
  el.className = `status ${tone === 'info' ? '' : tone}`;
}

export function describe(error: unknown): string {
  if (error instanceof CallFailed) return `${error.body.code ?? error.status}: ${error.body.message ?? ''}`;
  if (error instanceof Error) return `${(error as { code?: string }).code ?? error.name}: ${error.message}`;
  return String(error);
}

/** Fills a <dl> with label/value pairs. */
export function facts(id: string, rows: Array<[string, unknown]>): void {
  const dl = $(id);
  dl.replaceChildren();
  for (const [k, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v === undefined || v === null ? '—' : String(v);
    dd.dataset.field = k;
    dl.append(dt, dd);
  }
}

export function money(amount: number, currency: string): string {
  const digits = currency === 'KRW' || currency === 'JPY' ? 0 : 2;
  return `${currency} ${(amount / 10 ** digits).toFixed(digits)}`;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The buyer's details as every checkout form asks for them. */
export function buyerFields(): { email: string; firstName: string; lastName: string; country: string } {
  return {
    email: value('email'),
    firstName: value('firstName'),
    lastName: value('lastName'),
    country: value('country'),
  };
}

/**
 * Wires the page's #buyer form: a submit disables #start, says `busy` and runs `begin`; when that fails, the error is
 * shown and #start can be pressed again. Answers #start (a page may relabel it later).
 */
export function onBuyerSubmit(busy: string, begin: () => Promise<void>): HTMLButtonElement {
  const start = $('start') as HTMLButtonElement;
  $('buyer').addEventListener('submit', (event) => {
    event.preventDefault();
    start.disabled = true;
    say(busy);
    begin().catch((e: unknown) => {
      say(`Could not start: ${describe(e)}`, 'bad');
      start.disabled = false;
    });
  });
  return start;
}

/** What the merchant backend answers when it subscribes a customer. */
export interface SubscriptionView {
  subscription: { id: string; status: string; currentPeriodEnd?: string; nextChargeAt?: string };
  charges: Array<{ status: string; amount: number; currency: string }>;
}

/** Says whether the subscription is active and lists it with its first charge in #facts. */
export function showSubscription({ subscription, charges }: SubscriptionView): void {
  const charge = charges[0];
  const ok = subscription.status === 'active';
  say(ok ? 'Subscribed: your Pro plan is active.' : `Subscription ${subscription.status}.`, ok ? 'ok' : 'bad');
  facts('facts', [
    ['Subscription', subscription.id],
    ['Status', subscription.status],
    ['First charge', charge ? `${money(charge.amount, charge.currency)} ${charge.status}` : 'not yet'],
    ['Next charge', subscription.nextChargeAt],
  ]);
}
