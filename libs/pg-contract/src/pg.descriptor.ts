import { isKnownCurrency, moneyProblem, type Money } from './pg.money';
import { notSent, type NotSentOutcome } from './pg.outcomes';

/** How a gateway's webhooks can be trusted: `signed` (verifiable), `unsigned` (a hint to re-fetch), `none` (no webhooks). */
export type WebhookKind = 'signed' | 'unsigned' | 'none';

/**
 * What a gateway can do. The registry checks at boot that every declared capability has its methods
 * ({@link CAPABILITY_METHODS}); the conformance suite runs the cases of the declared capabilities.
 */
export interface GatewayCapabilities {
  /** A buyer pays once through the PG's checkout: `prepareCheckout` then `confirm`. */
  readonly oneTimePayments: boolean;
  /** Billing keys (recurring charges without the buyer): issue, complete, charge, delete. */
  readonly billingKeys: boolean;
  /** A payment can be cancelled (refunded) in full. */
  readonly cancel: boolean;
  /** A payment can be cancelled in part, several times; requires `cancel`. */
  readonly partialCancel: boolean;
  /** Whether and how the PG sends webhooks. Anything but `none` requires `parseWebhook`. */
  readonly webhookKind: WebhookKind;
  /** ISO 4217 codes the gateway takes (every one must be in the currency table). */
  readonly currencies: readonly string[];
  /** Codes the PG is known to refuse (documentation and a clear error; PayPal RT refuses KRW). Disjoint from `currencies`. */
  readonly refusesCurrencies?: readonly string[];
  /** Payments can come back PENDING and settle later (PayPal pending review). */
  readonly pendingPayments?: boolean;
  /**
   * The PG can revoke a billing key (`deleteBillingKey`). Required (a boolean) when `billingKeys` is true. Where it is
   * false, the core revokes the key on our side only and reports `revokedAtGateway: false`, `reason: NOT_SUPPORTED`.
   */
  readonly billingKeyDeletion?: boolean;
  /**
   * How a billing-key issuance comes back (default `callback`): `callback` = the SDK hands the frontend a pointer it
   * posts to `POST /v1/billing-keys/{id}/complete` (PortOne loadUI); `redirect` = the PG sends the buyer's browser to
   * our return route `GET /v1/billing-keys/{id}/return` (or `/fail`), and `successUrl`/`failUrl` are required at creation.
   */
  readonly billingKeyFlow?: BillingKeyFlow;
}

/** See {@link GatewayCapabilities.billingKeyFlow}. */
export type BillingKeyFlow = 'callback' | 'redirect';

/** Who a gateway is and what it can do. */
export interface GatewayDescriptor {
  /**
   * Stable identifier (`toss-foreign-pay`, `portone-paypal-rt`): stored on every record and used in URLs and
   * configuration, so it never changes once released. Lower-case letters, digits and dashes, 2-63 characters.
   */
  readonly code: string;
  /** Human-readable name for logs and dashboards. */
  readonly displayName: string;
  /** See {@link GatewayCapabilities}. */
  readonly capabilities: GatewayCapabilities;
  /**
   * What the buyer pays with through this gateway (`paypal`, `card`, …). PayPal risk rules (STC, Fraudnet) apply
   * only where it is `paypal`.
   */
  readonly paymentMethod: string;
  /** Legacy path segments that also reach this gateway's webhook (`/v1/webhooks/<alias>/{merchantId}`). */
  readonly webhookAliases?: readonly string[];
  /**
   * The prefix of this gateway's one-time payment error codes in our API (`TOSS` → `TOSS_AMOUNT_MISMATCH`): upper-case
   * letters and digits. Default `ORDER`.
   */
  readonly errorCodePrefix?: string;
  /** The billing-key name the core records (and the adapter sends) when the merchant gives none. Default `Billing key`. */
  readonly defaultBillingKeyName?: string;
  /**
   * Credential fields that are not secret and may be shown in full in the merchant's credential hints (client keys,
   * user codes, account ids). Every other field is treated as secret: sealed, never returned, only a masked hint.
   */
  readonly publicCredentialFields?: readonly string[];
}

/** The webhook URL of a gateway for a merchant: `${baseUrl}/v1/webhooks/${code}/${merchantId}`. */
export function webhookUrl(baseUrl: string, descriptor: Pick<GatewayDescriptor, 'code'>, merchantId: string): string {
  return `${baseUrl.replace(/\/$/, '')}/v1/webhooks/${descriptor.code}/${encodeURIComponent(merchantId)}`;
}

/** The billing-key flow of a gateway (`callback` when the descriptor does not say). */
export function billingKeyFlowOf(d: GatewayDescriptor): BillingKeyFlow {
  return d.capabilities.billingKeyFlow ?? 'callback';
}

/** What {@link GatewayDescriptor.code} may look like. */
export const GATEWAY_CODE_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;

/**
 * Problems with a descriptor (empty when it is valid): code format, unknown currencies, overlapping currency lists,
 * `partialCancel` without `cancel`, no payment capability at all.
 */
export function descriptorProblems(d: GatewayDescriptor): string[] {
  const problems: string[] = [];
  if (typeof d?.code !== 'string' || !GATEWAY_CODE_PATTERN.test(d.code)) {
    problems.push(`code ${JSON.stringify(d?.code)} must match ${GATEWAY_CODE_PATTERN}`);
  }
  const c = d?.capabilities;
  if (!c) return [...problems, 'capabilities are missing'];
  for (const flag of ['oneTimePayments', 'billingKeys', 'cancel', 'partialCancel'] as const) {
    if (typeof c[flag] !== 'boolean') problems.push(`capabilities.${flag} must be a boolean`);
  }
  if (!c.oneTimePayments && !c.billingKeys) problems.push('declares neither oneTimePayments nor billingKeys');
  if (c.billingKeys === true && typeof c.billingKeyDeletion !== 'boolean')
    problems.push('capabilities.billingKeyDeletion must be a boolean when billingKeys is true');
  if (c.billingKeyDeletion === true && c.billingKeys !== true) problems.push('billingKeyDeletion requires billingKeys');
  if (c.billingKeyFlow !== undefined && c.billingKeyFlow !== 'callback' && c.billingKeyFlow !== 'redirect') {
    problems.push(`billingKeyFlow ${JSON.stringify(c.billingKeyFlow)} must be callback or redirect`);
  }
  if (typeof d.paymentMethod !== 'string' || d.paymentMethod.length === 0)
    problems.push('paymentMethod must be a non-empty string');
  for (const alias of d.webhookAliases ?? []) {
    if (typeof alias !== 'string' || !GATEWAY_CODE_PATTERN.test(alias))
      problems.push(`webhook alias ${JSON.stringify(alias)} must match ${GATEWAY_CODE_PATTERN}`);
  }
  if (
    d.errorCodePrefix !== undefined &&
    (typeof d.errorCodePrefix !== 'string' || !/^[A-Z][A-Z0-9]{0,15}$/.test(d.errorCodePrefix))
  ) {
    problems.push(`errorCodePrefix ${JSON.stringify(d.errorCodePrefix)} must be 1-16 upper-case letters and digits`);
  }
  if (c.partialCancel && !c.cancel) problems.push('partialCancel requires cancel');
  if (c.webhookKind !== 'signed' && c.webhookKind !== 'unsigned' && c.webhookKind !== 'none') {
    problems.push(`webhookKind ${JSON.stringify(c.webhookKind)} must be signed, unsigned or none`);
  }
  if (!Array.isArray(c.currencies) || c.currencies.length === 0)
    problems.push('currencies must list at least one ISO 4217 code');
  for (const code of [...(c.currencies ?? []), ...(c.refusesCurrencies ?? [])]) {
    if (!isKnownCurrency(code)) problems.push(`currency ${JSON.stringify(code)} is not a known ISO 4217 code`);
  }
  for (const code of c.refusesCurrencies ?? []) {
    if (c.currencies?.includes(code)) problems.push(`currency ${code} is both accepted and refused`);
  }
  return problems;
}

/** True when the gateway takes `currency` (listed in `currencies`, not in `refusesCurrencies`). */
export function supportsCurrency(d: GatewayDescriptor, currency: string): boolean {
  return d.capabilities.currencies.includes(currency) && !(d.capabilities.refusesCurrencies ?? []).includes(currency);
}

/**
 * The check every adapter runs before sending an amount: a NOT_SENT outcome (`invalid_request`, not retryable) when
 * the money is malformed, not positive, or in a currency the gateway does not take; null when it may be sent. An
 * adapter never sends what its descriptor says it cannot do.
 */
export function preflightAmount(
  d: GatewayDescriptor,
  amount: Money,
  options: { allowZero?: boolean } = {},
): NotSentOutcome | null {
  const problem = moneyProblem(amount, { positive: !options.allowZero });
  if (problem) return notSent('invalid_request', 'INVALID_AMOUNT', problem, false);
  if (!supportsCurrency(d, amount.currency)) {
    return notSent('invalid_request', 'CURRENCY_NOT_SUPPORTED', `${d.code} does not take ${amount.currency}`, false);
  }
  return null;
}
