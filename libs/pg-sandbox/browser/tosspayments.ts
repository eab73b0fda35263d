/**
 * The sandbox's Toss Payments SDK v2 (served at `/sandbox/toss/v2/standard`, where the real one is
 * `js.tosspayments.com/v2/standard`), for the two methods this product uses. Signatures and error cases follow the
 * official typings `@tosspayments/tosspayments-sdk` (`types/index.d.ts`):
 * - `TossPayments(clientKey)` → `{ payment(PaymentInitParams) }` (`widgets` and `brandpay` are not simulated);
 *   `TossPayments.ANONYMOUS`.
 * - `PaymentInitParams.customerKey`: 2–50 characters of letters, digits and `- _ = . @`; a secret key there is
 *   `InsecureKeyUsageError`.
 * - `payment.requestPayment(WithRedirection<ForeignEasyPayPaymentRequest>)` (FOREIGN_EASY_PAY is redirect-only):
 *   `amount { currency, value }` (PayPal: USD only), `orderId` 6–64 of `[A-Za-z0-9_=-]`, `orderName` ≤ 100,
 *   `foreignEasyPay { provider, country }`, absolute `successUrl` / `failUrl`.
 * - `payment.requestBillingAuth(BillingAuthRequest)`: `method: 'CARD'`, absolute `successUrl` / `failUrl`,
 *   `customerName` / `customerEmail` ≤ 100.
 * - Errors reject the returned promise (the `@throws` lists: `NotSupportedMethodError`, `IncorrectSuccessUrlFormatError`,
 *   `IncorrectFailUrlFormatError`, `InvalidAmountValueError`, `InvalidAmountCurrencyError`, `BelowZeroAmountError`,
 *   `InvalidParametersError`, `InvalidMethodTransactionError`); `TossPayments()` and `payment()` throw
 *   (`InvalidClientKeyError`, `InvalidCustomerKeyError`, `InsecureKeyUsageError`). Each error has a `code`.
 * The window opens as `windowTarget: 'self'` does (the page moves to it); the real SDK's PC default is an iframe.
 * Windows: `windows/payment` (PayPal, this library's Toss plugin) and `windows/billing-auth` (the card window the
 * automatic-billing plugin serves on the same host). They call the sandbox's buyer routes and follow the redirect.
 */

interface Amount {
  currency: string;
  value: number;
}

type Request = Record<string, unknown>;

class TossPaymentsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TossPaymentsError';
  }
}

declare global {
  interface Window {
    TossPayments?: ((clientKey: string) => unknown) & { ANONYMOUS: string };
  }
}

const ANONYMOUS = '@@ANONYMOUS';
/** `/sandbox/toss/`: the script is served at `<that>/v2/standard`. */
const base = new URL('../', (document.currentScript as HTMLScriptElement | null)?.src ?? location.href);
let inFlight = false;

const isObject = (v: unknown): v is Request => typeof v === 'object' && v !== null && !Array.isArray(v);

function isAbsoluteUrl(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(v).protocol);
  } catch {
    return false;
  }
}

function checkRedirects(r: Request): void {
  if (!isAbsoluteUrl(r.successUrl))
    throw new TossPaymentsError('INCORRECT_SUCCESS_URL_FORMAT', 'successUrl must be an absolute URL with its origin');
  if (!isAbsoluteUrl(r.failUrl))
    throw new TossPaymentsError('INCORRECT_FAIL_URL_FORMAT', 'failUrl must be an absolute URL with its origin');
}

function checkCustomer(r: Request): void {
  for (const field of ['customerName', 'customerEmail'])
    if (r[field] != null && (typeof r[field] !== 'string' || (r[field] as string).length > 100))
      throw new TossPaymentsError('INVALID_PARAMETERS', `${field} is a string of at most 100 characters`);
}

/** ForeignEasyPayPaymentRequest with redirection, as the sandbox's buyer route accepts it. */
function checkPayment(r: unknown): asserts r is Request {
  if (!isObject(r)) throw new TossPaymentsError('INVALID_PARAMETERS', 'requestPayment takes an object');
  if (r.method !== 'FOREIGN_EASY_PAY')
    throw new TossPaymentsError('NOT_SUPPORTED_METHOD', 'this sandbox simulates method FOREIGN_EASY_PAY (PayPal) only');
  const amount = r.amount as Partial<Amount> | undefined;
  if (!isObject(amount)) throw new TossPaymentsError('INVALID_PARAMETERS', 'amount is { currency, value }');
  if (typeof amount.value !== 'number' || !Number.isFinite(amount.value))
    throw new TossPaymentsError('INVALID_AMOUNT_VALUE', 'amount.value must be a number');
  if (amount.value < 0) throw new TossPaymentsError('BELOW_ZERO_AMOUNT', 'amount.value is below zero');
  if (amount.value === 0 || Math.round(amount.value * 100) !== amount.value * 100)
    throw new TossPaymentsError('INVALID_AMOUNT_VALUE', 'amount.value must be above zero with at most 2 decimals');
  if (amount.currency !== 'USD')
    throw new TossPaymentsError('INVALID_AMOUNT_CURRENCY', 'foreign easy pay (PayPal) takes USD only');
  if (typeof r.orderId !== 'string' || !/^[A-Za-z0-9_=-]{6,64}$/.test(r.orderId))
    throw new TossPaymentsError('INVALID_PARAMETERS', 'orderId is 6-64 characters of letters, digits, -, _ and =');
  if (typeof r.orderName !== 'string' || r.orderName.length < 1 || r.orderName.length > 100)
    throw new TossPaymentsError('INVALID_PARAMETERS', 'orderName is 1-100 characters');
  const fep = r.foreignEasyPay;
  if (!isObject(fep) || fep.provider !== 'PAYPAL')
    throw new TossPaymentsError('INVALID_PARAMETERS', 'foreignEasyPay.provider must be PAYPAL');
  if (typeof fep.country !== 'string' || !/^[A-Z]{2}$/.test(fep.country))
    throw new TossPaymentsError('INVALID_PARAMETERS', 'foreignEasyPay.country is an ISO-3166 alpha-2 code');
  checkCustomer(r);
  checkRedirects(r);
}

/** CardBillingAuthRequest (TRANSFER billing is not simulated). */
function checkBillingAuth(r: unknown): asserts r is Request {
  if (!isObject(r)) throw new TossPaymentsError('INVALID_PARAMETERS', 'requestBillingAuth takes an object');
  if (r.method !== 'CARD')
    throw new TossPaymentsError('NOT_SUPPORTED_METHOD', 'this sandbox simulates card (CARD) billing only');
  checkCustomer(r);
  checkRedirects(r);
}

/** Opens a window page with what it needs in the fragment (never sent to a server, never logged). */
function open(page: 'payment' | 'billing-auth', data: unknown): Promise<void> {
  if (inFlight)
    return Promise.reject(new TossPaymentsError('INVALID_METHOD_TRANSACTION', 'another request is already running'));
  inFlight = true;
  const url = new URL(`windows/${page}`, base);
  url.hash = encodeURIComponent(JSON.stringify(data));
  location.assign(url.toString());
  // The page moves away: as with the real SDK's redirect flow, the promise never settles.
  return new Promise<void>(() => undefined);
}

function payment(clientKey: string, params: unknown) {
  if (!isObject(params) || typeof params.customerKey !== 'string')
    throw new TossPaymentsError('INVALID_CUSTOMER_KEY', 'payment() takes { customerKey }');
  const customerKey = params.customerKey;
  if (/^(test|live)_sk_/.test(customerKey))
    throw new TossPaymentsError('INSECURE_KEY_USAGE', 'a secret key must never be used as customerKey');
  if (customerKey !== ANONYMOUS && !/^[A-Za-z0-9\-_=.@]{2,50}$/.test(customerKey))
    throw new TossPaymentsError('INVALID_CUSTOMER_KEY', 'customerKey is 2-50 characters of letters, digits, - _ = . @');
  return {
    requestPayment(request: unknown): Promise<void> {
      try {
        checkPayment(request);
      } catch (e) {
        return Promise.reject(e);
      }
      return open('payment', { clientKey, customerKey, paymentRequest: request });
    },
    requestBillingAuth(request: unknown): Promise<void> {
      try {
        if (customerKey === ANONYMOUS)
          throw new TossPaymentsError('INVALID_CUSTOMER_KEY', 'billing needs the customer’s own customerKey');
        checkBillingAuth(request);
      } catch (e) {
        return Promise.reject(e);
      }
      return open('billing-auth', { clientKey, customerKey, request });
    },
    destroy(): Promise<void> {
      inFlight = false;
      return Promise.resolve();
    },
  };
}

function TossPayments(clientKey: string) {
  if (typeof clientKey !== 'string' || /^(test|live)_sk_/.test(clientKey) || !/^(test|live)_ck_/.test(clientKey))
    throw new TossPaymentsError('INVALID_CLIENT_KEY', 'TossPayments() takes a client key (test_ck_… or live_ck_…)');
  return {
    payment: (params: unknown) => payment(clientKey, params),
    widgets: () => {
      throw new TossPaymentsError('NOT_SUPPORTED_API_INDIVIDUAL_KEY', 'the payment widget is not simulated');
    },
    brandpay: () => {
      throw new TossPaymentsError('NOT_SUPPORTED_API_INDIVIDUAL_KEY', 'brandpay is not simulated');
    },
  };
}
TossPayments.ANONYMOUS = ANONYMOUS;

window.TossPayments = TossPayments;

export {};
