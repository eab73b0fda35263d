import { timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { Clock } from '../clock/clock';
import { type ClientSecretObject, hashClientSecret, parseClientSecret } from './client-secret';
import { ClientSecretsRepository } from './client-secrets.repository';

/** A browser holding one object's client secret: it may act on that object only, on the routes that opted in. */
export interface ClientSecretPrincipal {
  readonly kind: 'client_secret';
  readonly merchantId: string;
  readonly objectType: ClientSecretObject;
  readonly objectId: string;
}

/** While the object is in these statuses its secret works; afterwards it has expired. */
const OPEN_STATUSES: Readonly<Record<ClientSecretObject, readonly string[]>> = {
  billing_key: ['pending'],
  order: ['created'],
};

/**
 * Client secrets of pending billing keys and created orders: checked against the stored hash of the one object the
 * secret names, and the origins a browser may call those objects' routes from (the merchant's allowedOrigins).
 */
/** How long an object's origins are reused: an allowedOrigins change reaches preflights within this. */
export const ORIGINS_CACHE_TTL_MS = 10_000;
const ORIGINS_CACHE_MAX = 10_000;

@Injectable()
export class ClientSecretsService {
  // Preflights come unauthenticated, one per browser call: a short cache spares their reads (unknown ids included).
  private readonly originsCache = new Map<string, { origins: readonly string[]; expires: number }>();

  constructor(
    private readonly repo: ClientSecretsRepository,
    private readonly clock: Clock,
  ) {}

  /** The principal for a bearer token with a client secret's shape; null when unknown, wrong or expired. */
  async authenticate(token: string): Promise<ClientSecretPrincipal | null> {
    const parsed = parseClientSecret(token);
    if (!parsed) return null;
    const holder = await this.repo.findHolder(parsed.objectType, parsed.objectId);
    if (!holder?.clientSecretHash) return null;
    const given = Buffer.from(hashClientSecret(token), 'hex');
    const stored = Buffer.from(holder.clientSecretHash, 'hex');
    if (given.length !== stored.length || !timingSafeEqual(given, stored)) return null;
    if (!OPEN_STATUSES[parsed.objectType].includes(holder.status)) return null;
    return { kind: 'client_secret', merchantId: holder.merchantId, ...parsed };
  }

  /** The origins allowed to call an object's browser routes: its merchant's allowedOrigins; none for an unknown id. */
  async originsFor(objectType: ClientSecretObject, objectId: string): Promise<readonly string[]> {
    const key = `${objectType}:${objectId}`;
    const now = this.clock.now().getTime();
    const hit = this.originsCache.get(key);
    if (hit && hit.expires > now) return hit.origins;
    const holder = await this.repo.findHolder(objectType, objectId);
    const origins = holder ? await this.repo.allowedOrigins(holder.merchantId) : [];
    if (this.originsCache.size >= ORIGINS_CACHE_MAX) this.originsCache.clear();
    this.originsCache.set(key, { origins, expires: now + ORIGINS_CACHE_TTL_MS });
    return origins;
  }
}
