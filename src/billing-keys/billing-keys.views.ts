import type { ClientRequest } from '@app/pg-contract';
import { DomainError } from '../common/errors/domain.error';
import type { BillingKey, BillingKeyStatus } from './billing-key.entity';
import type { BillingKeyCompletionDto, BillingKeyDto, CheckoutDto, LoadUiDto } from './dto/billing-key.dto';

/**
 * What the frontend needs for the gateway's SDK: `checkout` (v1.1) always; `loadUI` (v1) too for SDKs whose method
 * takes a UI type (IMP.loadUI), with the SDK's init values beside the request as v1 clients read them.
 */
export function clientFields(client: ClientRequest): { checkout: CheckoutDto; loadUI?: LoadUiDto } {
  const checkout = { sdk: client.sdk, init: { ...client.init }, method: client.method, request: { ...client.request } };
  if (client.uiType === undefined) return { checkout };
  return {
    checkout,
    loadUI: { uiType: client.uiType, userCode: String(client.init.userCode ?? ''), request: { ...client.request } },
  };
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function toBillingKeyDto(k: BillingKey): BillingKeyDto {
  return {
    id: k.id,
    status: k.status,
    gateway: k.gateway,
    customerId: k.customerId,
    name: k.name,
    failureCode: k.failureCode,
    failureMessage: k.failureMessage,
    revokedAtGateway: k.status === 'revoked' ? !k.revokeReason && !k.revokePendingAtPg : null,
    ...(k.status === 'revoked' && k.revokeReason ? { reason: k.revokeReason } : {}),
    createdAt: iso(k.createdAt)!,
    updatedAt: iso(k.updatedAt)!,
    activatedAt: iso(k.activatedAt),
    revokedAt: iso(k.revokedAt),
  };
}

export function toCompletionDto(k: BillingKey): BillingKeyCompletionDto {
  return {
    id: k.id,
    status: k.status as BillingKeyStatus,
    ...(k.failureCode ? { failureCode: k.failureCode } : {}),
    ...(k.failureMessage ? { failureMessage: k.failureMessage } : {}),
  };
}

export function chargeableOrThrow(key: BillingKey): BillingKey {
  if (key.status !== 'active')
    throw new DomainError('BILLING_KEY_NOT_ACTIVE', `Billing key is ${key.status}, not active`, [
      { status: key.status },
    ]);
  return key;
}
