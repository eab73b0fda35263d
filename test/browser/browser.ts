import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install -y chromium`; .ci/run installs it when missing), never a downloaded browser.
 * A missing binary fails the run: the browser tests are never skipped silently.
 */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  close: () => Promise<void>;
}

/** Headless Chromium with a fresh profile (its own --user-data-dir) and nothing talking to the network on its own. */
export async function launchChromium(): Promise<BrowserSession> {
  if (!existsSync(CHROMIUM))
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH`);
  const profile = mkdtempSync(join(tmpdir(), 'billing-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1100, height: 900 },
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const browser = context.browser() as Browser;
  return {
    browser,
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new tab whose page errors fail the test that reads them. */
export async function newPage(session: BrowserSession): Promise<{ page: Page; errors: string[] }> {
  const page = await session.context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`${page.url()}: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${page.url()}: console: ${m.text()}`);
  });
  return { page, errors };
}

/** Waits until the locator's text matches (what the buyer reads), then returns it. */
export async function textOf(locator: Locator, pattern: RegExp, timeout = 15_000): Promise<string> {
  await locator.filter({ hasText: pattern }).first().waitFor({ timeout });
  return (await locator.first().textContent()) ?? '';
}

/** The value shown beside a label in a page's facts list (`<dd data-field="…">`). */
export async function fact(page: Page, field: string): Promise<string> {
  return ((await page.locator(`#facts dd[data-field="${field}"]`).textContent()) ?? '').trim();
}

/**
 * Presses Tab until the focused element has this accessible text (a label's or its own), as a keyboard user would; at
 * most `max` presses. Returns the number of presses.
 */
export async function tabTo(page: Page, name: RegExp, max = 25): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el) return '';
      const labels = (el as HTMLInputElement).labels;
      return [el.getAttribute('aria-label'), labels?.[0]?.textContent, el.textContent].filter(Boolean).join(' ').trim();
    });
    if (name.test(focused)) return i;
  }
  throw new Error(`no focusable element named ${name} within ${max} Tab presses`);
}
