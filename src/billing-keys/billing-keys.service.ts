import { Inject, Injectable, Logger } from '@nestjs/common';
import { GatewayRegistry, hasCapability, type AdapterWith, type ClientRequest } from '@app/pg-contract';
import type { Counter } from 'prom-client';
import { Clock } from '../clock/clock';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { pageParams, toPage, type Page } from '../common/pagination';
import { appConfig, type AppConfig } from '../config/configuration';
import type { Customer } from '../customers/customer.entity';
import { CustomersService } from '../customers/customers.service';
import { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import { MetricsService } from '../metrics/metrics.service';
import { RiskService } from '../risk/risk.service';
import type { BillingKey } from './billing-key.entity';
import { BillingKeyOutcomes, type CompletionSource, type Pointer } from './billing-keys.completion';
import {
  ISSUANCE_REFERENCE_PREFIX,
  issuanceInput,
  pendingKeyDraft,
  requireRedirectUrls,
} from './billing-keys.issuance';
import { BillingKeysRepository } from './billing-keys.repository';
import { BillingKeyRevocation } from './billing-keys.revocation';
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
// Moved beside the seams they belong to; re-exported for existing imports.
export { ISSUANCE_REFERENCE_PREFIX };
export type { CompletionSource, Pointer };

/** What a webhook pointer did to billing keys. */
export type BillingKeyNotificationResult = 'applied' | 'unchanged' | 'not_a_billing_key' | 'ignored';

/**
 * PG-agnostic billing keys: pending → active | failed, active → revoked. The PG-side key (PortOne customer_uid) and
 * the issuance reference (merchant_uid) are minted here, random and opaque. The adapter comes from the registry by the
 * key's gateway code; every PG answer is applied through one compare-and-set state machine, whether it came through
 * the merchant's completion call or a webhook. Issuance is built in billing-keys.issuance.ts, verdicts applied in
 * billing-keys.completion.ts, PG deletions made in billing-keys.revocation.ts.
 */
@Injectable()
export class BillingKeysService {
  private readonly logger = new Logger(BillingKeysService.name);
  private readonly transitions: Counter<'gateway' | 'to' | 'source'>;
  private readonly outcomes: BillingKeyOutcomes;
  private readonly revocation: BillingKeyRevocation;

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
    this.outcomes = new BillingKeyOutcomes(repo, clock, this.transitions, this.logger);
    this.revocation = new BillingKeyRevocation(repo, credentials, clock, this.logger);
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
    requireRedirectUrls(adapter, input);
    const customer = await this.customers.require(merchantId, input.customerId);
    const { draft, clientSecret } = pendingKeyDraft(merchantId, customer, adapter, input, this.clock.now());
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
    if (deletable) await this.revocation.deleteAtGateway(adapter, key);
    return toBillingKeyDto(await this.get(merchantId, id));
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
      await this.revocation.deleteAtGateway(this.adapterFor(key.gateway), key);
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
    return this.outcomes.apply(key, outcome, source);
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
    const client = await adapter.issueBillingKey(
      creds,
      issuanceInput(adapter, key, customer, riskContext, this.app.publicBaseUrl),
    );
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
