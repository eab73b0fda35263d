/**
 * The sandbox's `iamport.js` (served at `/sandbox/portone/iamport.js`): the part of PortOne's V1 browser SDK this
 * product uses, with its signatures. Sources:
 * - `iamport-typings` (`src/index.d.ts`): `IMP.init(accountID: string)`, and the callback's `RequestPayResponse`.
 * - PortOne's PayPal RT guide (seed 004), for what the typings lack: `IMP.loadUI('paypal-rt', request, callback)`
 *   renders the PayPal button into the one `div.portone-ui-container[data-portone-ui-type="paypal-rt"]`, with the
 *   three container errors quoted below; `IMP.updateLoadUIRequest('paypal-rt', request)` swaps the request before the
 *   click; the loadUI request's required fields (`merchant_uid`, `pg`, `pay_method`, `customer_uid`); the callback
 *   receives `imp_uid` and `merchant_uid`.
 * Clicking the button opens the sandbox's PayPal window (`windows/paypal-rt`, a real page) in an overlay frame, as the
 * real SDK opens PayPal's; the window drives the sandbox's buyer route and posts the callback data back.
 */

/** What IMP.loadUI takes: request_pay's parameters plus the two fields seed 004 documents for loadUI. */
interface LoadUIRequest {
  pg?: string;
  pay_method?: string;
  merchant_uid: string;
  customer_uid?: string;
  customer_id?: string;
  name?: string;
  amount?: number;
  notice_url?: string | string[];
  custom_data?: unknown;
  bypass?: unknown;
  [field: string]: unknown;
}

/** iamport-typings `RequestPayResponse` (the fields this flow fills). */
interface LoadUIResponse {
  imp_uid: string | null;
  merchant_uid: string;
  success?: boolean;
  error_msg?: string;
}

type LoadUICallback = (response: LoadUIResponse) => void;

interface SandboxImp {
  init(accountID: string): void;
  loadUI(uiType: string, request: LoadUIRequest, callback: LoadUICallback): void;
  updateLoadUIRequest(uiType: string, request: LoadUIRequest): void;
  request_pay(params: unknown, callback?: LoadUICallback): void;
}

declare global {
  interface Window {
    IMP?: SandboxImp;
  }
}

const UI_TYPE = 'paypal-rt';
/** Where this script was loaded from: the window and the buyer route sit beside it. */
const base = new URL('./', (document.currentScript as HTMLScriptElement | null)?.src ?? location.href);

let userCode: string | undefined;
let current: { request: LoadUIRequest; callback: LoadUICallback; button: HTMLButtonElement } | undefined;
let overlay: HTMLElement | undefined;

function fail(message: string): never {
  throw new Error(`[iamport sandbox] ${message}`);
}

/** Seed 004: the container must be unique; these are its three error messages. */
function container(uiType: string): HTMLElement {
  const all = Array.from(document.querySelectorAll<HTMLElement>('.portone-ui-container'));
  if (all.length === 0) fail('portone-ui-container를 찾을 수 없습니다.');
  if (all.length === 1) return all[0];
  const typed = all.filter((el) => el.dataset.portoneUiType === uiType);
  if (typed.length === 0) fail('data-portone-ui-type에 올바른 UI 타입을 입력해주세요.');
  if (typed.length > 1) fail('동일한 data-portone-ui-type을 갖는 DOM element가 2개 이상 존재합니다.');
  return typed[0];
}

/** Seed 004's loadUI request table: merchant_uid, pg (paypal_v2), pay_method (paypal), customer_uid are required. */
function checkRequest(request: unknown): asserts request is LoadUIRequest {
  if (typeof request !== 'object' || request === null || Array.isArray(request))
    fail('the loadUI request must be an object');
  const r = request as Record<string, unknown>;
  if (typeof r.pg !== 'string' || !/^paypal_v2(\.[A-Za-z0-9_-]+)?$/.test(r.pg))
    fail('pg must be "paypal_v2" (or "paypal_v2.<PayPal account id>") for paypal-rt');
  if (r.pay_method !== 'paypal') fail('pay_method must be "paypal" for paypal-rt');
  if (typeof r.merchant_uid !== 'string' || r.merchant_uid.length === 0) fail('merchant_uid is required');
  if (typeof r.customer_uid !== 'string' || r.customer_uid.length === 0)
    fail('customer_uid is required to issue a billing key');
  if (r.notice_url !== undefined && typeof r.notice_url !== 'string' && !Array.isArray(r.notice_url))
    fail('notice_url must be a URL string or an array of them');
}

function checkUiType(uiType: unknown): void {
  if (uiType !== UI_TYPE) fail(`unsupported UI type ${JSON.stringify(uiType)}: this sandbox renders "paypal-rt"`);
}

function closeWindow(): void {
  overlay?.remove();
  overlay = undefined;
  if (current) current.button.disabled = false;
}

/** The PayPal window: a real page in an overlay frame; it answers with what the callback receives. */
function openWindow(): void {
  if (!current || !userCode || overlay) return;
  const { request } = current;
  current.button.disabled = true;
  overlay = document.createElement('div');
  overlay.setAttribute('role', 'dialog');
  overlay.setAttribute('aria-modal', 'true');
  overlay.setAttribute('aria-label', 'PayPal (sandbox)');
  overlay.style.cssText =
    'position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;z-index:2147483647';
  const frame = document.createElement('iframe');
  frame.title = 'PayPal (sandbox)';
  frame.src = new URL('windows/paypal-rt', base).toString();
  frame.style.cssText = 'width:min(460px,95vw);height:min(620px,95vh);border:0;border-radius:8px;background:#fff';
  const code = userCode;
  frame.addEventListener('load', () => {
    frame.contentWindow?.postMessage({ imp: 'sandbox', type: 'request', userCode: code, request }, base.origin);
    frame.focus();
  });
  overlay.append(frame);
  document.body.append(overlay);
}

window.addEventListener('message', (event: MessageEvent) => {
  const data = event.data as { imp?: string; type?: string; response?: LoadUIResponse } | null;
  if (event.origin !== base.origin || data?.imp !== 'sandbox' || data.type !== 'result' || !current) return;
  const { callback, button } = current;
  closeWindow();
  button.focus();
  callback(data.response as LoadUIResponse);
});

const IMP: SandboxImp = {
  init(accountID: string) {
    if (typeof accountID !== 'string' || accountID.length === 0) fail('IMP.init takes the merchant identifier (imp…)');
    userCode = accountID;
  },
  loadUI(uiType, request, callback) {
    if (!userCode) fail('call IMP.init(userCode) before IMP.loadUI');
    checkUiType(uiType);
    checkRequest(request);
    if (typeof callback !== 'function') fail('IMP.loadUI needs a callback function');
    const target = container(uiType);
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'portone-paypal-rt-button';
    button.textContent = 'PayPal';
    button.setAttribute('aria-label', 'Pay with PayPal');
    button.style.cssText =
      'min-width:220px;padding:12px 24px;border:0;border-radius:24px;background:#ffc439;color:#003087;font:700 18px/1 system-ui,sans-serif;cursor:pointer';
    button.addEventListener('click', openWindow);
    target.replaceChildren(button);
    current = { request: { ...request }, callback, button };
  },
  updateLoadUIRequest(uiType, request) {
    checkUiType(uiType);
    checkRequest(request);
    if (!current) fail('call IMP.loadUI before IMP.updateLoadUIRequest');
    current.request = { ...request };
  },
  request_pay() {
    fail('IMP.request_pay is not simulated: PayPal RT billing keys are issued through IMP.loadUI("paypal-rt", …)');
  },
};

window.IMP = IMP;

export {};
