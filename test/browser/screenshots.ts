/**
 * `npm run screenshots`: clicks through each example checkout in Chromium (as the browser tests do) and saves a
 * screenshot of the PG window and of the flow's final page into docs/screenshots/ for the README. Run through jest
 * (it boots the real app in-process, as the tests do); it is not part of any test run.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { launchChromium, newPage, textOf, type BrowserSession } from './browser';

const OUT = join(__dirname, '..', '..', 'docs', 'screenshots');
let t: TestApp;
let session: BrowserSession;

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  t = await startTestApp();
  session = await launchChromium();
});
afterAll(async () => {
  await session?.close();
  await t?.close();
});

const shot = (page: Page, name: string, fullPage = false) =>
  page.screenshot({ path: join(OUT, `${name}.png`), fullPage });

async function page(): Promise<Page> {
  const { page } = await newPage(session);
  await page.setViewportSize({ width: 960, height: 720 });
  return page;
}

it('Subscribe with PayPal (PortOne PayPal RT)', async () => {
  const p = await page();
  await p.goto(`${t.url}/examples/subscribe-paypal.html`);
  await p.getByRole('button', { name: 'Continue to PayPal' }).click();
  await p.getByRole('button', { name: 'Pay with PayPal' }).click();
  const window = p.frameLocator('iframe[title="PayPal (sandbox)"]');
  await window.getByRole('button', { name: 'Agree and continue' }).waitFor();
  await window.locator('#summary').filter({ hasText: 'merchant will charge' }).waitFor();
  await shot(p, 'paypal-rt-window');
  await window.getByRole('button', { name: 'Agree and continue' }).click();
  await textOf(p.getByRole('status'), /Subscribed/);
  await shot(p, 'subscribe-paypal-done', true);
});

it('Subscribe with a card (Toss automatic billing)', async () => {
  const p = await page();
  await p.goto(`${t.url}/examples/subscribe-card.html`);
  await p.getByRole('button', { name: 'Register a card' }).click();
  await p.getByRole('button', { name: 'Register this card' }).waitFor();
  await shot(p, 'toss-card-window');
  await p.getByRole('button', { name: 'Register this card' }).click();
  await textOf(p.getByRole('status'), /Subscribed/);
  await shot(p, 'subscribe-card-done', true);
});

it('Buy once with PayPal (Toss foreign easy pay), then refund', async () => {
  const p = await page();
  await p.goto(`${t.url}/examples/purchase-paypal.html`);
  await p.getByRole('button', { name: 'Pay with PayPal' }).click();
  await p.getByRole('button', { name: 'Pay now' }).waitFor();
  await shot(p, 'toss-paypal-window');
  await p.getByRole('button', { name: 'Pay now' }).click();
  await textOf(p.getByRole('status'), /Paid/);
  await p.getByRole('button', { name: 'Refund this purchase' }).click();
  await textOf(p.getByRole('status'), /Refunded:/);
  await shot(p, 'purchase-paypal-refunded', true);
});
