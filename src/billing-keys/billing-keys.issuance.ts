import { randomBytes } from 'node:crypto';
import {
  billingKeyFlowOf,
  hasCapability,
  webhookUrl,
  type AdapterWith,
  type IssueBillingKeyInput,
} from '@app/pg-contract';
import { hashClientSecret, mintClientSecret } from '../common/crypto/client-secret';
import { DomainError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import type { Customer } from '../customers/customer.entity';
import type { BillingKey } from './billing-key.entity';
import type { CreateBillingKeyDto } from './dto/billing-key.dto';

/** Issuance, pure: what a new key is recorded as and what its gateway is asked to build for the buyer. */

/** Prefix of the issuance merchant_uid minted for every billing key (charges' references never start with it). */
export const ISSUANCE_REFERENCE_PREFIX = 'bki_';

/** Name recorded when neither the merchant nor the gateway's descriptor gives one. */
const DEFAULT_NAME = 'Billing key';

/** Redirect gateways send the buyer back through our routes, then to the merchant's successUrl or failUrl. */
export function requireRedirectUrls(adapter: AdapterWith<'billingKeys'>, input: CreateBillingKeyDto): void {
  if (billingKeyFlowOf(adapter.descriptor) !== 'redirect') return;
  const missing = (['successUrl', 'failUrl'] as const).filter((f) => !input[f]);
  if (missing.length > 0) {
    throw new DomainError(
      'VALIDATION_FAILED',
      `${input.gateway} sends the buyer back through a redirect: successUrl and failUrl are required`,
      missing.map((field) => ({ field, errors: [`required for ${input.gateway}`] })),
    );
  }
}

/** A pending key with freshly minted ids and its client secret (returned once; only its hash is recorded). */
export function pendingKeyDraft(
  merchantId: string,
  customer: Customer,
  adapter: AdapterWith<'billingKeys'>,
  input: CreateBillingKeyDto,
  now: Date,
): { draft: BillingKey; clientSecret: string } {
  const id = newId('bk');
  const clientSecret = mintClientSecret(id);
  const draft: BillingKey = {
    id,
    merchantId,
    customerId: customer.id,
    gateway: input.gateway,
    status: 'pending',
    // Opaque and unguessable: knowing one never helps to guess another merchant's key.
    customerUid: `cu_${randomBytes(24).toString('base64url')}`,
    merchantUid: `${ISSUANCE_REFERENCE_PREFIX}${randomBytes(18).toString('base64url')}`,
    name: input.name ?? adapter.descriptor.defaultBillingKeyName ?? DEFAULT_NAME,
    customData: input.customData ?? null,
    gatewayPaymentId: null,
    gatewayBillingKey: null,
    clientSecretHash: hashClientSecret(clientSecret),
    successUrl: input.successUrl ?? null,
    failUrl: input.failUrl ?? null,
    revokeReason: null,
    failureCode: null,
    failureMessage: null,
    revokePendingAtPg: false,
    createdAt: now,
    updatedAt: now,
    activatedAt: null,
    revokedAt: null,
  };
  return { draft, clientSecret };
}

/** The adapter's issueBillingKey input for a key: buyer, notice URL, STC and, for redirect gateways, our routes. */
export function issuanceInput(
  adapter: AdapterWith<'billingKeys'>,
  key: BillingKey,
  customer: Customer,
  riskContext: Record<string, string>,
  publicBaseUrl: string,
): IssueBillingKeyInput {
  const redirect = billingKeyFlowOf(adapter.descriptor) === 'redirect';
  const routes = `${publicBaseUrl}/v1/billing-keys/${encodeURIComponent(key.id)}`;
  return {
    billingKey: key.customerUid,
    reference: key.merchantUid,
    buyer: {
      id: customer.id,
      email: customer.email,
      firstName: customer.firstName,
      lastName: customer.lastName,
      ...(customer.phone ? { phone: customer.phone } : {}),
      country: customer.countryCode,
    },
    name: key.name,
    ...(hasCapability(adapter.descriptor, 'webhooks')
      ? { noticeUrls: [webhookUrl(publicBaseUrl, adapter.descriptor, key.merchantId)] }
      : {}),
    ...(key.customData ? { customData: key.customData as Record<string, unknown> } : {}),
    ...(Object.keys(riskContext).length > 0 ? { riskContext } : {}),
    ...(redirect ? { returnUrl: `${routes}/return`, failUrl: `${routes}/fail` } : {}),
  };
}
