import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { fact, launchChromium, newPage, tabTo, textOf, type BrowserSession } from './browser';

/**
 * The example checkout pages clicked through in Chromium against the real app (sandbox mode): the sandbox SDK scripts,
 * the PG windows and the REST API together. Each flow asserts what the buyer reads, then what the API (through the
 * merchant backend stand-in, which holds the demo merchant's key) and the PG sandbox's ledger report.
 */

let t: TestApp;
let session: BrowserSession;
const timings: Record<string, number> = {};

beforeAll(async () => {
  t = await startTestApp();
  session = await launchChromium();
});

afterAll(async () => {
  await session?.close();
  await t?.close();
  // How long each flow took in the browser, from the first page load to the last assertion on the page.
  process.stdout.write(`browser flow timings (ms): ${JSON.stringify(timings)}\n`);
});

async function json(path: string): Promise<any> {
  const res = await fetch(`${t.url}${path}`);
  const body = await res.json();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${JSON.stringify(body)}`);
  return body;
}

/** Every call the page makes to the REST API itself (not to the merchant backend), with its credential. */
function apiCallsOf(page: Page): Array<{ method: string; path: string; auth: string }> {
  const calls: Array<{ method: string; path: string; auth: string }> = [];
  page.on('request', (req) => {
    const url = new URL(req.url());
    if (url.pathname.startsWith('/v1/') && req.resourceType() === 'fetch')
      calls.push({ method: req.method(), path: url.pathname, auth: req.headers().authorization ?? '' });
  });
  return calls;
}

/** The PayPal RT window the sandbox iamport.js opens in a frame. */
const paypalWindow = (page: Page) => page.frameLocator('iframe[title="PayPal (sandbox)"]');

async function startPaypalSubscription(page: Page): Promise<void> {
  await page.goto(`${t.url}/examples/subscribe-paypal.html`);
  await page.getByRole('button', { name: 'Continue to PayPal' }).click();
  await page.getByRole('button', { name: 'Pay with PayPal' }).click();
}

/** The billing key id the page works on: the one whose issuance it completed last. */
async function issuedKeyOf(page: Page): Promise<string> {
  return page.evaluate(() => {
    const entries = performance.getEntriesByType('resource').map((e) => e.name);
    const hit = entries.reverse().find((n) => /\/billing-keys\/[^/]+\/complete$/.test(n));
    return hit ? decodeURIComponent(hit.split('/billing-keys/')[1].split('/')[0]) : '';
  });
}

describe('example checkout pages in a real browser', () => {
  it('subscribes with PayPal: loadUI, the PayPal window, complete, subscription and its first charge', async () => {
    const { page, errors } = await newPage(session);
    const calls = apiCallsOf(page);
    const started = Date.now();
    await page.goto(`${t.url}/examples/subscribe-paypal.html`);
    await page.getByRole('button', { name: 'Continue to PayPal' }).click();
    // A change of the agreement's name before the click: PATCH with the client secret, then updateLoadUIRequest.
    await page.getByLabel('Name of the billing agreement shown at PayPal').fill('Pro plan (renamed)');
    const patched = page.waitForResponse((r) => r.url().endsWith('/request'));
    await page.getByLabel('Name of the billing agreement shown at PayPal').press('Tab');
    const patch = await patched;
    expect([patch.status(), await patch.text()]).toEqual([200, expect.stringContaining('Pro plan (renamed)')]);
    await textOf(page.getByRole('status'), /Agreement name updated/);
    await page.getByRole('button', { name: 'Pay with PayPal' }).click();
    await paypalWindow(page).locator('#summary').filter({ hasText: 'Pro plan (renamed)' }).waitFor();
    await paypalWindow(page).getByRole('button', { name: 'Agree and continue' }).click();
    const status = await textOf(page.getByRole('status'), /Subscribed/);
    timings.paypalSubscription = Date.now() - started;
    expect(status).toBe('Subscribed: your Pro plan is active.');
    expect(await fact(page, 'Status')).toBe('active');
    expect(await fact(page, 'First charge')).toBe('USD 19.99 succeeded');

    // The browser reached the API only with the billing key's client secret, for the customer-present steps.
    const keyId = await issuedKeyOf(page);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `PATCH /v1/billing-keys/${keyId}/request`,
      `POST /v1/billing-keys/${keyId}/complete`,
    ]);
    for (const c of calls) expect(c.auth).toMatch(new RegExp(`^Bearer ${keyId}_secret_[A-Za-z0-9_-]{32}$`));

    const subscriptionId = await fact(page, 'Subscription');
    const view = await json(`/examples/backend/subscriptions/${subscriptionId}`);
    expect(view.subscription).toMatchObject({ id: subscriptionId, status: 'active' });
    expect(view.charges).toEqual([expect.objectContaining({ amount: 1999, currency: 'USD', status: 'succeeded' })]);
    // PortOne charged the key the window issued: one approved `again` for that charge.
    const ledger = await json(`/sandbox/portone/ledger?merchant_uid=${view.charges[0].merchantUid}`);
    expect(ledger.data.map((e: any) => [e.operation, e.outcome])).toEqual([['again', 'approved']]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('PayPal window cancelled: no key, no subscription, and the buyer is told', async () => {
    const { page, errors } = await newPage(session);
    await startPaypalSubscription(page);
    await paypalWindow(page).getByRole('button', { name: 'Cancel and return to the merchant' }).click();
    expect(await textOf(page.getByRole('status'), /did not approve/)).toMatch(/^PayPal did not approve/);
    const keyId = await issuedKeyOf(page);
    const key = await json(`/examples/backend/billing-keys/${keyId}`);
    expect(key.status).toBe('failed');
    expect(await fact(page, 'Billing key')).toBe('failed');
    // A failed issuance is over: the buyer starts again with a new billing key.
    expect(await page.getByRole('button', { name: 'Try again' }).isEnabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Pay with PayPal' }).isVisible()).toBe(false);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a Korean PayPal account is refused (seed 004) and a pending approval is reported as pending', async () => {
    const { page, errors } = await newPage(session);
    await startPaypalSubscription(page);
    const window = paypalWindow(page);
    await window.getByLabel('Account country').selectOption('KR');
    await window.getByRole('button', { name: 'Agree and continue' }).click();
    expect(await textOf(page.getByRole('status'), /did not approve/)).toContain('한국인');
    expect((await json(`/examples/backend/billing-keys/${await issuedKeyOf(page)}`)).status).toBe('failed');

    const { page: second } = await newPage(session);
    await startPaypalSubscription(second);
    await paypalWindow(second)
      .getByRole('button', { name: /pending/ })
      .click();
    expect(await textOf(second.getByRole('status'), /pending/)).toMatch(/still reviewing/);
    expect((await json(`/examples/backend/billing-keys/${await issuedKeyOf(second)}`)).status).toBe('pending');
    expect(errors).toEqual([]);
    await page.close();
    await second.close();
  });

  it('subscribes with a card: requestBillingAuth, the card window, the return route, subscription', async () => {
    const { page, errors } = await newPage(session);
    const started = Date.now();
    await page.goto(`${t.url}/examples/subscribe-card.html`);
    await page.getByRole('button', { name: 'Register a card' }).click();
    await page.waitForURL(/\/sandbox\/toss\/windows\/billing-auth#/);
    await page.getByRole('button', { name: 'Register this card' }).click();
    const status = await textOf(page.getByRole('status'), /Subscribed/);
    timings.cardSubscription = Date.now() - started;
    expect(status).toBe('Subscribed: your Pro plan is active.');
    expect(new URL(page.url()).pathname).toBe('/examples/card-done.html');
    expect(await fact(page, 'First charge')).toBe('KRW 9900 succeeded');

    const view = await json(`/examples/backend/subscriptions/${await fact(page, 'Subscription')}`);
    expect(view.subscription.status).toBe('active');
    expect(view.charges).toEqual([expect.objectContaining({ amount: 9900, currency: 'KRW', status: 'succeeded' })]);
    const ledger = await json(`/sandbox/toss/billing/ledger?orderId=${view.charges[0].merchantUid}`);
    expect(ledger.data.map((e: any) => e.outcome)).toContain('approved');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('a declined card leaves the key pending with no subscription; another card then succeeds', async () => {
    const { page, errors } = await newPage(session);
    await page.goto(`${t.url}/examples/subscribe-card.html`);
    await page.getByRole('button', { name: 'Register a card' }).click();
    await page.getByRole('button', { name: 'The card company declines the card' }).click();
    expect(await textOf(page.getByRole('status'), /not registered/)).toBe(
      'Your card was not registered. You have not been charged.',
    );
    const keyId = new URL(page.url()).searchParams.get('billingKeyId') ?? '';
    expect((await json(`/examples/backend/billing-keys/${keyId}`)).status).toBe('pending');

    await page.getByRole('button', { name: 'Try another card' }).click();
    await page.getByRole('button', { name: 'Register this card' }).click();
    expect(await textOf(page.getByRole('status'), /Subscribed/)).toBe('Subscribed: your Pro plan is active.');
    expect((await json(`/examples/backend/billing-keys/${keyId}`)).status).toBe('active');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('buys once with PayPal and refunds through the merchant backend', async () => {
    const { page, errors } = await newPage(session);
    const started = Date.now();
    await page.goto(`${t.url}/examples/purchase-paypal.html`);
    await page.getByRole('button', { name: 'Pay with PayPal' }).click();
    await page.waitForURL(/\/sandbox\/toss\/windows\/payment#/);
    await page.getByRole('button', { name: 'Pay now' }).click();
    const paid = await textOf(page.getByRole('status'), /Paid/);
    timings.paypalPurchase = Date.now() - started;
    expect(paid).toBe('Paid: thank you! USD 12.50 was charged to your PayPal account.');
    const orderId = await fact(page, 'Order');
    expect((await json(`/examples/backend/purchases/${orderId}`)).status).toBe('paid');

    await page.getByRole('button', { name: 'Refund this purchase' }).click();
    expect(await textOf(page.getByRole('status'), /Refund/)).toMatch(/^Refund/);
    await textOf(page.getByRole('status'), /Refunded:/);
    timings.paypalPurchaseWithRefund = Date.now() - started;
    const order = await json(`/examples/backend/purchases/${orderId}`);
    expect(order).toMatchObject({ status: 'canceled', refundedAmount: 1250 });
    const ledger = await json(`/sandbox/toss/ledger?orderId=${orderId}`);
    expect(ledger.data.map((e: any) => [e.operation, e.outcome])).toEqual([
      ['confirm', 'approved'],
      ['cancel', 'in_progress'],
      ['cancelSettlement', 'done'],
    ]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('PayPal window cancelled on a purchase: nothing charged, the open order read with its client secret, paid later', async () => {
    const { page, errors } = await newPage(session);
    const calls = apiCallsOf(page);
    await page.goto(`${t.url}/examples/purchase-paypal.html`);
    await page.getByRole('button', { name: 'Pay with PayPal' }).click();
    await page.getByRole('button', { name: 'Cancel and return to the merchant' }).click();
    await page.waitForURL(/\/examples\/purchase-done\.html/);
    await page.getByRole('button', { name: 'Pay this order with PayPal' }).waitFor();
    expect(await fact(page, 'Result')).toBe('PAY_PROCESS_CANCELED');
    expect(await fact(page, 'Order status')).toBe('created');
    const orderId = await fact(page, 'Order');
    expect((await json(`/examples/backend/purchases/${orderId}`)).status).toBe('created');
    expect(calls).toEqual([
      { method: 'GET', path: `/v1/toss/orders/${orderId}`, auth: expect.stringMatching(`^Bearer ${orderId}_secret_`) },
    ]);
    expect(await page.getByRole('button', { name: 'Refund this purchase' }).isVisible()).toBe(false);

    await page.getByRole('button', { name: 'Pay this order with PayPal' }).click();
    await page.getByRole('button', { name: 'Pay now' }).click();
    expect(await textOf(page.getByRole('status'), /Paid/)).toMatch(/^Paid/);
    expect(await fact(page, 'Order')).toBe(orderId);
    expect((await json(`/examples/backend/purchases/${orderId}`)).status).toBe('paid');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('the purchase works with the keyboard alone', async () => {
    const { page, errors } = await newPage(session);
    const started = Date.now();
    await page.goto(`${t.url}/examples/purchase-paypal.html`);
    // The form's fields come first in tab order, each reachable and named by its label.
    await tabTo(page, /First name/);
    await page.keyboard.type('Sam');
    await tabTo(page, /Pay with PayPal/);
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/sandbox\/toss\/windows\/payment#/);
    // The window focuses its first action, as a keyboard user expects.
    await page.getByRole('button', { name: 'Pay now' }).waitFor();
    await page.waitForFunction(() => document.activeElement?.textContent === 'Pay now');
    await page.keyboard.press('Enter');
    await textOf(page.getByRole('status'), /Paid/);
    await tabTo(page, /Refund this purchase/);
    await page.keyboard.press('Enter');
    await textOf(page.getByRole('status'), /Refunded:/);
    timings.keyboardPurchase = Date.now() - started;
    expect(errors).toEqual([]);
    await page.close();
  });

  it('every field and button of the example pages has a label', async () => {
    const { page } = await newPage(session);
    const unnamed: string[] = [];
    for (const file of [
      '',
      'subscribe-paypal.html',
      'subscribe-card.html',
      'purchase-paypal.html',
      'card-done.html',
      'purchase-done.html',
    ]) {
      await page.goto(`${t.url}/examples/${file}`);
      unnamed.push(
        ...(await page.evaluate((name) => {
          const out: string[] = [];
          for (const el of Array.from(document.querySelectorAll<HTMLElement>('input, select, textarea, button'))) {
            const labelled = (el as HTMLInputElement).labels?.length || el.getAttribute('aria-label');
            const text = el.tagName === 'BUTTON' && el.textContent?.trim();
            if (!labelled && !text) out.push(`${name}: <${el.tagName.toLowerCase()} id=${el.id}>`);
          }
          return out;
        }, file || 'index.html')),
      );
    }
    expect(unnamed).toEqual([]);
    await page.close();
  });
});
