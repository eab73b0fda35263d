import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Merchant } from '../merchants/merchant.entity';

export const AUTH_KIND = 'auth:kind';
export type AuthKind = 'public' | 'admin' | 'merchant';

/** No key: browser redirects, PG webhooks, health, metrics (own token), docs. */
export const Public = () => SetMetadata(AUTH_KIND, 'public' satisfies AuthKind);
/** The platform's admin key (ADMIN_API_KEY). */
export const AdminOnly = () => SetMetadata(AUTH_KIND, 'admin' satisfies AuthKind);

/** The merchant the request's key belongs to (set by ApiKeyGuard on merchant routes). */
export const CurrentMerchant = createParamDecorator((_: unknown, ctx: ExecutionContext): Merchant => {
  return ctx.switchToHttp().getRequest<{ merchant: Merchant }>().merchant;
});
