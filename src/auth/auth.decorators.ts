import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';

export const AUTH_KIND = 'auth:kind';
export type AuthKind = 'public' | 'admin' | 'merchant';

/** No key: browser redirects, PG webhooks, health, metrics (own token), docs. */
export const Public = () => SetMetadata(AUTH_KIND, 'public' satisfies AuthKind);
/** The platform's admin key (ADMIN_API_KEY). */
export const AdminOnly = () => SetMetadata(AUTH_KIND, 'admin' satisfies AuthKind);

/**
 * The merchant the request's key belongs to (set by ApiKeyGuard on merchant routes); the parameter declares it as
 * `Merchant`. Untyped here so auth imports nothing from merchants (merchants' own controller uses these decorators).
 */
export const CurrentMerchant = createParamDecorator((_: unknown, ctx: ExecutionContext): unknown => {
  return ctx.switchToHttp().getRequest<{ merchant: unknown }>().merchant;
});
