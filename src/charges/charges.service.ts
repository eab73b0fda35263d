import { Inject, Injectable, Optional } from '@nestjs/common';
import { GatewayRegistry, type AdapterWith, type LookupOutcome, type PaymentOutcome } from '@app/pg-contract';
import { Gauge } from 'prom-client';
import { BillingKeysService } from '../billing-keys/billing-keys.service';
import type { BillingKey } from '../billing-keys/billing-key.entity';
import { Clock } from '../clock/clock';
import { NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { appConfig, type AppConfig, billingConfig, type BillingConfig } from '../config/configuration';
import { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import { MetricsService } from '../metrics/metrics.service';
import { RiskService } from '../risk/risk.service';
import type { Subscription } from '../subscriptions/subscription.entity';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { ChargeCancels } from './charges.cancels';
import type { ChargeResolution } from './charge-review-action.entity';
import { ChargeReview } from './charges.review';
import { ExternalRefunds } from './charges.external-refunds';
import { newCharge, toCancelView, toChargeView, toReviewActionView } from './charges.mapper';
import { ChargeReconciler, type GatewayNotification, type ResolvedAs } from './charges.reconciliation';
import { type ChargeListFilters, ChargesRepository, type ResultWrite } from './charges.repository';
import {
  ChargeSender,
  isPaypal,
  newSendContext,
  type Preloaded,
  type Prepared,
  type SendContext,
} from './charges.sending';
import type { Charge } from './charge.entity';
import type { ChargeResult } from './charge.outcomes';
import type { CancelChargeDto, ChargeView, CreateChargeDto } from './dto/charge.dto';
import { pageParams, toPage, type Page } from '../common/pagination';

// The service's parts, re-exported so callers keep importing the charges API from one place.
export { newCharge, toCancelView, toChargeView } from './charges.mapper';
export { resolvedAs, type GatewayNotification, type ResolvedAs } from './charges.reconciliation';
export { newSendContext, type Preloaded, type Prepared, type SendContext } from './charges.sending';

/**
 * Charges with billing keys and the one state machine every result goes through, whoever brings it: the scheduler's
 * send, a look-up by the reconciler, or a webhook (a pointer: the charge is always re-fetched at the PG). The facade
 * of its parts: sending (charges.sending.ts), reconciliation (charges.reconciliation.ts), cancels
 * (charges.cancels.ts) and the views (charges.mapper.ts); it holds the customer-present flow and the reads.
 */
@Injectable()
export class ChargesService {
  private readonly sender: ChargeSender;
  private readonly reconciler: ChargeReconciler;
  private readonly cancels: ChargeCancels;
  private readonly review: ChargeReview;

  constructor(
    private readonly repo: ChargesRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly billingKeys: BillingKeysService,
    private readonly risk: RiskService,
    registry: GatewayRegistry,
    gatewayCredentials: GatewayCredentialsService,
    private readonly clock: Clock,
    @Inject(billingConfig.KEY) private readonly config: BillingConfig,
    @Inject(appConfig.KEY) app: AppConfig,
    metrics: MetricsService,
    @Optional() externalRefunds?: ExternalRefunds,
  ) {
    const outcomes = metrics.counter(
      'charge_outcomes_total',
      'PG outcomes of charges by source (send, lookup, webhook) and outcome',
      ['source', 'outcome'],
    );
    // PG round trips as the app sees them (its own event-loop delays included): what a slot of BILLING_CONCURRENCY is held for.
    const callSeconds = metrics.histogram(
      'charge_pg_call_seconds',
      'Duration of charge calls to the PG (send, lookup), as the app sees them',
      ['source', 'gateway'],
      [0.01, 0.025, 0.05, 0.1, 0.125, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5, 10, 30],
    );
    const transitions = { retryDays: config.retryDays, resendDelayMs: config.reconcileBackoffMs[0] ?? 60_000 };
    this.sender = new ChargeSender(
      subscriptions,
      billingKeys,
      risk,
      registry,
      gatewayCredentials,
      app,
      outcomes,
      callSeconds,
    );
    this.cancels = new ChargeCancels(repo, this.sender, this, registry, clock, config);
    this.reconciler = new ChargeReconciler(
      repo,
      this.sender,
      this.cancels,
      clock,
      config,
      transitions,
      outcomes,
      externalRefunds,
    );
    this.review = new ChargeReview(repo, this.reconciler, clock);
    registerGauge(
      metrics,
      'charges_review_flagged',
      'Charges and cancels flagged for review (unresolved after the last look-up)',
      async () => (await this.repo.countReview()) + (await this.repo.countReviewCancels()),
    );
  }

  get backoff(): readonly number[] {
    return this.config.reconcileBackoffMs;
  }

  // ---- sending (charges.sending.ts; never inside a transaction) ----------------------------------------------------

  prepare(
    merchantId: string,
    customerId: string,
    billingKeyId: string,
    ctx: SendContext = newSendContext(),
    checkedKey?: BillingKey,
    subscriptionContext?: Readonly<Record<string, string>> | null,
  ): Promise<Prepared> {
    return this.sender.prepare(merchantId, customerId, billingKeyId, ctx, checkedKey, subscriptionContext);
  }

  preloadMany(
    charges: readonly Charge[],
    ctx: SendContext,
    subs?: ReadonlyArray<Pick<Subscription, 'id' | 'riskContext'>>,
  ): Promise<Preloaded> {
    return this.sender.preloadMany(charges, ctx, subs);
  }

  prepareMany(
    charges: readonly Charge[],
    ctx: SendContext,
    preloaded?: Promise<Preloaded>,
  ): Promise<Map<string, Prepared | Error>> {
    return this.sender.prepareMany(charges, ctx, preloaded);
  }

  send(charge: Charge, ctx: SendContext = newSendContext(), prepared?: Prepared | Error): Promise<PaymentOutcome> {
    return this.sender.send(charge, ctx, prepared);
  }

  lookup(charge: Charge, ctx: SendContext = newSendContext()): Promise<LookupOutcome> {
    return this.sender.lookup(charge, ctx);
  }

  adapterFor(gateway: string): AdapterWith<'billingKeys'> {
    return this.sender.adapterFor(gateway);
  }

  requireCurrency(gateway: string, currency: string): void {
    this.sender.requireCurrency(gateway, currency);
  }

  // ---- results and reconciliation (charges.reconciliation.ts) -----------------------------------------------------

  resultWrite(
    charge: Charge,
    outcome: PaymentOutcome | LookupOutcome,
    sub: Subscription | undefined,
    opts: { fromLookup: boolean; leaseVersion?: number },
  ): { write: ResultWrite; result: ChargeResult } {
    return this.reconciler.resultWrite(charge, outcome, sub, opts);
  }

  followWrite(charge: Charge, sub: Subscription, leaseVersion: number): ResultWrite {
    return this.reconciler.followWrite(charge, sub, leaseVersion);
  }

  /** Whether `merchantUid` names one of this merchant's charges (our tables only, no PG call). */
  async isChargeOf(merchantId: string, merchantUid: string): Promise<boolean> {
    return (await this.repo.findByMerchantUids([merchantUid])).some((c) => c.merchantId === merchantId);
  }

  /**
   * One pointer of an (unsigned) webhook: finds the charge by merchant_uid (or the PG's id), re-fetches it at the PG
   * and applies the answer through the same state machine. The batched form below is what the webhook service calls.
   */
  async handleGatewayNotification(
    merchantId: string,
    gateway: string,
    ref: { reference?: string; gatewayPaymentId?: string },
  ): Promise<'applied' | 'unknown_reference' | 'error'> {
    const [result] = await this.handleGatewayNotifications(gateway, [{ merchantId, ...ref }], 1);
    return result;
  }

  handleGatewayNotifications(
    gateway: string,
    refs: readonly GatewayNotification[],
    concurrency: number,
  ): Promise<Array<'applied' | 'unknown_reference' | 'error'>> {
    return this.reconciler.handleGatewayNotifications(gateway, refs, concurrency);
  }

  reconcile(opts: { merchantId?: string; limit: number; ctx?: SendContext }): Promise<Record<ResolvedAs, number>> {
    return this.reconciler.reconcile(opts);
  }

  // ---- customer-present charges ------------------------------------------------------------------------------------

  /**
   * A charge the buyer triggers on the merchant's page: its merchantUid must be a Fraudnet reservation of this
   * merchant (consumed exactly once), so the page's Fraudnet data and the charge share the reference.
   */
  async createCustomerPresent(merchantId: string, billingKeyId: string, dto: CreateChargeDto): Promise<ChargeView> {
    const key = await this.billingKeys.requireChargeable(merchantId, billingKeyId);
    const currency = dto.currency.toUpperCase();
    this.requireCurrency(key.gateway, currency);
    const ctx = newSendContext();
    const prepared = await this.prepare(merchantId, key.customerId, key.id, ctx, key);
    // Fraudnet is PayPal's: only a PayPal gateway's customer-present charge consumes a reservation.
    if (isPaypal(prepared.adapter)) await this.risk.consumeFraudnetReservation(merchantId, dto.merchantUid);
    const now = this.clock.now();
    const charge = await this.repo.insert(
      newCharge({
        id: newId('chg'),
        merchantId,
        subscriptionId: null,
        customerId: key.customerId,
        billingKeyId: key.id,
        gateway: key.gateway,
        kind: 'customer_present',
        cycle: null,
        attempt: 1,
        merchantUid: dto.merchantUid,
        amount: dto.amount,
        currency,
        orderName: dto.name,
        status: 'sending',
        // Should this process die before recording the answer, the reconciler looks it up after the lease.
        nextLookupAt: new Date(now.getTime() + this.config.leaseMs),
        createdAt: now,
        updatedAt: now,
      }),
    );
    const outcome = await this.send(charge, ctx, prepared);
    // Nothing reached the PG: the buyer is present and retries with a new reservation, so this attempt simply failed.
    const effective = outcome.status === 'NOT_SENT' ? { ...outcome, retryable: false } : outcome;
    const { write } = this.resultWrite(charge, effective, undefined, { fromLookup: false });
    await this.repo.recordResults([write]);
    return this.view(merchantId, charge.id);
  }

  // ---- cancels (charges.cancels.ts) -------------------------------------------------------------------------------

  cancel(merchantId: string, chargeId: string, dto: CancelChargeDto): Promise<ChargeView> {
    return this.cancels.cancel(merchantId, chargeId, dto);
  }

  // ---- the review queue (charges.review.ts) -----------------------------------------------------------------------

  /** Looks a pending or unknown charge up at the PG now; recorded with the API key's id. */
  async lookupNow(merchantId: string, chargeId: string, apiKeyId: string): Promise<ChargeView> {
    const action = await this.review.lookup(merchantId, chargeId, apiKeyId);
    return { ...(await this.view(merchantId, chargeId)), reviewAction: toReviewActionView(action) };
  }

  /** Records a human's resolution of a charge in review, applied as the PG's answer would be. */
  async resolveReview(
    merchantId: string,
    chargeId: string,
    input: { resolution: ChargeResolution; note: string },
    apiKeyId: string,
  ): Promise<ChargeView> {
    const action = await this.review.resolve(merchantId, chargeId, input, apiKeyId);
    return { ...(await this.view(merchantId, chargeId)), reviewAction: toReviewActionView(action) };
  }

  // ---- reads -------------------------------------------------------------------------------------------------------

  async require(merchantId: string, id: string): Promise<Charge> {
    const charge = await this.repo.findForMerchant(merchantId, id);
    if (!charge) throw new NotFoundError('Charge');
    return charge;
  }

  async view(merchantId: string, id: string, cancelId?: string): Promise<ChargeView> {
    const charge = await this.require(merchantId, id);
    const cancels = (await this.repo.listCancels(charge.id)).map(toCancelView);
    return {
      ...toChargeView(charge),
      cancels,
      ...(cancelId ? { cancel: cancels.find((c) => c.id === cancelId) } : {}),
    };
  }

  /** The charges of one of the merchant's subscriptions (another merchant's is a 404). */
  async listForSubscription(merchantId: string, subscriptionId: string): Promise<ChargeView[]> {
    const sub = await this.subscriptions.require(merchantId, subscriptionId);
    return (await this.repo.listForSubscription(merchantId, sub.id)).map(toChargeView);
  }

  /** The merchant's latest charges, or with `review` only those flagged for review. */
  async list(
    merchantId: string,
    query: ChargeListFilters & { limit?: number; cursor?: string },
  ): Promise<Page<ChargeView>> {
    const page = pageParams(query);
    const { customerId, subscriptionId, status, review } = query;
    const rows = await this.repo.list(merchantId, { ...page, filters: { customerId, subscriptionId, status, review } });
    return toPage(rows, page.limit, toChargeView);
  }

  async listReview(merchantId: string, limit = 100): Promise<ChargeView[]> {
    return (await this.repo.listReview(merchantId, limit)).map(toChargeView);
  }
}

/** A gauge read from the database when /metrics is scraped (MetricsService has counters and histograms only). */
export function registerGauge(metrics: MetricsService, name: string, help: string, read: () => Promise<number>): void {
  if (metrics.registry.getSingleMetric(name)) return;
  new Gauge({
    name,
    help,
    registers: [metrics.registry],
    async collect() {
      this.set(await read());
    },
  });
}
