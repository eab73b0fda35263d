import type { Page } from 'playwright-core';
import { startTestApp, type TestApp } from '../helpers/test-app';
import { launchChromium, newPage, type BrowserSession } from './browser';

/**
 * The sandbox SDK scripts refuse what the real SDKs refuse, where the real ones do (a thrown error or a rejected
 * promise at the call, never a failure later at the PG). Sources: iamport-typings and PortOne's PayPal RT guide (seed
 * 004) for iamport.js; @tosspayments/tosspayments-sdk's typings (`@throws` lists) for the Toss SDK.
 */

let t: TestApp;
let session: BrowserSession;
let page: Page;

beforeAll(async () => {
  t = await startTestApp();
  session = await launchChromium();
});
afterAll(async () => {
  await session?.close();
  await t?.close();
});
beforeEach(async () => {
  ({ page } = await newPage(session));
  await page.goto(`${t.url}/examples/`);
});
afterEach(async () => page.close());

const LOADUI_REQUEST = {
  pg: 'paypal_v2',
  pay_method: 'paypal',
  merchant_uid: 'bki_sdk_check_1',
  customer_uid: 'cu_sdk_check_1',
  name: 'Agreement',
  amount: 0,
};

describe('sandbox iamport.js', () => {
  beforeEach(() => page.addScriptTag({ url: '/sandbox/portone/iamport.js' }));

  /** Runs IMP calls in the page against the given containers; the thrown message, or 'ok'. */
  const attempt = (containers: string, script: string) =>
    page.evaluate(
      ([html, body]) => {
        document.body.innerHTML = html;
        try {
          new Function('IMP', body)((window as any).IMP);
          return 'ok';
        } catch (e) {
          return (e as Error).message;
        }
      },
      [containers, script],
    );
  const one = '<div class="portone-ui-container" data-portone-ui-type="paypal-rt"></div>';
  const req = JSON.stringify(LOADUI_REQUEST);

  it('needs IMP.init first, a function callback and the paypal-rt UI type', async () => {
    expect(await attempt(one, `IMP.loadUI('paypal-rt', ${req}, () => {})`)).toMatch(/IMP\.init/);
    expect(await attempt(one, `IMP.init(''); `)).toMatch(/IMP\.init takes/);
    expect(await attempt(one, `IMP.init('imp_sbx_a'); IMP.loadUI('paypal-spb', ${req}, () => {})`)).toMatch(
      /unsupported UI type "paypal-spb"/,
    );
    expect(await attempt(one, `IMP.init('imp_sbx_a'); IMP.loadUI('paypal-rt', ${req})`)).toMatch(/callback/);
    expect(await attempt(one, `IMP.init('imp_sbx_a'); IMP.loadUI('paypal-rt', ${req}, () => {})`)).toBe('ok');
    expect(await page.getByRole('button', { name: 'Pay with PayPal' }).count()).toBe(1);
  });

  it('finds exactly one container, with the guide’s three error messages', async () => {
    const load = `IMP.init('imp_sbx_a'); IMP.loadUI('paypal-rt', ${req}, () => {})`;
    expect(await attempt('<div></div>', load)).toContain('portone-ui-container를 찾을 수 없습니다.');
    expect(
      await attempt('<div class="portone-ui-container"></div><div class="portone-ui-container"></div>', load),
    ).toContain('data-portone-ui-type에 올바른 UI 타입을 입력해주세요.');
    expect(await attempt(one + one, load)).toContain(
      '동일한 data-portone-ui-type을 갖는 DOM element가 2개 이상 존재합니다.',
    );
    expect(await attempt(`${one}<div class="portone-ui-container" data-portone-ui-type="other"></div>`, load)).toBe(
      'ok',
    );
  });

  it('refuses a request without the required loadUI fields, at loadUI and at updateLoadUIRequest', async () => {
    const load = (r: object) => `IMP.init('imp_sbx_a'); IMP.loadUI('paypal-rt', ${JSON.stringify(r)}, () => {})`;
    expect(await attempt(one, load({ ...LOADUI_REQUEST, customer_uid: undefined }))).toMatch(
      /customer_uid is required/,
    );
    expect(await attempt(one, load({ ...LOADUI_REQUEST, merchant_uid: '' }))).toMatch(/merchant_uid is required/);
    expect(await attempt(one, load({ ...LOADUI_REQUEST, pay_method: 'card' }))).toMatch(/pay_method must be "paypal"/);
    expect(await attempt(one, load({ ...LOADUI_REQUEST, pg: 'html5_inicis' }))).toMatch(/pg must be "paypal_v2"/);
    expect(await attempt(one, `IMP.updateLoadUIRequest('paypal-rt', ${req})`)).toMatch(
      /before IMP\.updateLoadUIRequest/,
    );
    expect(
      await attempt(one, `${load(LOADUI_REQUEST)}; IMP.updateLoadUIRequest('paypal-rt', { ...${req}, pg: 'x' })`),
    ).toMatch(/pg must be/);
  });

  it('opens the PayPal window with the request as updated by updateLoadUIRequest', async () => {
    const update = `IMP.updateLoadUIRequest('paypal-rt', { ...${req}, name: 'Renamed agreement' })`;
    expect(await attempt(one, `IMP.init('imp_sbx_a'); IMP.loadUI('paypal-rt', ${req}, () => {}); ${update}`)).toBe(
      'ok',
    );
    await page.getByRole('button', { name: 'Pay with PayPal' }).click();
    const summary = page.frameLocator('iframe[title="PayPal (sandbox)"]').locator('#summary');
    await summary.filter({ hasText: 'Renamed agreement' }).waitFor();
  });
});

describe('sandbox Toss Payments SDK v2', () => {
  beforeEach(() => page.addScriptTag({ url: '/sandbox/toss/v2/standard' }));

  const PAYMENT = {
    method: 'FOREIGN_EASY_PAY',
    amount: { currency: 'USD', value: 12.5 },
    orderId: 'order_sdk_check_1',
    orderName: 'Sticker pack',
    successUrl: 'http://127.0.0.1/success',
    failUrl: 'http://127.0.0.1/fail',
    foreignEasyPay: { provider: 'PAYPAL', country: 'US' },
  };

  /** The error code a call throws or rejects with, or 'ok' when it neither throws nor rejects at once. */
  const code = (script: string) =>
    page.evaluate(async (body) => {
      try {
        const result = new Function('TossPayments', body)((window as any).TossPayments);
        // A valid request navigates away and never settles: only an immediate rejection counts.
        await Promise.race([result, new Promise((resolve) => setTimeout(resolve, 50))]);
        return 'ok';
      } catch (e) {
        return (e as { code?: string }).code ?? (e as Error).message;
      }
    }, script);
  const pay = (r: object) =>
    code(
      `return TossPayments('test_ck_sbx_a').payment({ customerKey: TossPayments.ANONYMOUS }).requestPayment(${JSON.stringify(r)})`,
    );
  const auth = (r: object, customerKey = 'cu_abcdef') =>
    code(
      `return TossPayments('test_ck_tbill_a').payment({ customerKey: ${JSON.stringify(customerKey)} }).requestBillingAuth(${JSON.stringify(r)})`,
    );

  it('TossPayments() takes a client key and payment() a safe customerKey', async () => {
    expect(await code(`TossPayments('test_sk_sbx_a')`)).toBe('INVALID_CLIENT_KEY');
    expect(await code(`TossPayments(42)`)).toBe('INVALID_CLIENT_KEY');
    expect(await code(`TossPayments('test_ck_a').payment({ customerKey: 'x' })`)).toBe('INVALID_CUSTOMER_KEY');
    expect(await code(`TossPayments('test_ck_a').payment({ customerKey: 'a'.repeat(51) })`)).toBe(
      'INVALID_CUSTOMER_KEY',
    );
    expect(await code(`TossPayments('test_ck_a').payment({ customerKey: 'test_sk_sbx_a' })`)).toBe(
      'INSECURE_KEY_USAGE',
    );
    expect(await code(`TossPayments('test_ck_a').payment({ customerKey: 'cu_ok-1=2.3@4' })`)).toBe('ok');
  });

  it('requestPayment rejects a wrong or missing field with the SDK’s error code', async () => {
    expect(await pay({ ...PAYMENT, method: 'CARD' })).toBe('NOT_SUPPORTED_METHOD');
    expect(await pay({ ...PAYMENT, amount: { currency: 'KRW', value: 1000 } })).toBe('INVALID_AMOUNT_CURRENCY');
    expect(await pay({ ...PAYMENT, amount: { currency: 'USD', value: -1 } })).toBe('BELOW_ZERO_AMOUNT');
    expect(await pay({ ...PAYMENT, amount: { currency: 'USD', value: 1.005 } })).toBe('INVALID_AMOUNT_VALUE');
    expect(await pay({ ...PAYMENT, orderId: 'abc' })).toBe('INVALID_PARAMETERS');
    expect(await pay({ ...PAYMENT, orderName: '' })).toBe('INVALID_PARAMETERS');
    expect(await pay({ ...PAYMENT, foreignEasyPay: undefined })).toBe('INVALID_PARAMETERS');
    expect(await pay({ ...PAYMENT, foreignEasyPay: { provider: 'PAYPAL', country: 'usa' } })).toBe(
      'INVALID_PARAMETERS',
    );
    expect(await pay({ ...PAYMENT, successUrl: '/success' })).toBe('INCORRECT_SUCCESS_URL_FORMAT');
    expect(await pay({ ...PAYMENT, failUrl: undefined })).toBe('INCORRECT_FAIL_URL_FORMAT');
    expect(new URL(page.url()).pathname).toBe('/examples/');
  });

  it('requestBillingAuth takes CARD with absolute URLs and a real customer', async () => {
    const AUTH = { method: 'CARD', successUrl: 'http://127.0.0.1/ok', failUrl: 'http://127.0.0.1/fail' };
    expect(await auth({ ...AUTH, method: 'TRANSFER' })).toBe('NOT_SUPPORTED_METHOD');
    expect(await auth({ ...AUTH, successUrl: 'ok' })).toBe('INCORRECT_SUCCESS_URL_FORMAT');
    expect(await auth({ ...AUTH, customerName: 'n'.repeat(101) })).toBe('INVALID_PARAMETERS');
    expect(await auth(AUTH, '@@ANONYMOUS')).toBe('INVALID_CUSTOMER_KEY');
    expect(new URL(page.url()).pathname).toBe('/examples/');
  });

  it('a valid requestPayment opens the PayPal window with the request', async () => {
    // The page navigates away at once: nothing to wait for in it.
    await page.evaluate((r) => {
      void (window as any).TossPayments('test_ck_sbx_a').payment({ customerKey: '@@ANONYMOUS' }).requestPayment(r);
    }, PAYMENT);
    await page.waitForURL(/\/sandbox\/toss\/windows\/payment#/);
    await page.locator('#summary').filter({ hasText: 'Sticker pack: USD 12.5' }).waitFor();
  });
});
