import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import {
  billingKeyFlowOf,
  GatewayRegistry,
  hasCapability,
  webhookUrl,
  type AdapterWith,
  type BillingKeyOutcome,
  type ClientRequest,
} from '@app/pg-contract';
import type { Counter } from 'prom-client';
import { hashClientSecret, mintClientSecret } from '../common/crypto/client-secret';
import { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { appConfig, type AppConfig } from '../config/configuration';
import type { Customer } from '../customers/customer.entity';
import { CustomersService } from '../customers/customers.service';
import { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import { MetricsService } from '../metrics/metrics.service';
import { RiskService } from '../risk/risk.service';
import type { BillingKey } from './billing-key.entity';
import { BillingKeysRepository } from './billing-keys.repository';
import { chargeableOrThrow, clientFields, toBillingKeyDto, toCompletionDto } from './billing-keys.views';
import type {
  BillingKeyCompletionDto,
  BillingKeyDto,
  BillingKeyRequestDto,
  CreateBillingKeyDto,
  IssuedBillingKeyDto,
  UpdateBillingKeyRequestDto,
} from './dto/billing-key.dto';

export { toBillingKeyDto };

/** A pointer for the adapter's completeBillingKey (see CompleteBillingKeyInput.pointer). */
export type Pointer = Readonly<Record<string, string>>;

/** Name recorded when neither the merchant nor the gateway's descriptor gives one. */
const DEFAULT_NAME = 'Billing key';

/** Failed completions that say the pointer was wrong, not that the issuance failed: the key stays pending. */
const POINTER_FAILURES = new Set(['REFERENCE_MISMATCH', 'PAYMENT_NOT_FOUND', 'INVALID_POINTER']);

/** Where a completion came from: the merchant's API call (errors are answered), a webhook or the reconciler (nothing to answer). */
export type CompletionSource = 'api' | 'webhook' | 'reconciler' | 'return';

/** What a webhook pointer did to billing keys. */
export type BillingKeyNotificationResult = 'applied' | 'unchanged' | 'not_a_billing_key' | 'ignored';

/** Prefix of the issuance merchant_uid minted for every billing key (charges' references never start with it). */
export const ISSUANCE_REFERENCE_PREFIX = 'bki_';

/**
 * PG-agnostic billing keys: pending → active | failed, active → revoked. The PG-side key (PortOne customer_uid) and
 * the issuance reference (merchant_uid) are minted here, random and opaque. The adapter comes from the registry by the
 * key's gateway code; every PG answer is applied through one compare-and-set state machine, whether it came through
 * the merchant's completion call or a webhook.
 */
import { pageParams, toPage, type Page } from '../common/pagination';
@Injectable()
export class BillingKeysService {
  private readonly logger = new Logger(BillingKeysService.name);
  private readonly transitions: Counter<'gateway' | 'to' | 'source'>;

  constructor(
    private readonly repo: BillingKeysRepository,
    private readonly customers: CustomersService,
    private readonly risk: RiskService,
    private readonly registry: GatewayRegistry,
    private readonly credentials: GatewayCredentialsService,
    private readonly clock: Clock,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    metrics: MetricsService,
  ) {
    this.transitions = metrics.counter(
      'billing_key_transitions_total',
      'Billing key state changes by gateway, new state and source',
      ['gateway', 'to', 'source'],
    );
  }

  // ---- for other modules ---------------------------------------------------------------------------------------

  /** The merchant's key or a 404 (another merchant's key answers exactly like a missing one). */
  async get(merchantId: string, id: string): Promise<BillingKey> {
    const key = await this.repo.findForMerchant(merchantId, id);
    if (!key) throw new NotFoundError('Billing key');
    return key;
  }

  /** For charges: the merchant's key, only when active. A revoked, failed or pending key is never charged. */
  async requireChargeable(merchantId: string, billingKeyId: string): Promise<BillingKey> {
    return chargeableOrThrow(await this.get(merchantId, billingKeyId));
  }

  /**
   * {@link requireChargeable} for a billing batch in one query: each (merchant, key) pair gets its key or the
   * DomainError requireChargeable would throw (another merchant's key is NOT_FOUND, as everywhere).
   */
  async requireChargeableMany(
    refs: ReadonlyArray<{ merchantId: string; billingKeyId: string }>,
  ): Promise<Array<BillingKey | DomainError>> {
    const byId = new Map(
      (await this.repo.findManyByIds([...new Set(refs.map((r) => r.billingKeyId))])).map((k) => [k.id, k]),
    );
    return refs.map((r) => {
      const key = byId.get(r.billingKeyId);
      if (!key || key.merchantId !== r.merchantId) return new NotFoundError('Billing key');
      try {
        return chargeableOrThrow(key);
      } catch (err) {
        return err as DomainError;
      }
    });
  }

  // ---- REST ----------------------------------------------------------------------------------------------------

  /**
   * Records a pending key and answers the SDK request that lets the buyer approve it (`checkout`, v1.1; `loadUI` too
   * for SDKs with a UI type, v1) and a client secret, returned once and stored hashed. PayPal risk rules (STC) are
   * evaluated (and, where required and missing, refused) before anything is recorded, only for PayPal gateways;
   * redirect gateways need `successUrl` and `failUrl`. Nothing is sent to the PG here.
   */
  async issue(merchantId: string, input: CreateBillingKeyDto): Promise<IssuedBillingKeyDto> {
    const adapter = this.adapterFor(input.gateway);
    if (billingKeyFlowOf(adapter.descriptor) === 'redirect') {
      const missing = (['successUrl', 'failUrl'] as const).filter((f) => !input[f]);
      if (missing.length > 0) {
        throw new DomainError(
          'VALIDATION_FAILED',
          `${input.gateway} sends the buyer back through a redirect: successUrl and failUrl are required`,
          missing.map((field) => ({ field, errors: [`required for ${input.gateway}`] })),
        );
      }
    }
    const customer = await this.customers.require(merchantId, input.customerId);
    const now = this.clock.now();
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
    const client = await this.buildRequest(adapter, draft, customer);
    const key = await this.repo.insert(draft);
    this.logger.log({ merchantId, billingKeyId: key.id, gateway: key.gateway }, 'billing key issuance started');
    return { ...toBillingKeyDto(key), clientSecret, ...clientFields(client) };
  }

  /** The updated request for `IMP.updateLoadUIRequest`; only while the key is pending. */
  async updateRequest(
    merchantId: string,
    id: string,
    input: UpdateBillingKeyRequestDto,
  ): Promise<BillingKeyRequestDto> {
    const key = await this.get(merchantId, id);
    if (key.status !== 'pending')
      throw new DomainError(
        'BILLING_KEY_NOT_PENDING',
        `Billing key is ${key.status}; its request can only change while pending`,
      );
    const adapter = this.adapterFor(key.gateway);
    const customer = await this.customers.require(merchantId, key.customerId);
    const next: BillingKey = {
      ...key,
      name: input.name ?? key.name,
      customData: input.customData !== undefined ? input.customData : key.customData,
      updatedAt: this.clock.now(),
    };
    const client = await this.buildRequest(adapter, next, customer);
    const changed = await this.repo.transition(merchantId, id, ['pending'], {
      name: next.name,
      customData: next.customData,
      updatedAt: next.updatedAt,
    });
    if (!changed) throw new DomainError('BILLING_KEY_NOT_PENDING', 'Billing key is no longer pending');
    return { id: key.id, status: 'pending', ...clientFields(client) };
  }

  /**
   * The gateway's own pointer (PortOne's loadUI callback `{ imp_uid, merchant_uid }`): the PG is asked by the adapter,
   * which checks the pointer against this issuance, and what the PG says is applied. A pointer to anything but this
   * issuance (forged, another key's, another merchant's payment) changes nothing. A decided key answers as it is, but
   * only to a pointer naming its own PG payment.
   */
  async complete(merchantId: string, id: string, pointer: Pointer): Promise<BillingKeyCompletionDto> {
    const key = await this.get(merchantId, id);
    if (key.status === 'pending') await this.completeWith(key, pointer, 'api');
    else if (key.gatewayPaymentId !== null && !Object.values(pointer).includes(key.gatewayPaymentId)) {
      throw new DomainError('BILLING_KEY_POINTER_MISMATCH', 'The pointer is not this billing key issuance');
    }
    return toCompletionDto(await this.get(merchantId, id));
  }

  /** Newest first; with `customerId`, that customer's keys (another merchant's customer is 404, as before v1.1). */
  async list(
    merchantId: string,
    query: { customerId?: string; limit?: number; cursor?: string },
  ): Promise<Page<BillingKeyDto>> {
    if (query.customerId) await this.customers.require(merchantId, query.customerId);
    const page = pageParams(query);
    const rows = await this.repo.list(merchantId, { ...page, customerId: query.customerId });
    return toPage(rows, page.limit, toBillingKeyDto);
  }

  async view(merchantId: string, id: string): Promise<BillingKeyDto> {
    return toBillingKeyDto(await this.get(merchantId, id));
  }

  /**
   * Revokes: the key is marked revoked here first (from then on it is never charged), then deleted at the PG. Only a
   * confirmed deletion clears `revokePendingAtPg`; a timeout or refusal leaves it set, is reported as
   * `revokedAtGateway: false`, and a repeated DELETE retries the PG (deletion is idempotent there).
   */
  async revoke(merchantId: string, id: string): Promise<BillingKeyDto> {
    const key = await this.get(merchantId, id);
    if (key.status === 'revoked' && !key.revokePendingAtPg) return toBillingKeyDto(key);
    const adapter = this.adapterFor(key.gateway);
    // A gateway that cannot delete keys: revoked here only (never charged again), and said so.
    const deletable = hasCapability(adapter.descriptor, 'billingKeyDeletion');
    if (key.status !== 'revoked') {
      const now = this.clock.now();
      const patch = deletable
        ? { revokePendingAtPg: true }
        : { revokePendingAtPg: false, revokeReason: 'NOT_SUPPORTED' };
      const won = await this.repo.transition(merchantId, id, ['pending', 'active', 'failed'], {
        status: 'revoked',
        ...patch,
        revokedAt: now,
        updatedAt: now,
      });
      if (won) this.transitions.inc({ gateway: key.gateway, to: 'revoked', source: 'api' });
    }
    if (deletable) await this.deleteAtGateway(adapter, key);
    return toBillingKeyDto(await this.get(merchantId, id));
  }

  /** Deletes a revoked key at the PG (the PG's own key); only a confirmed deletion clears `revokePendingAtPg`. */
  private async deleteAtGateway(adapter: AdapterWith<'billingKeys'>, key: BillingKey): Promise<void> {
    if (!hasCapability(adapter.descriptor, 'billingKeyDeletion') || !adapter.deleteBillingKey) return;
    const creds = await this.credentialsFor(key.merchantId, key.gateway);
    const outcome = await adapter.deleteBillingKey(creds, {
      billingKey: key.gatewayBillingKey ?? key.customerUid,
      issuedAs: key.customerUid,
      reason: 'revoked by merchant',
    });
    if (outcome.status === 'DELETED') {
      await this.repo.update(key.merchantId, key.id, { revokePendingAtPg: false, updatedAt: this.clock.now() });
      return;
    }
    this.logger.warn(
      {
        merchantId: key.merchantId,
        billingKeyId: key.id,
        gateway: key.gateway,
        outcome: outcome.status,
        code: 'code' in outcome ? outcome.code : undefined,
      },
      'billing key revoked here; deletion at the PG not confirmed',
    );
  }

  // ---- webhooks ------------------------------------------------------------------------------------------------

  /**
   * A webhook's pointer (already parsed and deduplicated by the gateway's webhook service). If the reference is one
   * of this merchant's pending issuances, the payment is re-fetched and applied like a completion; an active or failed
   * key is left alone (no PG call); a revoked one is deleted at the PG again; any other reference is not a key's.
   */
  async applyNotification(
    merchantId: string,
    gateway: string,
    pointer: { reference: string; gatewayPaymentId: string },
  ): Promise<BillingKeyNotificationResult> {
    // Issuance references are minted here with their own prefix: anything else (every charge's webhook) needs no query.
    if (!pointer.reference.startsWith(ISSUANCE_REFERENCE_PREFIX)) return 'not_a_billing_key';
    const key = await this.repo.findByMerchantUid(merchantId, pointer.reference);
    if (!key) return 'not_a_billing_key';
    if (key.gateway !== gateway) return 'ignored';
    if (key.status === 'revoked') {
      // The buyer may finish the PG's window after the merchant revoked the pending key: the PG then holds a key we
      // will never charge. Deleting again (idempotent at the PG) leaves nothing chargeable there.
      await this.deleteAtGateway(this.adapterFor(key.gateway), key);
      return 'unchanged';
    }
    if (key.status !== 'pending') return 'unchanged';
    return (await this.completeWith(key, { gatewayPaymentId: pointer.gatewayPaymentId }, 'webhook'))
      ? 'applied'
      : 'unchanged';
  }

  // ---- reconciler ----------------------------------------------------------------------------------------------

  /**
   * Pending keys whose webhook never came (or was never applied): each is looked up by its issuance merchant_uid
   * (PortOne `GET /payments/find/{merchant_uid}` through the adapter's retrieveByReference) once `graceMs` has passed
   * since issuance, then after each delay of `backoffMs`; the payment found is completed exactly as the webhook or
   * the completion call would (completeWith). A look-up that finds nothing, or cannot answer, leaves the key pending.
   */
  async reconcilePending(opts: {
    graceMs: number;
    backoffMs: readonly number[];
    limit: number;
    merchantId?: string;
  }): Promise<{ looked: number; changed: number }> {
    const now = this.clock.now();
    const keys = await this.repo.findPendingDue({
      now,
      issuedBefore: new Date(now.getTime() - opts.graceMs),
      maxAttempts: opts.backoffMs.length + 1,
      limit: opts.limit,
      ...(opts.merchantId ? { merchantId: opts.merchantId } : {}),
    });
    let looked = 0;
    let changed = 0;
    for (const key of keys) {
      const attempts = key.lookupAttempts ?? 0;
      const delay = opts.backoffMs[Math.min(attempts, opts.backoffMs.length - 1)] ?? opts.graceMs;
      if (!(await this.repo.claimLookup(key, new Date(now.getTime() + delay)))) continue;
      looked++;
      try {
        if (await this.lookUpPending(key)) changed++;
      } catch (err) {
        this.logger.warn(
          { merchantId: key.merchantId, billingKeyId: key.id, err: (err as Error).message },
          'pending billing key look-up failed; retried later',
        );
      }
    }
    return { looked, changed };
  }

  /** Whether `reference` is one of this merchant's issuances (our tables only, no PG call). */
  async isIssuance(merchantId: string, reference: string): Promise<boolean> {
    return (
      reference.startsWith(ISSUANCE_REFERENCE_PREFIX) &&
      (await this.repo.findByMerchantUid(merchantId, reference)) !== null
    );
  }

  /**
   * A kept webhook pointer to an issuance, applied by the reconciler: the key is looked up by its merchant_uid (the
   * pointer's imp_uid is not needed, so forged ones cannot mislead it) only if it is still pending and `mayCall` grants
   * the PG call (the webhook budget); 'deferred' when it does not.
   */
  async completeIssuanceByReference(
    merchantId: string,
    reference: string,
    mayCall: () => boolean,
  ): Promise<BillingKeyNotificationResult | 'deferred'> {
    if (!reference.startsWith(ISSUANCE_REFERENCE_PREFIX)) return 'not_a_billing_key';
    const key = await this.repo.findByMerchantUid(merchantId, reference);
    if (!key) return 'not_a_billing_key';
    if (key.status !== 'pending') return 'unchanged';
    if (!mayCall()) return 'deferred';
    return (await this.lookUpPending(key)) ? 'applied' : 'unchanged';
  }

  private async lookUpPending(key: BillingKey): Promise<boolean> {
    const adapter = this.adapterFor(key.gateway);
    const creds = await this.credentialsFor(key.merchantId, key.gateway);
    // The issuance is a payment under our merchant_uid; its amount is the PG's business, so any answer naming a payment
    // id (even MISMATCH) is only a pointer, and completeWith checks the issuance in full.
    const found = await adapter.retrieveByReference(creds, {
      reference: key.merchantUid,
      expected: { amount: 0, currency: adapter.descriptor.capabilities.currencies[0] },
    });
    const impUid =
      'gatewayPaymentId' in found && typeof found.gatewayPaymentId === 'string' ? found.gatewayPaymentId : undefined;
    if (!impUid) {
      this.logger.log(
        { merchantId: key.merchantId, billingKeyId: key.id, outcome: found.status },
        'pending billing key: nothing to complete yet',
      );
      return false;
    }
    return this.completeWith(key, { gatewayPaymentId: impUid }, 'reconciler');
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  /** Asks the PG (through the adapter) about the issuance the pointer names and applies the answer. True when the key changed state. */
  async completeWith(key: BillingKey, pointer: Pointer, source: CompletionSource): Promise<boolean> {
    const adapter = this.adapterFor(key.gateway);
    const creds = await this.credentialsFor(key.merchantId, key.gateway);
    const outcome = await adapter.completeBillingKey(creds, {
      billingKey: key.customerUid,
      reference: key.merchantUid,
      pointer,
    });
    return this.apply(key, outcome, source);
  }

  private async apply(key: BillingKey, outcome: BillingKeyOutcome, source: CompletionSource): Promise<boolean> {
    const log = {
      merchantId: key.merchantId,
      billingKeyId: key.id,
      gateway: key.gateway,
      source,
      outcome: outcome.status,
    };
    const now = this.clock.now();
    switch (outcome.status) {
      case 'ACTIVE': {
        const won = await this.repo.transition(key.merchantId, key.id, ['pending'], {
          status: 'active',
          activatedAt: now,
          updatedAt: now,
          gatewayPaymentId: outcome.gatewayPaymentId ?? null,
          // The PG's own key where it mints one; charges and deletes send it (our minted id is `issuedAs`).
          gatewayBillingKey: outcome.gatewayBillingKey ?? null,
        });
        if (won) {
          this.transitions.inc({ gateway: key.gateway, to: 'active', source });
          this.logger.log(log, 'billing key active');
        }
        return won;
      }
      case 'FAILED': {
        if (POINTER_FAILURES.has(outcome.code)) {
          this.logger.warn(
            { ...log, code: outcome.code },
            'billing key pointer does not match the issuance; key unchanged',
          );
          if (source === 'api')
            throw new DomainError('BILLING_KEY_POINTER_MISMATCH', 'The pointer is not this billing key issuance');
          return false;
        }
        const won = await this.repo.transition(key.merchantId, key.id, ['pending'], {
          status: 'failed',
          failureCode: outcome.code.slice(0, 64),
          failureMessage: outcome.message.slice(0, 500),
          updatedAt: now,
          gatewayPaymentId: outcome.gatewayPaymentId ?? null,
        });
        if (won) {
          this.transitions.inc({ gateway: key.gateway, to: 'failed', source });
          this.logger.log({ ...log, code: outcome.code }, 'billing key issuance failed');
        }
        return won;
      }
      case 'PENDING':
        // The PG has not decided: the key stays pending; a webhook or another completion call settles it.
        return false;
      case 'NOT_SENT':
      case 'UNKNOWN':
        this.logger.warn({ ...log, reason: outcome.reason }, 'billing key completion could not reach a verdict');
        if (source === 'api') {
          throw new DomainError(
            'GATEWAY_UNAVAILABLE',
            'The payment gateway could not confirm the issuance; the key stays pending: retry the completion',
          );
        }
        return false;
    }
  }

  private async buildRequest(
    adapter: AdapterWith<'billingKeys'>,
    key: BillingKey,
    customer: Customer,
  ): Promise<ClientRequest> {
    // PayPal risk rules only where the buyer pays with PayPal: refuses (STC_DATA_REQUIRED) before anything is recorded
    // or sent when the merchant's policy requires data it lacks.
    const riskContext =
      adapter.descriptor.paymentMethod === 'paypal'
        ? Object.fromEntries(
            (
              await this.risk.evaluateStc({
                merchantId: key.merchantId,
                customerId: customer.id,
                purpose: 'billing_key_issue',
              })
            ).additionalData.map((kv) => [kv.key, kv.value]),
          )
        : {};
    const creds = await this.credentialsFor(key.merchantId, key.gateway);
    const redirect = billingKeyFlowOf(adapter.descriptor) === 'redirect';
    const routes = `${this.app.publicBaseUrl}/v1/billing-keys/${encodeURIComponent(key.id)}`;
    const client = await adapter.issueBillingKey(creds, {
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
        ? { noticeUrls: [webhookUrl(this.app.publicBaseUrl, adapter.descriptor, key.merchantId)] }
        : {}),
      ...(key.customData ? { customData: key.customData as Record<string, unknown> } : {}),
      ...(Object.keys(riskContext).length > 0 ? { riskContext } : {}),
      ...(redirect ? { returnUrl: `${routes}/return`, failUrl: `${routes}/fail` } : {}),
    });
    if ('status' in client)
      throw new DomainError('GATEWAY_REQUEST_REFUSED', `The gateway cannot take this issuance: ${client.message}`, [
        { code: client.code },
      ]);
    return client;
  }

  private adapterFor(gateway: string): AdapterWith<'billingKeys'> {
    try {
      return this.registry.require(gateway, 'billingKeys');
    } catch {
      throw new DomainError('UNSUPPORTED_GATEWAY', `Gateway ${gateway} does not offer billing keys`);
    }
  }

  /** The merchant's credentials for a gateway (own, or its sandbox plugin's in sandbox mode). */
  private credentialsFor(merchantId: string, gateway: string): Promise<unknown> {
    return this.credentials.for(merchantId, gateway);
  }
}
