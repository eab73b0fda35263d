import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { ClientSecretObject } from '../client-secrets/client-secret';
import type { ClientSecretPrincipal } from '../client-secrets/client-secrets.service';
import { DomainError } from '../common/errors/domain.error';
import type { Merchant } from '../merchants/merchant.entity';

export const AUTH_KIND = 'auth:kind';
export type AuthKind = 'public' | 'admin' | 'merchant';
export const CLIENT_SECRET_ALLOWED = 'auth:client-secret';

/** No key: browser redirects, PG webhooks, health, metrics (own token), docs. */
export const Public = () => SetMetadata(AUTH_KIND, 'public' satisfies AuthKind);
/** The platform's admin key (ADMIN_API_KEY). */
export const AdminOnly = () => SetMetadata(AUTH_KIND, 'admin' satisfies AuthKind);

/** Which object a client-secret route acts on, and the path parameter holding its id. */
export interface ClientSecretRoute {
  readonly object: ClientSecretObject;
  readonly param: string;
}

/**
 * A merchant route that a browser may also call with the client secret of the one object named by path parameter
 * `param`. Every other route refuses client secrets (ApiKeyGuard); handlers of these routes read the caller with
 * @CurrentPrincipal(), never @CurrentMerchant().
 */
export const ClientSecretAllowed = (object: ClientSecretObject, param = 'id') =>
  SetMetadata(CLIENT_SECRET_ALLOWED, { object, param } satisfies ClientSecretRoute);

/** Who called a merchant route: the merchant's key, or a client secret pinned to one object. */
export type Principal = { readonly kind: 'merchant'; readonly merchantId: string } | ClientSecretPrincipal;

/** What ApiKeyGuard leaves on the request. */
export interface AuthenticatedRequest {
  merchant?: Merchant;
  /** The id of the merchant key that authenticated (never the key). */
  apiKeyId?: string;
  clientSecret?: ClientSecretPrincipal;
  principal?: 'admin' | 'merchant' | 'client_secret';
}

/** The merchant the request's key belongs to (set by ApiKeyGuard on merchant routes; never for a client secret). */
export const CurrentMerchant = createParamDecorator((_: unknown, ctx: ExecutionContext): Merchant => {
  const merchant = ctx.switchToHttp().getRequest<AuthenticatedRequest>().merchant;
  // The guard never lets a client secret reach a route without @ClientSecretAllowed; this is the second lock.
  if (!merchant) throw new DomainError('UNAUTHORIZED', 'This route takes a merchant API key');
  return merchant;
});

/** The caller of a @ClientSecretAllowed route: the merchant, or the client secret's principal. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (request.clientSecret) return request.clientSecret;
  if (!request.merchant) throw new DomainError('UNAUTHORIZED', 'Missing API key: send Authorization: Bearer <key>');
  return { kind: 'merchant', merchantId: request.merchant.id };
});

/** The id of the API key that called a merchant route (for audit records such as review actions; never the key). */
export const CurrentApiKeyId = createParamDecorator((_: unknown, ctx: ExecutionContext): string => {
  const request = ctx.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.merchant || !request.apiKeyId)
    throw new DomainError('UNAUTHORIZED', 'This route takes a merchant API key');
  return request.apiKeyId;
});
