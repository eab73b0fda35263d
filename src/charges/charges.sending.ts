import { Logger } from '@nestjs/common';
import {
  type GatewayRegistry,
  supportsCurrency,
  unknownOutcome,
  type AdapterWith,
  type LookupOutcome,
  type Money,
  type PaymentOutcome,
  webhookUrl,
} from '@app/pg-contract';
import type { Counter, Histogram } from 'prom-client';
import type { BillingKeysService } from '../billing-keys/billing-keys.service';
import type { BillingKey } from '../billing-keys/billing-key.entity';
import type { Customer } from '../customers/customer.entity';
import type { Semaphore } from '../common/semaphore';
import { DomainError } from '../common/errors/domain.error';
import type { AppConfig } from '../config/configuration';
import type { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import type { RiskService, StcContext } from '../risk/risk.service';
import type { Subscription } from '../subscriptions/subscription.entity';
import type { SubscriptionsService } from '../subscriptions/subscriptions.service';
import type { Charge } from './charge.entity';

/** Per-run caches, so a batch does not decrypt one merchant's credentials once per charge. */
export interface SendContext {
  credentials: Map<string, Promise<unknown>>;
  /** Set by billing runs: bounds the PG calls of every batch in flight together (BILLING_CONCURRENCY in all). */
  pgCalls?: Semaphore;
}

export const newSendContext = (pgCalls?: Semaphore): SendContext => ({ credentials: new Map(), pgCalls });

/** Everything a PG call needs, resolved (and refused) before anything is sent. */
export interface Prepared {
  adapter: AdapterWith<'billingKeys'>;
  credentials: unknown;
  key: BillingKey;
  riskContext: Record<string, string>;
}

/**
 * A batch's reads for prepareMany (see preloadMany): keys by merchant and key id, what STC evaluations read, and the
 * STC keys stored on the charges' subscriptions (by subscription id; null when it has none).
 */
export interface Preloaded {
  keys: ReadonlyMap<string, BillingKey | DomainError>;
  stcContext: StcContext;
  subscriptionContexts: ReadonlyMap<string, SubscriptionStcContext>;
}

type SubscriptionStcContext = Readonly<Record<string, string>> | null | undefined;

const keyRef = (r: { merchantId: string; billingKeyId: string }) => `${r.merchantId}\n${r.billingKeyId}`;

/** Whether an STC context holds a charge's merchant and customer (a customer it lacks may just not exist: read again). */
function covers(ctx: StcContext, c: Pick<Charge, 'merchantId' | 'customerId'>): boolean {
  const merchant = ctx.merchants.get(c.merchantId);
  return (
    merchant !== undefined &&
    (merchant instanceof DomainError || ctx.customers.get(c.merchantId)?.has(c.customerId) === true)
  );
}

function mergeStcContexts(a: StcContext, b: StcContext): StcContext {
  const customers = new Map<string, ReadonlyMap<string, Customer>>(a.customers);
  for (const [m, found] of b.customers) customers.set(m, new Map([...(customers.get(m) ?? []), ...found]));
  return { merchants: new Map([...a.merchants, ...b.merchants]), customers };
}

/**
 * Sending: resolves what a PG call needs (key, STC, credentials), sends charges and looks them up by merchant_uid.
 * Part of ChargesService, which builds it; never inside a transaction.
 */
export class ChargeSender {
  // The facade's name, so log lines keep their context.
  private readonly logger = new Logger('ChargesService');

  constructor(
    private readonly subscriptions: SubscriptionsService,
    private readonly billingKeys: BillingKeysService,
    private readonly risk: RiskService,
    private readonly registry: GatewayRegistry,
    private readonly gatewayCredentials: GatewayCredentialsService,
    private readonly app: AppConfig,
    private readonly outcomes: Counter<'source' | 'outcome'>,
    private readonly callSeconds: Histogram<'source' | 'gateway'>,
  ) {}

  /**
   * Resolves key, STC and credentials; throws the DomainError a client would get (nothing is sent). `subscriptionContext`:
   * the STC keys stored on the charge's subscription, merged into its STC.
   */
  async prepare(
    merchantId: string,
    customerId: string,
    billingKeyId: string,
    ctx: SendContext = newSendContext(),
    checkedKey?: BillingKey,
    subscriptionContext?: SubscriptionStcContext,
  ): Promise<Prepared> {
    const key = checkedKey ?? (await this.billingKeys.requireChargeable(merchantId, billingKeyId));
    if (key.customerId !== customerId)
      throw new DomainError('BILLING_KEY_CUSTOMER_MISMATCH', 'The billing key belongs to another customer');
    const adapter = this.adapterFor(key.gateway);
    // PayPal risk rules (STC) only where the buyer pays with PayPal.
    const stc = isPaypal(adapter)
      ? await this.risk.evaluateStc({ merchantId, customerId, purpose: 'charge', subscriptionContext })
      : undefined;
    const credentials = await this.credentialsFor(merchantId, key.gateway, ctx);
    return { adapter, credentials, key, riskContext: stc?.tossTransactionContext ?? {} };
  }

  /**
   * The reads of {@link prepareMany} for a batch (its keys, merchants and customers for STC, credentials), started on
   * their own: they depend on nothing the batch writes, so a billing batch starts them beside its intents' insert. A
   * run's first calls wait for its first batch's insert and preparation: one after the other cost ≈ 5–9 ms (64 charges,
   * PostgreSQL). The reads do not depend on each other either, so they run side by side.
   */
  preloadMany(
    charges: readonly Charge[],
    ctx: SendContext,
    subs?: ReadonlyArray<Pick<Subscription, 'id' | 'riskContext'>>,
  ): Promise<Preloaded> {
    // Loaded now, awaited per charge in prepareMany (ctx caches the promise; a failed load is dropped and becomes that
    // charge's error there).
    for (const c of charges) this.credentialsFor(c.merchantId, c.gateway, ctx).catch(() => undefined);
    const refs = charges.map((c) => ({ merchantId: c.merchantId, billingKeyId: c.billingKeyId }));
    // The subscriptions' stored STC keys: from the rows the caller holds (a billing batch's claim), read otherwise.
    const subIds = [...new Set(charges.flatMap((c) => (c.subscriptionId ? [c.subscriptionId] : [])))];
    const contexts = subs
      ? Promise.resolve(new Map(subs.map((s) => [s.id, s.riskContext ?? null] as const)))
      : subIds.length > 0
        ? this.subscriptions.riskContexts(subIds)
        : Promise.resolve(new Map<string, SubscriptionStcContext>());
    return Promise.all([
      this.billingKeys.requireChargeableMany(refs),
      this.risk.loadStcContext(charges),
      contexts,
    ]).then(([keys, stcContext, subscriptionContexts]) => ({
      keys: new Map(refs.map((r, i) => [keyRef(r), keys[i]])),
      stcContext,
      subscriptionContexts,
    }));
  }

  /**
   * {@link prepare} for a billing batch: the keys in one query, the STC of every charge evaluated and recorded in one
   * pass, credentials once per merchant. Each charge id maps to what it needs, or to the error prepare would throw.
   * `preloaded`: the batch's reads, started earlier by preloadMany (for these charges or more); read now otherwise.
   */
  async prepareMany(
    charges: readonly Charge[],
    ctx: SendContext,
    preloaded?: Promise<Preloaded>,
  ): Promise<Map<string, Prepared | Error>> {
    const out = new Map<string, Prepared | Error>();
    const loaded = await (preloaded ?? this.preloadMany(charges, ctx));
    // What the preload did not cover is read now, not failed: an earlier run's intent made with the key its subscription
    // had then, or a customer the preload did not find.
    const missing = charges.filter(
      (c) =>
        !loaded.keys.has(keyRef(c)) ||
        !covers(loaded.stcContext, c) ||
        (c.subscriptionId !== null && !loaded.subscriptionContexts.has(c.subscriptionId)),
    );
    const extra = missing.length > 0 ? await this.preloadMany(missing, ctx) : undefined;
    const keys = charges.map(
      (c) => loaded.keys.get(keyRef(c)) ?? (extra?.keys.get(keyRef(c)) as BillingKey | DomainError),
    );
    const stcContext = extra ? mergeStcContexts(loaded.stcContext, extra.stcContext) : loaded.stcContext;
    const ready: Array<{ charge: Charge; key: BillingKey; adapter: AdapterWith<'billingKeys'> }> = [];
    charges.forEach((charge, i) => {
      const key = keys[i];
      try {
        if (key instanceof Error) throw key;
        if (key.customerId !== charge.customerId)
          throw new DomainError('BILLING_KEY_CUSTOMER_MISMATCH', 'The billing key belongs to another customer');
        ready.push({ charge, key, adapter: this.adapterFor(key.gateway) });
      } catch (err) {
        out.set(charge.id, err as Error);
      }
    });
    const subscriptionContext = (c: Charge): SubscriptionStcContext =>
      !c.subscriptionId
        ? undefined
        : loaded.subscriptionContexts.has(c.subscriptionId)
          ? loaded.subscriptionContexts.get(c.subscriptionId)
          : extra?.subscriptionContexts.get(c.subscriptionId);
    // PayPal risk rules (STC) only for charges through PayPal gateways; the others carry no risk context.
    const paypal = ready.filter(({ adapter }) => isPaypal(adapter));
    const evaluated = await this.risk.evaluateStcMany(
      paypal.map(({ charge }) => ({
        merchantId: charge.merchantId,
        customerId: charge.customerId,
        purpose: 'charge' as const,
        subscriptionContext: subscriptionContext(charge),
      })),
      stcContext,
    );
    const stcOf = new Map(paypal.map((r, i) => [r.charge.id, evaluated[i]] as const));
    for (const { charge, key, adapter } of ready) {
      const evaluation = stcOf.get(charge.id) ?? { tossTransactionContext: {} };
      if (evaluation instanceof Error) {
        out.set(charge.id, evaluation);
        continue;
      }
      try {
        const credentials = await this.credentialsFor(charge.merchantId, key.gateway, ctx);
        out.set(charge.id, { adapter, credentials, key, riskContext: evaluation.tossTransactionContext });
      } catch (err) {
        out.set(charge.id, err as Error);
      }
    }
    return out;
  }

  /**
   * Sends a charge intent. Refusals before sending (including a batch preparation that failed for this charge)
   * become outcomes that say nothing was sent.
   */
  async send(
    charge: Charge,
    ctx: SendContext = newSendContext(),
    prepared?: Prepared | Error,
  ): Promise<PaymentOutcome> {
    if (prepared instanceof Error) return refusalOutcome(prepared);
    let p = prepared;
    if (!p) {
      try {
        const sub = charge.subscriptionId
          ? await this.subscriptions.require(charge.merchantId, charge.subscriptionId)
          : undefined;
        p = await this.prepare(
          charge.merchantId,
          charge.customerId,
          charge.billingKeyId,
          ctx,
          undefined,
          sub?.riskContext,
        );
      } catch (err) {
        return refusalOutcome(err);
      }
    }
    const started = performance.now();
    try {
      const outcome = await p.adapter.chargeBillingKey(p.credentials, {
        // The PG's own key where the PG minted one (Toss), else the id we minted (PortOne customer_uid).
        billingKey: p.key.gatewayBillingKey ?? p.key.customerUid,
        issuedAs: p.key.customerUid,
        reference: charge.merchantUid,
        amount: { amount: charge.amount, currency: charge.currency },
        orderName: charge.orderName,
        buyer: { id: charge.customerId },
        noticeUrls: [webhookUrl(this.app.publicBaseUrl, p.adapter.descriptor, charge.merchantId)],
        riskContext: p.riskContext,
      });
      this.outcomes.inc({ source: 'send', outcome: outcome.status });
      this.callSeconds.observe({ source: 'send', gateway: charge.gateway }, (performance.now() - started) / 1000);
      return outcome;
    } catch (err) {
      // Adapters answer with values; a throw after the call started may still have charged.
      this.logger.error({ chargeId: charge.id, err: (err as Error).message }, 'adapter threw during a charge');
      return unknownOutcome('unreadable_response', 'the adapter failed during the charge');
    }
  }

  /** The PG's view of the charge, by merchant_uid (how UNKNOWN and stale intents are resolved). */
  async lookup(charge: Charge, ctx: SendContext = newSendContext()): Promise<LookupOutcome> {
    try {
      const adapter = this.adapterFor(charge.gateway);
      const credentials = await this.credentialsFor(charge.merchantId, charge.gateway, ctx);
      const expected: Money = { amount: charge.amount, currency: charge.currency };
      const started = performance.now();
      const outcome = await adapter.retrieveByReference(credentials, { reference: charge.merchantUid, expected });
      this.outcomes.inc({ source: 'lookup', outcome: outcome.status });
      this.callSeconds.observe({ source: 'lookup', gateway: charge.gateway }, (performance.now() - started) / 1000);
      return outcome;
    } catch (err) {
      this.logger.error({ chargeId: charge.id, err: (err as Error).message }, 'look-up failed');
      return unknownOutcome('unreadable_response', 'the look-up failed');
    }
  }

  /** The adapter of a billing-key gateway; a gateway that is gone or cannot charge keys is a clear error. */
  adapterFor(gateway: string): AdapterWith<'billingKeys'> {
    try {
      return this.registry.require(gateway, 'billingKeys');
    } catch {
      throw new DomainError('UNSUPPORTED_GATEWAY', `Gateway ${gateway} cannot charge billing keys`);
    }
  }

  /** Refuses a currency the key's PG cannot charge (PayPal RT refuses KRW) before anything is stored or sent. */
  requireCurrency(gateway: string, currency: string): void {
    const adapter = this.adapterFor(gateway);
    if (!supportsCurrency(adapter.descriptor, currency)) {
      throw new DomainError('UNSUPPORTED_CURRENCY', `${gateway} cannot charge ${currency}`, [
        { field: 'currency', accepted: adapter.descriptor.capabilities.currencies },
      ]);
    }
  }

  /** The merchant's credentials for a gateway, cached in `ctx` for the run. */
  credentialsFor(merchantId: string, gateway: string, ctx: SendContext): Promise<unknown> {
    const key = `${merchantId}|${gateway}`;
    let creds = ctx.credentials.get(key);
    if (!creds) {
      // By code, never by prefix: each gateway's credentials are its own, even two gateways of one PG.
      creds = this.gatewayCredentials.for(merchantId, gateway);
      // A failed load must not be cached for the rest of the run.
      creds.catch(() => ctx.credentials.delete(key));
      ctx.credentials.set(key, creds);
    }
    return creds;
  }
}

/** Whether PayPal's risk rules (STC, Fraudnet) apply to this gateway's charges. */
export function isPaypal(adapter: { readonly descriptor: { readonly paymentMethod: string } }): boolean {
  return adapter.descriptor.paymentMethod === 'paypal';
}

/** A refusal before sending, as an outcome: nothing reached the PG. */
function refusalOutcome(err: unknown): PaymentOutcome {
  const code = err instanceof DomainError ? err.code : 'INTERNAL_ERROR';
  const message = err instanceof DomainError ? err.message : 'charge preparation failed';
  switch (code) {
    case 'STC_DATA_REQUIRED':
    case 'STC_CONTEXT_INVALID':
      // The merchant can complete the data: dunning retries on its schedule.
      return { status: 'DECLINED', kind: 'soft', code, message };
    case 'GATEWAY_NOT_CONFIGURED':
    case 'GATEWAY_CREDENTIALS_INVALID':
    case 'INTERNAL_ERROR':
      // The merchant's keys (missing, or stored ones its gateway no longer accepts): fixed by the merchant, never the
      // buyer's fault; the intent is kept and re-sent.
      return { status: 'NOT_SENT', reason: 'invalid_request', code, message, retryable: true };
    default:
      // BILLING_KEY_NOT_ACTIVE, NOT_FOUND, UNSUPPORTED_GATEWAY, BILLING_KEY_CUSTOMER_MISMATCH: will not get better.
      return { status: 'NOT_SENT', reason: 'invalid_request', code, message, retryable: false };
  }
}

/**
 * Runs a look-up in one of the context's PG-call slots when it has them (a billing run: its reconciler shares
 * BILLING_CONCURRENCY with the due batches, after their calls).
 */
export function withSlot<T>(ctx: SendContext, fn: () => Promise<T>): Promise<T> {
  return ctx.pgCalls ? ctx.pgCalls.run(fn, Number.MAX_SAFE_INTEGER) : fn();
}
