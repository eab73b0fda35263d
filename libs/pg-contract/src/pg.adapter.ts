import type { GatewayDescriptor } from './pg.descriptor';
import type { Money } from './pg.money';
import type {
  BillingKeyOutcome,
  CancelOutcome,
  DeleteBillingKeyOutcome,
  LookupOutcome,
  NotSentOutcome,
  PaymentOutcome,
} from './pg.outcomes';
import type { OneTimeFlow, PaymentInspection, PaymentPointer, RefusalAdvice, ReturnCheck } from './pg.onetime';

/** Per-call options every adapter method accepts. */
export interface CallOptions {
  /** Aborts the PG call; an abort after the request was written yields UNKNOWN, never a guess. */
  readonly signal?: AbortSignal;
}

/** What we know about the buyer, for the PG's own records and risk checks. Never includes payment-method data. */
export interface BuyerInfo {
  /** Our customer id (PortOne `customer_id`). */
  readonly id: string;
  /** Buyer e-mail. */
  readonly email?: string;
  /** Given name. */
  readonly firstName?: string;
  /** Family name. */
  readonly lastName?: string;
  /** Phone number as entered. */
  readonly phone?: string;
  /** ISO 3166-1 alpha-2 country of the buyer. */
  readonly country?: string;
}

/**
 * What the merchant's frontend must pass to the PG's browser SDK, verbatim, with the PG's own field names (the REST
 * contract returns it as is). Example: `{ sdk: 'iamport-v1', init: { userCode }, method: 'loadUI', uiType: 'paypal-rt', request }`.
 */
export interface ClientRequest {
  /** Which SDK consumes it (`iamport-v1`, `tosspayments-v2`). */
  readonly sdk: string;
  /** The SDK's initialisation arguments (PortOne `IMP.init(userCode)`, Toss client key): public values only. */
  readonly init: Readonly<Record<string, unknown>>;
  /** The SDK method to call (`loadUI`, `requestPayment`). */
  readonly method: string;
  /** The UI type argument, where the method takes one (`paypal-rt`). */
  readonly uiType?: string;
  /** The request object for that method, in the PG's field names. */
  readonly request: Readonly<Record<string, unknown>>;
}

/** `prepareCheckout`: a one-time payment the buyer is about to make in the PG's window. */
export interface PrepareCheckoutInput {
  /** Our unique reference of this payment (Toss orderId). Also the lookup key after a timeout. */
  readonly reference: string;
  /** What the buyer pays; the adapter refuses currencies its descriptor does not list. */
  readonly amount: Money;
  /** Order name shown to the buyer. */
  readonly orderName: string;
  /** Where the PG sends the buyer after approval / failure. */
  readonly successUrl: string;
  /** Where the PG sends the buyer after a failure or cancellation. */
  readonly failUrl: string;
  /** The buyer, when known. */
  readonly buyer?: BuyerInfo;
  /** Flat risk data for the PG (PayPal STC key/values), when the merchant's policy calls for it. */
  readonly riskContext?: Readonly<Record<string, string>>;
}

/** The answer of `prepareCheckout`: what the frontend passes to the SDK. Nothing was sent to the PG yet. */
export interface CheckoutPreparation {
  /** Our reference, as given. */
  readonly reference: string;
  /** The amount the checkout asks for. */
  readonly amount: Money;
  /** What the frontend passes to the SDK. */
  readonly client: ClientRequest;
}

/** `confirm`: the buyer came back from the PG's window; approve the payment. */
export interface ConfirmInput {
  /** Our reference of the payment. */
  readonly reference: string;
  /** The amount we stored for this reference. The adapter compares the redirect's amount with it before confirming (a tampered redirect is NOT_SENT `AMOUNT_MISMATCH`), and the PG's report after. */
  readonly expected: Money;
  /** What the success redirect carried (Toss `paymentKey`, `orderId`, `amount`): a pointer, untrusted. */
  readonly pointer: Readonly<Record<string, string>>;
  /**
   * Set when the confirm is re-sent after an unknown outcome (the redirect is gone): the PG's id of the checkout that
   * `checkReturn` accepted and the core stored. The adapter then confirms it for `expected`, ignoring `pointer`.
   */
  readonly gatewayPaymentId?: string;
}

/** `retrieve`: the PG's view of one payment, by the PG's id. */
export interface RetrieveInput {
  /** The PG's id (imp_uid, paymentKey). */
  readonly gatewayPaymentId: string;
  /** What we believe the payment is for: the answer is checked against it ({@link checkIntegrity}). */
  readonly expected: Money;
  /** Our reference, when known: checked against the PG's too. */
  readonly reference?: string;
}

/** `retrieveByReference`: the PG's view of the payment we made under our reference; how an UNKNOWN is resolved. */
export interface RetrieveByReferenceInput {
  /** Our reference (merchant_uid, orderId). */
  readonly reference: string;
  /** What we asked for under it: the answer is checked against it. */
  readonly expected: Money;
}

/** `cancel`: return all or part of a succeeded payment. */
export interface CancelInput {
  /** The PG's id of the payment. */
  readonly gatewayPaymentId: string;
  /** Our reference of the payment. */
  readonly reference: string;
  /** How much to return; omit for everything still refundable. */
  readonly amount?: Money;
  /** Why (shown to the buyer by some PGs; at most 200 characters). */
  readonly reason: string;
  /** Unique per cancel attempt and reused on its retries: the PG idempotency key where the PG has one (Toss). */
  readonly cancelId: string;
  /** The refundable balance we believe in; PGs with a checksum (PortOne) refuse the cancel when theirs differs. */
  readonly refundableBalance?: Money;
}

/** `issueBillingKey`: build the frontend request that lets the buyer approve a billing key. */
export interface IssueBillingKeyInput {
  /** Our opaque id of the billing key, minted by the server and sent at issuance (PortOne customer_uid, Toss customerKey). */
  readonly billingKey: string;
  /** Our reference of the issuance transaction (PortOne merchant_uid). */
  readonly reference: string;
  /** The buyer. */
  readonly buyer: BuyerInfo;
  /** Name of the issuance shown to the buyer. */
  readonly name?: string;
  /** Where the PG posts webhooks about this issuance. */
  readonly noticeUrls?: readonly string[];
  /** Merchant data stored with the issuance at the PG. */
  readonly customData?: Readonly<Record<string, unknown>>;
  /** Flat risk data for the PG (PayPal STC), when the merchant's policy calls for it. */
  readonly riskContext?: Readonly<Record<string, string>>;
  /** Our return route for redirect flows (`GET /v1/billing-keys/{id}/return`), filled by the core. */
  readonly returnUrl?: string;
  /** Our fail route for redirect flows (`GET /v1/billing-keys/{id}/fail`), filled by the core. */
  readonly failUrl?: string;
}

/** `completeBillingKey`: the frontend callback fired; find out from the PG whether the key is active. */
export interface CompleteBillingKeyInput {
  /** Our id of the billing key. */
  readonly billingKey: string;
  /** Our reference of the issuance. */
  readonly reference: string;
  /**
   * A pointer, untrusted: what the frontend callback received (PortOne `imp_uid`, `merchant_uid`), the query of the
   * redirect to our return route (Toss `customerKey`, `authKey`), or, from a webhook or the reconciler,
   * `{ gatewayPaymentId }`.
   */
  readonly pointer: Readonly<Record<string, unknown>>;
}

/** `deleteBillingKey`: revoke a billing key at the PG. */
export interface DeleteBillingKeyInput {
  /** The PG's own key (`gatewayBillingKey` of the ACTIVE outcome, or the id we minted when the PG reported none). */
  readonly billingKey: string;
  /** The id we minted at issuance (PortOne customer_uid, Toss customerKey). */
  readonly issuedAs: string;
  /** Why, for the PG's records. */
  readonly reason?: string;
}

/** `chargeBillingKey`: a merchant-initiated charge with a billing key. */
export interface ChargeBillingKeyInput {
  /** The PG's own key (`gatewayBillingKey` of the ACTIVE outcome, or the id we minted when the PG reported none). */
  readonly billingKey: string;
  /** The id we minted at issuance (Toss requires its customerKey on every charge). */
  readonly issuedAs: string;
  /** Our unique reference of this charge attempt (PortOne merchant_uid): the lookup key after a timeout. */
  readonly reference: string;
  /** What to charge; the adapter refuses currencies its descriptor does not list. */
  readonly amount: Money;
  /** Order name (required by some PGs). */
  readonly orderName: string;
  /** The buyer, when known. */
  readonly buyer?: BuyerInfo;
  /** Where the PG posts webhooks about this charge. */
  readonly noticeUrls?: readonly string[];
  /** Merchant data stored with the charge at the PG. */
  readonly customData?: Readonly<Record<string, unknown>>;
  /** Flat risk data for the PG (PayPal STC), when the merchant's policy calls for it. */
  readonly riskContext?: Readonly<Record<string, string>>;
}

/** A webhook as it arrived: parsed body (JSON or form), headers, and the raw text for signature checks. */
export interface WebhookInput {
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
  /** The parsed body. */
  readonly body: unknown;
  /** The body as received, for signed webhooks. */
  readonly rawBody?: string;
}

/**
 * What a webhook points at. It is only a hint: the core re-fetches the payment with `retrieve` /
 * `retrieveByReference` and applies what the PG's API says, never what the webhook body says. It deliberately has no
 * status field.
 */
export interface WebhookRefetch {
  /** Discriminant. */
  readonly kind: 'refetch';
  /** The PG's id of the payment, when the webhook names it. */
  readonly gatewayPaymentId?: string;
  /** Our reference, when the webhook names it. At least one of the two is present, or else `cancel`. */
  readonly reference?: string;
  /** The PG's event name (`PAYMENT_STATUS_CHANGED`, PortOne's status word), for logs and metrics only. */
  readonly event?: string;
  /** A key to drop duplicates (Toss transmission id), when the PG gives one. */
  readonly dedupKey?: string;
  /**
   * The delivery announces a refund (full or partial). A claim only: the core then also re-fetches a payment it holds
   * as settled with no cancel of its own under way, to pick up a refund made outside the API.
   */
  readonly refundNoticed?: boolean;
  /**
   * The cancel the delivery is about, when it names one (Toss CANCEL_STATUS_CHANGED): the core finds the payment through
   * its own cancel with this id. A delivery may carry only this (no payment id or reference).
   */
  readonly cancel?: { readonly gatewayCancelId: string; readonly rawStatus: string };
  /**
   * What the body claims, for deduplication only (never applied): a pointer is remembered only once the re-fetch
   * agrees with its claim, so a forged claim cannot mask the genuine delivery that follows.
   */
  readonly claim?: { readonly rawStatus: string; readonly cancelCount: number };
}

/** A webhook that points at nothing we can re-fetch (malformed, an event we do not use). Answer 2xx and drop it. */
export interface WebhookIgnored {
  /** Discriminant. */
  readonly kind: 'ignore';
  /** Why, for logs. */
  readonly reason: string;
}

/** The answer of `parseWebhook`. */
export type WebhookParseResult = WebhookRefetch | WebhookIgnored;

/** The answer of the optional `checkCredentials`. */
export type CredentialCheck<C> =
  { readonly ok: true; readonly credentials: C } | { readonly ok: false; readonly problems: readonly string[] };

/**
 * What every PG adapter implements: one optional method per flow, each taking the merchant's credentials (opaque,
 * typed by the adapter) and typed inputs with {@link Money}, and answering with outcomes, never throwing for a
 * decline, a timeout or a PG error. Adapters are stateless (the payments core owns state and transitions), send only
 * what their descriptor declares, and never log or return secrets.
 *
 * Which methods are required follows from the declared capabilities ({@link CAPABILITY_METHODS}); the
 * {@link GatewayRegistry} refuses to boot otherwise.
 *
 * @typeParam C the merchant credentials this adapter takes.
 */
export interface PaymentGatewayAdapter<C = unknown> {
  /** Who the gateway is and what it can do. */
  readonly descriptor: GatewayDescriptor;

  /** Validates raw credentials (e.g. before storing a merchant's keys). Problems never echo secret values. */
  checkCredentials?(raw: unknown): CredentialCheck<C>;

  /**
   * Builds the frontend request for a one-time payment. Sends nothing to the PG; NOT_SENT (`invalid_request`) for what
   * the gateway cannot take (a refused currency), so the buyer never sees a checkout that cannot be confirmed.
   */
  prepareCheckout?(
    credentials: C,
    input: PrepareCheckoutInput,
    options?: CallOptions,
  ): Promise<CheckoutPreparation | NotSentOutcome>;
  /** Approves a one-time payment the buyer completed; checks the redirect amount first and the PG's report after. */
  confirm?(credentials: C, input: ConfirmInput, options?: CallOptions): Promise<PaymentOutcome>;
  /** The PG's view of a payment by its id, checked against what we expected. */
  retrieve?(credentials: C, input: RetrieveInput, options?: CallOptions): Promise<LookupOutcome>;
  /** The PG's view of the payment made under our reference: resolves UNKNOWN outcomes. */
  retrieveByReference?(credentials: C, input: RetrieveByReferenceInput, options?: CallOptions): Promise<LookupOutcome>;
  /**
   * The payment (by the PG's id or our reference) checked against what we expect, with the cancels the PG lists: how
   * the one-time payments core resolves an unknown confirm or cancel, applies a webhook re-fetch and picks up refunds
   * made outside the API. Required with `oneTimePayments`.
   */
  inspect?(
    credentials: C,
    pointer: PaymentPointer,
    expected: Money,
    reference?: string,
    options?: CallOptions,
  ): Promise<PaymentInspection>;
  /**
   * Compares the return redirect's pointer with what we stored, sending nothing: the PG's id of the checkout to claim,
   * or why not (`pointer_invalid`: no usable id; `mismatch`: another amount or order, tampered). `confirm` repeats it.
   */
  checkReturn?(input: ConfirmInput): ReturnCheck;
  /** What a PG refusal code means for the one-time flow (pure and total: an unlisted code is never permanent). */
  describeRefusal?(flow: OneTimeFlow, code: string, httpStatus?: number): RefusalAdvice;
  /** Cancels all or part of a payment. A cancel the PG has not approved yet is PENDING, never SUCCEEDED. */
  cancel?(credentials: C, input: CancelInput, options?: CallOptions): Promise<CancelOutcome>;
  /** Builds the frontend request that lets the buyer approve a billing key. Sends nothing to the PG; NOT_SENT for input the PG would refuse. */
  issueBillingKey?(
    credentials: C,
    input: IssueBillingKeyInput,
    options?: CallOptions,
  ): Promise<ClientRequest | NotSentOutcome>;
  /** Finds out from the PG (never from the callback) whether the billing key is active. */
  completeBillingKey?(
    credentials: C,
    input: CompleteBillingKeyInput,
    options?: CallOptions,
  ): Promise<BillingKeyOutcome>;
  /** Revokes a billing key at the PG. Idempotent. */
  deleteBillingKey?(
    credentials: C,
    input: DeleteBillingKeyInput,
    options?: CallOptions,
  ): Promise<DeleteBillingKeyOutcome>;
  /** Charges a billing key. The reference is the idempotency and lookup key. */
  chargeBillingKey?(credentials: C, input: ChargeBillingKeyInput, options?: CallOptions): Promise<PaymentOutcome>;
  /** Turns a webhook into a reference to re-fetch (or `ignore`). Pure and synchronous: no PG call, never throws. */
  parseWebhook?(credentials: C, input: WebhookInput): WebhookParseResult;
}

/** Names of the optional flow methods of {@link PaymentGatewayAdapter}. */
export type AdapterMethod = Exclude<keyof PaymentGatewayAdapter, 'descriptor' | 'checkCredentials'>;

/**
 * The methods each capability requires. Lookups are required with any payment capability because an UNKNOWN can only
 * be resolved by looking it up, and a webhook only by re-fetching.
 */
export const CAPABILITY_METHODS = {
  oneTimePayments: ['prepareCheckout', 'confirm', 'retrieve', 'retrieveByReference'],
  billingKeys: ['issueBillingKey', 'completeBillingKey', 'chargeBillingKey', 'retrieve', 'retrieveByReference'],
  billingKeyDeletion: ['deleteBillingKey'],
  cancel: ['cancel'],
  partialCancel: ['cancel'],
  webhooks: ['parseWebhook'],
} as const satisfies Record<string, readonly AdapterMethod[]>;

/** A capability that can be required of an adapter (`webhooks` = `webhookKind` is not `none`). */
export type Capability = keyof typeof CAPABILITY_METHODS;

/** An adapter narrowed to one that has the methods of capability `K` (what `GatewayRegistry.require` returns). */
export type AdapterWith<K extends Capability, C = unknown> = PaymentGatewayAdapter<C> &
  Required<Pick<PaymentGatewayAdapter<C>, (typeof CAPABILITY_METHODS)[K][number]>>;

/** Whether the descriptor declares capability `k`. */
export function hasCapability(d: GatewayDescriptor, k: Capability): boolean {
  if (k === 'webhooks') return d.capabilities.webhookKind !== 'none';
  return d.capabilities[k] === true;
}

/** Problems of an adapter (descriptor aside): declared capabilities whose methods are missing. Empty when fine. */
export function missingMethods(adapter: PaymentGatewayAdapter): string[] {
  const problems: string[] = [];
  for (const k of Object.keys(CAPABILITY_METHODS) as Capability[]) {
    if (!hasCapability(adapter.descriptor, k)) continue;
    for (const m of CAPABILITY_METHODS[k]) {
      if (typeof (adapter as unknown as Record<string, unknown>)[m] !== 'function')
        problems.push(`declares ${k} but does not implement ${m}()`);
    }
  }
  return [...new Set(problems)];
}

/**
 * What the one-time payments core calls: checkout, confirm and look-ups, cancels, the inspection with cancels and the
 * webhook parser. Narrowed from the registry entry's instance with {@link GatewayRegistry.require} and `inspect`.
 */
export type OneTimeAdapter<C = unknown> = AdapterWith<'oneTimePayments', C> &
  Required<Pick<PaymentGatewayAdapter<C>, (typeof ONE_TIME_CORE_METHODS)[number]>>;

/** The methods beyond `oneTimePayments`' own that the one-time payments core needs (see {@link OneTimeAdapter}). */
export const ONE_TIME_CORE_METHODS = [
  'cancel',
  'inspect',
  'parseWebhook',
  'checkReturn',
  'describeRefusal',
] as const satisfies readonly AdapterMethod[];
