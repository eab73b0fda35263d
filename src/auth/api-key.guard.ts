import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { secretsEqual } from '../common/crypto/api-key';
import { DomainError } from '../common/errors/domain.error';
import { securityConfig, type SecurityConfig } from '../config/configuration';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { AUTH_KIND, AuthKind } from './auth.decorators';

/**
 * The one guard: every route is a merchant route unless marked @Public() or @AdminOnly(). A missing or wrong key is
 * 401 either way; the merchant is attached to the request for @CurrentMerchant().
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly merchants: ApiKeyAuthenticator,
    @Inject(securityConfig.KEY) private readonly security: SecurityConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind =
      this.reflector.getAllAndOverride<AuthKind | undefined>(AUTH_KIND, [context.getHandler(), context.getClass()]) ??
      'merchant';
    if (kind === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & { merchant?: unknown; principal?: AuthKind }>();
    const key = bearer(request.headers.authorization);
    if (!key) throw new DomainError('UNAUTHORIZED', 'Missing API key: send Authorization: Bearer <key>');
    if (kind === 'admin') {
      if (!secretsEqual(key, this.security.adminApiKey)) throw new DomainError('UNAUTHORIZED', 'Invalid admin key');
      request.principal = 'admin'; // for the access log
      return true;
    }
    const merchant = await this.merchants.authenticate(key);
    if (!merchant) throw new DomainError('UNAUTHORIZED', 'Invalid API key');
    request.merchant = merchant;
    request.principal = 'merchant';
    return true;
  }
}

/** The key of `Authorization: Bearer <key>`, if any (also the per-key throttle's tracker). */
export function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
