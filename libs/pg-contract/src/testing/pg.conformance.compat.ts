import { CAPABILITY_METHODS, missingMethods, type ChargeBillingKeyInput, type DeleteBillingKeyInput, type IssueBillingKeyInput, type PaymentGatewayAdapter } from '../pg.adapter';
import type { GatewayCapabilities, GatewayDescriptor } from '../pg.descriptor';
import type { BillingKeyActiveOutcome } from '../pg.outcomes';

/**
 * MERGE SHIMS (issue 24): the contract fields agreed in the seam contract (`billingKeyDeletion`, `billingKeyFlow`,
 * `gatewayBillingKey`, `issuedAs`, `returnUrl`/`failUrl`), declared here as optional extensions until the contract
 * branch lands. Every type below is a supertype-compatible intersection, so it keeps compiling once the real fields
 * exist; at merge, replace each alias by the contract type it extends and delete this file.
 */

/** SHIM: `GatewayCapabilities` with the billing-key fields of the seam contract. */
export type ConformanceCapabilities = GatewayCapabilities & {
  readonly billingKeyDeletion?: boolean;
  readonly billingKeyFlow?: 'callback' | 'redirect';
};

/** SHIM: `IssueBillingKeyInput` with OUR return routes for redirect flows. */
export type ConformanceIssueInput = IssueBillingKeyInput & { readonly returnUrl?: string; readonly failUrl?: string };

/** SHIM: `ChargeBillingKeyInput` where `billingKey` is the PG's key and `issuedAs` the id we minted. */
export type ConformanceChargeInput = ChargeBillingKeyInput & { readonly issuedAs: string };

/** SHIM: `DeleteBillingKeyInput`, same as {@link ConformanceChargeInput}. */
export type ConformanceDeleteInput = DeleteBillingKeyInput & { readonly issuedAs: string };

/** SHIM: an ACTIVE billing-key outcome with the PG's own key, when the PG mints it. */
export type ConformanceActiveKey = BillingKeyActiveOutcome & { readonly gatewayBillingKey?: string };

/** The capabilities of a descriptor, with the seam-contract fields visible. */
export function capsOf(d: GatewayDescriptor): ConformanceCapabilities {
  return d.capabilities as ConformanceCapabilities;
}

/**
 * Whether the gateway revokes keys at the PG. SHIM: `?? true` reads an adapter written before `billingKeyDeletion`
 * existed (when every billing-key adapter had to delete); at merge the field is a required boolean with `billingKeys`.
 */
export function deletesKeys(d: GatewayDescriptor): boolean {
  return capsOf(d).billingKeys && (capsOf(d).billingKeyDeletion ?? true);
}

/** `'callback'` (PortOne loadUI) or `'redirect'` (the PG sends the buyer's browser to our return route). */
export function keyFlowOf(d: GatewayDescriptor): 'callback' | 'redirect' {
  return capsOf(d).billingKeyFlow ?? 'callback';
}

/** Whether the contract requires `deleteBillingKey` of this descriptor. */
export function requiresDelete(d: GatewayDescriptor): boolean {
  const table = CAPABILITY_METHODS as Readonly<Record<string, readonly string[]>>;
  // SHIM: before the contract branch, `billingKeys` itself lists deleteBillingKey and `billingKeyDeletion` is absent.
  if (!('billingKeyDeletion' in table)) return deletesKeys(d);
  const caps = capsOf(d) as unknown as Readonly<Record<string, unknown>>;
  return Object.entries(table).some(([k, methods]) => caps[k] === true && methods.includes('deleteBillingKey'));
}

/**
 * `missingMethods` of the contract. SHIM: before the contract branch, a gateway declaring `billingKeyDeletion: false`
 * is excused from `deleteBillingKey`, as the agreed `CAPABILITY_METHODS` will excuse it; at merge use `missingMethods`.
 */
export function contractMissingMethods(adapter: PaymentGatewayAdapter): string[] {
  const problems = missingMethods(adapter);
  return requiresDelete(adapter.descriptor) ? problems : problems.filter((p) => !p.endsWith('deleteBillingKey()'));
}
