import { CanActivate, ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { secretsEqual } from '../common/crypto/api-key';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { type ParsedClientSecret, parseClientSecret } from '../common/crypto/client-secret';
import { securityConfig, type SecurityConfig } from '../config/configuration';
import { ApiKeyAuthenticator } from './api-key.authenticator';
import { ClientSecretAuthenticator } from './client-secret.authenticator';
import {
  AUTH_KIND,
  AuthKind,
  type AuthenticatedRequest,
  CLIENT_SECRET_ALLOWED,
  type ClientSecretRoute,
} from './auth.decorators';

/**
 * The one guard: every route is a merchant route unless marked @Public() or @AdminOnly(). A missing or wrong key is
 * 401 either way; the merchant is attached to the request for @CurrentMerchant(). A client secret (second credential
 * kind) passes only on routes marked @ClientSecretAllowed for its object type, and only for the object it names.
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly merchants: ApiKeyAuthenticator,
    private readonly clientSecrets: ClientSecretAuthenticator,
    @Inject(securityConfig.KEY) private readonly security: SecurityConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const kind =
      this.reflector.getAllAndOverride<AuthKind | undefined>(AUTH_KIND, [context.getHandler(), context.getClass()]) ??
      'merchant';
    if (kind === 'public') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest & AuthenticatedRequest>();
    const key = bearer(request.headers.authorization);
    if (!key) throw new DomainError('UNAUTHORIZED', 'Missing API key: send Authorization: Bearer <key>');
    if (kind === 'admin') {
      if (!secretsEqual(key, this.security.adminApiKey)) throw new DomainError('UNAUTHORIZED', 'Invalid admin key');
      request.principal = 'admin'; // for the access log
      return true;
    }
    const claimed = parseClientSecret(key);
    if (claimed) return this.admitClientSecret(context, request, key, claimed);
    const found = await this.merchants.authenticateKey(key);
    if (!found) throw new DomainError('UNAUTHORIZED', 'Invalid API key');
    request.merchant = found.merchant;
    request.apiKeyId = found.keyId;
    request.principal = 'merchant';
    return true;
  }

  /** A client secret, on a route that opted in for its object type, for the one object it names. */
  private async admitClientSecret(
    context: ExecutionContext,
    request: FastifyRequest & AuthenticatedRequest,
    secret: string,
    claimed: ParsedClientSecret,
  ): Promise<boolean> {
    const route = this.reflector.getAllAndOverride<ClientSecretRoute | undefined>(CLIENT_SECRET_ALLOWED, [
      context.getHandler(),
      context.getClass(),
    ]);
    // Refused before any read: a route that did not opt in learns nothing about the secret.
    if (!route || route.object !== claimed.objectType)
      throw new DomainError('UNAUTHORIZED', 'A client secret cannot call this route');
    const principal = await this.clientSecrets.authenticate(secret);
    if (!principal) throw new DomainError('UNAUTHORIZED', 'Invalid or expired client secret');
    // Another object answers exactly like a missing one.
    const params = request.params as Record<string, string | undefined>;
    if (params[route.param] !== principal.objectId) throw new NotFoundError(OBJECT_NAMES[route.object]);
    request.clientSecret = principal;
    request.principal = 'client_secret';
    return true;
  }
}

const OBJECT_NAMES = { billing_key: 'Billing key', order: 'Order' } as const;

/** The key of `Authorization: Bearer <key>`, if any (also the per-key throttle's tracker). */
export function bearer(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);
  return match?.[1];
}
