import type { GatewayDescriptor } from '@app/pg-contract';

/**
 * A merchant's PortOne V1 credentials, as GatewayCredentialsService.for() answers them: the REST key pair, the
 * user code the browser SDK is initialised with (public), optionally the PayPal channel's account id, and whether
 * these are sandbox (test-channel) keys.
 */
export interface PortonePaypalRtCredentials {
  readonly userCode: string;
  readonly impKey: string;
  /** Never logged, never in an outcome. */
  readonly impSecret: string;
  /** Selects the PayPal channel: `pg: paypal_v2.<id>` (PortOne's syntax when a merchant has several). */
  readonly paypalAccountId?: string;
  /** Test-channel keys: lookups send include_sandbox=true and accept payments PortOne marks `sandbox`. */
  readonly sandbox?: boolean;
}

export const PORTONE_PAYPAL_RT_CODE = 'portone-paypal-rt';

/** What the buyer sees in the PayPal window when the merchant names the issuance nothing. */
export const PORTONE_DEFAULT_BILLING_KEY_NAME = 'PayPal billing agreement';

/**
 * PayPal Reference Transactions through PortOne V1: billing keys, full and partial cancels, unsigned webhooks,
 * payments PayPal can hold pending. Currencies: PayPal's minus KRW (PayPal RT refuses it: seed 004) and minus HUF and
 * TWD (PayPal takes them without the decimals ISO gives them, so a minor-unit amount could not round-trip).
 */
export const PORTONE_PAYPAL_RT_DESCRIPTOR: GatewayDescriptor = Object.freeze({
  code: PORTONE_PAYPAL_RT_CODE,
  displayName: 'PortOne V1 PayPal RT (billing keys)',
  capabilities: Object.freeze({
    oneTimePayments: false,
    billingKeys: true,
    cancel: true,
    partialCancel: true,
    webhookKind: 'unsigned' as const,
    currencies: Object.freeze(['USD', 'EUR', 'GBP', 'JPY', 'AUD', 'CAD', 'SGD', 'HKD', 'CHF', 'NZD']),
    refusesCurrencies: Object.freeze(['KRW']),
    pendingPayments: true,
    // DELETE /subscribe/customers/{customer_uid} (official PortOne V1 OpenAPI).
    billingKeyDeletion: true,
    // IMP.loadUI's callback hands the frontend { imp_uid, merchant_uid } (iamport-typings).
    billingKeyFlow: 'callback' as const,
  }),
  paymentMethod: 'paypal',
  webhookAliases: Object.freeze(['portone']),
  // impKey is half of the API key pair: secret like impSecret.
  publicCredentialFields: Object.freeze(['userCode', 'paypalAccountId', 'sandbox']),
  defaultBillingKeyName: PORTONE_DEFAULT_BILLING_KEY_NAME,
});
