import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { GatewayRegistry } from '@app/pg-contract';
import { Clock } from '../clock/clock';
import { hashApiKey } from '../common/crypto/api-key';
import { maskSecret, SECRET_BOX, SecretBox } from '../common/crypto/secret-box';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { appConfig, type AppConfig } from '../config/configuration';
import { checkedOrigins } from './merchant.origins';
import { stcPolicyFor } from './merchant.stc-policy';
import { CreateMerchantDto, CreatedMerchantDto, MerchantDto, UpdateMerchantDto } from './dto/merchant.dto';
import { GatewayCredentialsViewDto } from './dto/gateway-credentials.dto';
import { GatewayCredential } from './gateway-credential.entity';
import { Merchant } from './merchant.entity';
import { MerchantsRepository } from './merchants.repository';
import { ApiKeysRepository } from './api-keys.repository';
import { newApiKeyRow } from './api-keys.rows';

// The token lives beside SecretBox (idempotency injects it too); re-exported for the callers that name it here.
export { SECRET_BOX };

/** Also how long another instance may still accept a revoked key from its cache. */
export const AUTH_CACHE_TTL_MS = 10_000;
const AUTH_CACHE_MAX = 10_000;
/** `lastUsedAt` is written at most this often per key and instance: never a write per request. */
export const LAST_USED_EVERY_MS = 60_000;

@Injectable()
export class MerchantsService {
  // Authentication runs on every request: a short-lived cache of key hash -> merchant spares a query per call.
  private readonly authCache = new Map<string, { merchant: Merchant; keyId: string; expires: number }>();
  // Key id -> when this instance last wrote its lastUsedAt.
  private readonly lastUsedWritten = new Map<string, number>();
  private readonly logger = new Logger(MerchantsService.name);

  constructor(
    private readonly repo: MerchantsRepository,
    private readonly keys: ApiKeysRepository,
    private readonly clock: Clock,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    private readonly registry: GatewayRegistry,
    @Optional() @Inject(appConfig.KEY) private readonly app?: AppConfig,
  ) {}

  async create(input: CreateMerchantDto): Promise<CreatedMerchantDto> {
    assertProfile(input.industry, input.retailFulfillment);
    const now = this.clock.now();
    const id = newId('mch');
    const { plain: key, ...firstKey } = newApiKeyRow(id, now);
    // The creation key is the merchant's first listed key; api_key_hash/prefix stay filled for a rollback.
    const merchant = await this.keys.insertMerchantWithKey(
      {
        id,
        name: input.name,
        industry: input.industry,
        retailFulfillment: input.retailFulfillment ?? null,
        paypalAccountId: input.paypalAccountId ?? null,
        country: input.country ?? null,
        returnUrl: input.returnUrl ?? null,
        apiKeyHash: firstKey.keyHash,
        apiKeyPrefix: firstKey.prefix,
        createdAt: now,
        updatedAt: now,
      },
      firstKey,
    );
    return { ...toMerchantDto(merchant), apiKey: key };
  }

  async authenticate(apiKey: string): Promise<Merchant | null> {
    return (await this.authenticateKey(apiKey))?.merchant ?? null;
  }

  /** The merchant an API key belongs to and the key's id (recorded by audited actions), or null. */
  async authenticateKey(apiKey: string): Promise<{ merchant: Merchant; keyId: string } | null> {
    const hash = hashApiKey(apiKey);
    const now = this.clock.now().getTime();
    const hit = this.authCache.get(hash);
    if (hit && hit.expires > now) {
      this.noteUse(hit.keyId, now);
      return { merchant: hit.merchant, keyId: hit.keyId };
    }
    const key = await this.keys.findActiveByHash(hash);
    const merchant = key ? await this.repo.findById(key.merchantId) : null;
    if (!key || !merchant) {
      this.authCache.delete(hash);
      return null;
    }
    if (this.authCache.size >= AUTH_CACHE_MAX) this.authCache.clear();
    this.authCache.set(hash, { merchant, keyId: key.id, expires: now + AUTH_CACHE_TTL_MS });
    this.noteUse(key.id, now);
    return { merchant, keyId: key.id };
  }

  /** A revoked key stops authenticating on this instance at once (other instances: AUTH_CACHE_TTL_MS at most). */
  forgetKey(keyHash: string): void {
    this.authCache.delete(keyHash);
  }

  /** lastUsedAt without a write per request: at most one per LAST_USED_EVERY_MS per key here, not awaited. */
  private noteUse(keyId: string, now: number): void {
    const last = this.lastUsedWritten.get(keyId);
    if (last !== undefined && now - last < LAST_USED_EVERY_MS) return;
    if (this.lastUsedWritten.size >= AUTH_CACHE_MAX) this.lastUsedWritten.clear();
    this.lastUsedWritten.set(keyId, now);
    this.keys.touch(keyId, new Date(now)).catch((err: unknown) => {
      // Only a hint for the merchant: a failed write is retried at the next use after the interval.
      this.lastUsedWritten.delete(keyId);
      this.logger.warn(`lastUsedAt of ${keyId} not written: ${err instanceof Error ? err.message : String(err)}`);
    });
  }

  async get(merchantId: string): Promise<MerchantDto> {
    return toMerchantDto(await this.require(merchantId));
  }

  async require(merchantId: string): Promise<Merchant> {
    const merchant = await this.repo.findById(merchantId);
    if (!merchant) throw new NotFoundError('Merchant');
    return merchant;
  }

  async update(merchantId: string, input: UpdateMerchantDto): Promise<MerchantDto> {
    const merchant = await this.require(merchantId);
    const industry = input.industry ?? merchant.industry;
    // Moving away from retail_food drops the fulfilment; moving to it requires one.
    const retailFulfillment =
      industry === 'retail_food'
        ? (input.retailFulfillment ?? merchant.retailFulfillment ?? undefined)
        : input.retailFulfillment;
    assertProfile(industry, retailFulfillment);
    const origins = input.allowedOrigins && checkedOrigins(input.allowedOrigins, this.app?.production ?? false);
    Object.assign(merchant, {
      ...definedOnly(input),
      ...(origins ? { allowedOrigins: origins } : {}),
      industry,
      retailFulfillment: industry === 'retail_food' ? retailFulfillment : null,
      updatedAt: this.clock.now(),
    });
    const saved = await this.repo.save(merchant);
    this.authCache.clear();
    return toMerchantDto(saved);
  }

  /**
   * Stores credentials for any registered gateway after its adapter's `checkCredentials` accepted them (unknown
   * gateway: 404; problems: 400 naming fields, never values). What is stored is what the adapter returned; a field it
   * does not take is refused, as everywhere in the API.
   */
  async putGatewayCredentials(merchantId: string, gateway: string, raw: unknown): Promise<GatewayCredentialsViewDto> {
    const credentials = this.checkCredentials(gateway, raw);
    const now = this.clock.now();
    const existing = await this.repo.findCredential(merchantId, gateway);
    const plain = { ...credentials } as Record<string, string>;
    const row = await this.repo.upsertCredential({
      id: existing?.id ?? newId('gcr'),
      merchantId,
      gateway,
      ciphertext: this.box.seal(JSON.stringify(plain), aad(merchantId, gateway)),
      hints: this.hintsFor(gateway, plain),
      createdAt: existing?.createdAt ?? now,
      updatedAt: now,
    });
    return this.toCredentialView(row);
  }

  /**
   * Masked hints: only the fields the gateway's descriptor calls public are shown in full; every other field, including
   * one a new gateway names in its own way, is a secret. A gateway no longer registered shows nothing in full.
   */
  private hintsFor(gateway: string, plain: Record<string, unknown>): Record<string, string> {
    const open = new Set(
      this.registry.has(gateway) ? (this.registry.get(gateway).descriptor.publicCredentialFields ?? []) : [],
    );
    return Object.fromEntries(
      Object.entries(plain).map(([k, v]) => [k, open.has(k) ? String(v) : maskSecret(String(v))]),
    );
  }

  private toCredentialView(row: GatewayCredential): GatewayCredentialsViewDto {
    // Hints stored under an older rule may hold a secret in full: masked again on the way out (masking is idempotent).
    return {
      gateway: row.gateway,
      hints: this.hintsFor(row.gateway, row.hints),
      updatedAt: new Date(row.updatedAt).toISOString(),
    };
  }

  async listGatewayCredentials(merchantId: string): Promise<GatewayCredentialsViewDto[]> {
    return (await this.repo.listCredentials(merchantId)).map((row) => this.toCredentialView(row));
  }

  async deleteGatewayCredentials(merchantId: string, gateway: string): Promise<void> {
    this.requireGateway(gateway);
    if (!(await this.repo.deleteCredential(merchantId, gateway))) throw new NotFoundError('Gateway credentials');
  }

  private requireGateway(gateway: string): void {
    if (!this.registry.has(gateway)) throw new NotFoundError('Gateway');
  }

  private checkCredentials(gateway: string, raw: unknown): object {
    this.requireGateway(gateway);
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new DomainError('VALIDATION_FAILED', 'The body must be a JSON object of credentials', [
        { field: 'body', errors: ['must be an object'] },
      ]);
    }
    const adapter = this.registry.get(gateway);
    if (!adapter.checkCredentials) {
      throw new DomainError('GATEWAY_CREDENTIALS_UNSUPPORTED', `Gateway ${gateway} takes no merchant credentials`);
    }
    const checked = adapter.checkCredentials(raw);
    const unknown = checked.ok ? Object.keys(raw).filter((k) => !(k in (checked.credentials as object))) : [];
    const details = [
      ...(checked.ok ? [] : checked.problems.map((p) => ({ field: problemField(p), errors: [p] }))),
      ...unknown.map((k) => ({ field: k.slice(0, 64), errors: ['is not a field of these credentials'] })),
    ];
    if (details.length > 0) {
      const merged = [...new Map(details.map((d) => [d.field, d])).values()];
      throw new DomainError('VALIDATION_FAILED', `Invalid ${gateway} credentials`, merged);
    }
    return (checked as { credentials: object }).credentials;
  }

  /** Decrypted credentials for a PG adapter, or null when the merchant has none (sandbox mode may then apply). */
  async credentialsFor<T extends object>(merchantId: string, gateway: string): Promise<T | null> {
    const row = await this.repo.findCredential(merchantId, gateway);
    if (!row) return null;
    return JSON.parse(this.box.open(row.ciphertext, aad(merchantId, gateway))) as T;
  }
}

/** Field name of a checkCredentials problem: adapters start each problem with the field it is about. */
function problemField(problem: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*/.exec(problem)?.[0] ?? 'credentials';
}

function assertProfile(industry: string, retailFulfillment: string | null | undefined): void {
  if (industry === 'retail_food' && !retailFulfillment) {
    throw new DomainError('VALIDATION_FAILED', 'retailFulfillment is required when industry is retail_food', [
      { field: 'retailFulfillment', errors: ['required when industry is retail_food'] },
    ]);
  }
  if (industry !== 'retail_food' && retailFulfillment) {
    throw new DomainError('VALIDATION_FAILED', 'retailFulfillment applies only to industry retail_food', [
      { field: 'retailFulfillment', errors: ['only for industry retail_food'] },
    ]);
  }
}

function aad(merchantId: string, gateway: string): string {
  return `${merchantId}:${gateway}`;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function toMerchantDto(m: Merchant): MerchantDto {
  return {
    id: m.id,
    name: m.name,
    industry: m.industry,
    retailFulfillment: m.retailFulfillment,
    stcPolicy: stcPolicyFor(m.industry, m.retailFulfillment),
    paypalAccountId: m.paypalAccountId,
    country: m.country,
    returnUrl: m.returnUrl,
    allowedOrigins: m.allowedOrigins ?? [],
    createdAt: new Date(m.createdAt).toISOString(),
    updatedAt: new Date(m.updatedAt).toISOString(),
  };
}
