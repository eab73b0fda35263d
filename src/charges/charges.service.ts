import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { GatewayRegistry, supportsCurrency, unknownOutcome, type AdapterWith, type LookupOutcome, type Money, type PaymentOutcome, webhookUrl } from '@app/pg-contract';
import { Gauge, type Counter, type Histogram } from 'prom-client';
import { BillingKeysService } from '../billing-keys/billing-keys.service';
import type { BillingKey } from '../billing-keys/billing-key.entity';
import type { Customer } from '../customers/customer.entity';
import { Clock } from '../clock/clock';
import { Semaphore } from '../common/semaphore';
import { DomainError, NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { appConfig, type AppConfig, billingConfig, type BillingConfig } from '../config/configuration';
import { GatewayCredentialsService } from '../gateways/gateway-credentials.service';
import { MetricsService } from '../metrics/metrics.service';
import { RiskService, type StcContext } from '../risk/risk.service';
import type { Subscription } from '../subscriptions/subscription.entity';
import { SubscriptionsService } from '../subscriptions/subscriptions.service';
import { transitionFor, type TransitionConfig } from '../subscriptions/subscription.transitions';
import { ChargeCancel } from './charge-cancel.entity';
import { ExternalRefunds } from './charges.external-refunds';
import { Charge, OPEN_CHARGE_STATUSES } from './charge.entity';
import { chargeResultOf, paidStatus, type ChargeResult } from './charge.outcomes';
import { cancelsProvenDone } from './charge-cancel.attribution';
import { ChargesRepository, type RecordSummary, type ResultWrite } from './charges.repository';
import type { CancelChargeDto, ChargeCancelView, ChargeView, CreateChargeDto } from './dto/charge.dto';

/** Per-run caches, so a batch does not decrypt one merchant's credentials once per charge. */
export interface SendContext {
  credentials: Map<string, Promise<unknown>>;
  /** Set by billing runs: bounds the PG calls of every batch in flight together (BILLING_CONCURRENCY in all). */
  pgCalls?: Semaphore;
}

/** What a PG webhook points at, and whose URL it came to. */
export interface GatewayNotification {
  merchantId: string;
  reference?: string;
  gatewayPaymentId?: string;
  /**
   * The delivery says a refund happened (the adapter's reading of the PG's notice): a settled charge with no cancel of
   * ours under way is re-fetched for a refund made outside the API. A claim only; the re-fetch decides.
   */
  refundNoticed?: boolean;
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
  return merchant !== undefined && (merchant instanceof DomainError || ctx.customers.get(c.merchantId)?.has(c.customerId) === true);
}

function mergeStcContexts(a: StcContext, b: StcContext): StcContext {
  const customers = new Map<string, ReadonlyMap<string, Customer>>(a.customers);
  for (const [m, found] of b.customers) customers.set(m, new Map([...(customers.get(m) ?? []), ...found]));
  return { merchants: new Map([...a.merchants, ...b.merchants]), customers };
}

/** How a look-up or re-fetch ended, for run counters. */
export type ResolvedAs = 'succeeded' | 'failed' | 'pending' | 'unknown' | 'resend';

/**
 * Charges with billing keys and the one state machine every result goes through, whoever brings it: the scheduler's
 * send, a look-up by the reconciler, or a webhook (a pointer: the charge is always re-fetched at the PG).
 */
@Injectable()
export class ChargesService {
  private readonly logger = new Logger(ChargesService.name);
  private readonly outcomes: Counter<'source' | 'outcome'>;
  /** PG round trips as the app sees them (its own event-loop delays included): what a slot of BILLING_CONCURRENCY is held for. */
  private readonly callSeconds: Histogram<'source' | 'gateway'>;
  private readonly transitions: TransitionConfig;

  constructor(
    private readonly repo: ChargesRepository,
    private readonly subscriptions: SubscriptionsService,
    private readonly billingKeys: BillingKeysService,
    private readonly risk: RiskService,
    private readonly registry: GatewayRegistry,
    private readonly gatewayCredentials: GatewayCredentialsService,
    private readonly clock: Clock,
    @Inject(billingConfig.KEY) private readonly config: BillingConfig,
    @Inject(appConfig.KEY) private readonly app: AppConfig,
    metrics: MetricsService,
    @Optional() private readonly externalRefunds?: ExternalRefunds,
  ) {
    this.outcomes = metrics.counter('charge_outcomes_total', 'PG outcomes of charges by source (send, lookup, webhook) and outcome', ['source', 'outcome']);
    this.callSeconds = metrics.histogram('charge_pg_call_seconds', 'Duration of charge calls to the PG (send, lookup), as the app sees them', ['source', 'gateway'], [
      0.01, 0.025, 0.05, 0.1, 0.125, 0.15, 0.2, 0.3, 0.5, 1, 2.5, 5, 10, 30,
    ]);
    this.transitions = { retryDays: config.retryDays, resendDelayMs: config.reconcileBackoffMs[0] ?? 60_000 };
    registerGauge(metrics, 'charges_review_flagged', 'Charges and cancels flagged for review (unresolved after the last look-up)', async () =>
      (await this.repo.countReview()) + (await this.repo.countReviewCancels()),
    );
  }

  get backoff(): readonly number[] {
    return this.config.reconcileBackoffMs;
  }

  // ---- PG calls (never inside a transaction) -------------------------------------------------------------------

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
    if (key.customerId !== customerId) throw new DomainError('BILLING_KEY_CUSTOMER_MISMATCH', 'The billing key belongs to another customer');
    const adapter = this.adapterFor(key.gateway);
    // PayPal risk rules (STC) only where the buyer pays with PayPal.
    const stc = isPaypal(adapter) ? await this.risk.evaluateStc({ merchantId, customerId, purpose: 'charge', subscriptionContext }) : undefined;
    const credentials = await this.credentialsFor(merchantId, key.gateway, ctx);
    return { adapter, credentials, key, riskContext: stc?.tossTransactionContext ?? {} };
  }

  /**
   * The reads of {@link prepareMany} for a batch (its keys, merchants and customers for STC, credentials), started on
   * their own: they depend on nothing the batch writes, so a billing batch starts them beside its intents' insert. A
   * run's first calls wait for its first batch's insert and preparation: one after the other cost ≈ 5–9 ms (64 charges,
   * PostgreSQL). The reads do not depend on each other either, so they run side by side.
   */
  preloadMany(charges: readonly Charge[], ctx: SendContext, subs?: ReadonlyArray<Pick<Subscription, 'id' | 'riskContext'>>): Promise<Preloaded> {
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
    return Promise.all([this.billingKeys.requireChargeableMany(refs), this.risk.loadStcContext(charges), contexts]).then(([keys, stcContext, subscriptionContexts]) => ({
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
  async prepareMany(charges: readonly Charge[], ctx: SendContext, preloaded?: Promise<Preloaded>): Promise<Map<string, Prepared | Error>> {
    const out = new Map<string, Prepared | Error>();
    const loaded = await (preloaded ?? this.preloadMany(charges, ctx));
    // What the preload did not cover is read now, not failed: an earlier run's intent made with the key its subscription
    // had then, or a customer the preload did not find.
    const missing = charges.filter(
      (c) => !loaded.keys.has(keyRef(c)) || !covers(loaded.stcContext, c) || (c.subscriptionId !== null && !loaded.subscriptionContexts.has(c.subscriptionId)),
    );
    const extra = missing.length > 0 ? await this.preloadMany(missing, ctx) : undefined;
    const keys = charges.map((c) => loaded.keys.get(keyRef(c)) ?? (extra?.keys.get(keyRef(c)) as BillingKey | DomainError));
    const stcContext = extra ? mergeStcContexts(loaded.stcContext, extra.stcContext) : loaded.stcContext;
    const ready: Array<{ charge: Charge; key: BillingKey; adapter: AdapterWith<'billingKeys'> }> = [];
    charges.forEach((charge, i) => {
      const key = keys[i];
      try {
        if (key instanceof Error) throw key;
        if (key.customerId !== charge.customerId) throw new DomainError('BILLING_KEY_CUSTOMER_MISMATCH', 'The billing key belongs to another customer');
        ready.push({ charge, key, adapter: this.adapterFor(key.gateway) });
      } catch (err) {
        out.set(charge.id, err as Error);
      }
    });
    const subscriptionContext = (c: Charge): SubscriptionStcContext =>
      !c.subscriptionId ? undefined : loaded.subscriptionContexts.has(c.subscriptionId) ? loaded.subscriptionContexts.get(c.subscriptionId) : extra?.subscriptionContexts.get(c.subscriptionId);
    // PayPal risk rules (STC) only for charges through PayPal gateways; the others carry no risk context.
    const paypal = ready.filter(({ adapter }) => isPaypal(adapter));
    const evaluated = await this.risk.evaluateStcMany(
      paypal.map(({ charge }) => ({ merchantId: charge.merchantId, customerId: charge.customerId, purpose: 'charge' as const, subscriptionContext: subscriptionContext(charge) })),
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
  async send(charge: Charge, ctx: SendContext = newSendContext(), prepared?: Prepared | Error): Promise<PaymentOutcome> {
    if (prepared instanceof Error) return refusalOutcome(prepared);
    let p = prepared;
    if (!p) {
      try {
        const sub = charge.subscriptionId ? await this.subscriptions.require(charge.merchantId, charge.subscriptionId) : undefined;
        p = await this.prepare(charge.merchantId, charge.customerId, charge.billingKeyId, ctx, undefined, sub?.riskContext);
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

  // ---- the state machine -------------------------------------------------------------------------------------------

  /**
   * The write for an outcome: the charge patch, and when the charge belongs to a subscription that still waits on it,
   * the subscription's transition. A NOT_FOUND look-up of a recurring intent (stale `sending` or `unknown`) means the
   * PG never took it: it is re-sent with the same merchant_uid; for anything else NOT_FOUND counts as unresolved.
   */
  resultWrite(charge: Charge, outcome: PaymentOutcome | LookupOutcome, sub: Subscription | undefined, opts: { fromLookup: boolean; leaseVersion?: number }): { write: ResultWrite; result: ChargeResult } {
    const now = this.clock.now();
    let result: ChargeResult;
    if (outcome.status === 'NOT_FOUND') {
      // After a timeout (`unknown`), a look-up a backoff step later that finds nothing means it never reached the PG:
      // the scheduler re-sends the same merchant_uid (PortOne refuses a second payment of a paid one). A stale
      // `sending` intent found here is normally settled by the scheduler when it reclaims the subscription (look-up,
      // then send); this pass only keeps looking, so one whose subscription was canceled meanwhile ends in review.
      result =
        charge.kind === 'recurring' && charge.status === 'unknown'
          ? { effect: 'resend', patch: { status: 'sending', resendable: true, nextLookupAt: null, updatedAt: now } }
          : chargeResultOf(unknownOutcome('unreadable_response', 'the PG has no payment under this merchant_uid', { code: 'NOT_FOUND_AT_PG' }), charge, now, this.backoff, { fromLookup: true });
    } else {
      result = chargeResultOf(outcome, charge, now, this.backoff, { fromLookup: opts.fromLookup });
    }
    const write: ResultWrite = { chargeId: charge.id, from: OPEN_CHARGE_STATUSES, chargePatch: result.patch };
    if (sub && charge.cycle === sub.cycle && charge.attempt === sub.attempt) {
      write.subscription = {
        id: sub.id,
        cycle: sub.cycle,
        attempt: sub.attempt,
        patch: transitionFor(sub, result.effect, this.transitions, now),
        ...(opts.leaseVersion !== undefined ? { leaseVersion: opts.leaseVersion } : {}),
      };
    }
    return { write, result };
  }

  /** The subscription follows a charge that already holds its final result (written by an earlier, interrupted run). */
  followWrite(charge: Charge, sub: Subscription, leaseVersion: number): ResultWrite {
    const effect =
      charge.status === 'failed'
        ? charge.declineKind === 'hard'
          ? 'hard_decline'
          : 'soft_decline'
        : charge.status === 'pending' || charge.status === 'unknown'
          ? 'blocked'
          : 'succeeded';
    return {
      chargeId: charge.id,
      from: [],
      chargePatch: null,
      subscription: { id: sub.id, cycle: sub.cycle, attempt: sub.attempt, patch: transitionFor(sub, effect, this.transitions, this.clock.now()), leaseVersion },
    };
  }

  /** Charge intents of a billing batch, committed in one statement before any PG call; the ids of those inserted. */
  writeIntents(intents: Charge[]): Promise<Set<string>> {
    return this.repo.insertIntents(intents);
  }

  /** Marks NOT_SENT intents as belonging to the current lease before they are sent again (see BillingService). */
  adoptForResend(charges: ReadonlyArray<{ id: string; leaseVersion: number }>): Promise<void> {
    return this.repo.adoptForResend(charges, this.clock.now());
  }

  /** Whether `merchantUid` names one of this merchant's charges (our tables only, no PG call). */
  async isChargeOf(merchantId: string, merchantUid: string): Promise<boolean> {
    return (await this.repo.findByMerchantUids([merchantUid])).some((c) => c.merchantId === merchantId);
  }

  findByMerchantUids(uids: readonly string[]): Promise<Charge[]> {
    return this.repo.findByMerchantUids(uids);
  }

  recordResults(writes: readonly ResultWrite[]): Promise<RecordSummary> {
    return this.repo.recordResults(writes);
  }

  /**
   * One pointer of an (unsigned) webhook: finds the charge by merchant_uid (or the PG's id), re-fetches it at the PG
   * and applies the answer through the same state machine. The batched form below is what the webhook service calls.
   */
  async handleGatewayNotification(merchantId: string, gateway: string, ref: { reference?: string; gatewayPaymentId?: string }): Promise<'applied' | 'unknown_reference' | 'error'> {
    const [result] = await this.handleGatewayNotifications(gateway, [{ merchantId, ...ref }], 1);
    return result;
  }

  /**
   * Many webhook pointers at once (a burst, or every paid charge of a billing run): the charges are found with one
   * query by merchant_uid (scoped to each pointer's merchant) instead of one each; the open ones are looked up at the
   * PG and their answers recorded together (lookUpAndRecord, as the reconciler does), then the pending cancels of those
   * holding a reservation are finished. One result per pointer, in order; one charge's failure is that pointer's
   * 'error', never the batch's.
   */
  async handleGatewayNotifications(
    gateway: string,
    refs: readonly GatewayNotification[],
    concurrency: number,
  ): Promise<Array<'applied' | 'unknown_reference' | 'error'>> {
    const byUid = new Map((await this.repo.findByMerchantUids(refs.flatMap((r) => (r.reference ? [r.reference] : [])))).map((c) => [c.merchantUid, c]));
    const found: Array<Charge | null> = [];
    for (const r of refs) {
      let c = r.reference ? byUid.get(r.reference) : undefined;
      // merchant_uid is unique across merchants: a pointer posted to another merchant's URL finds nothing of theirs.
      if (c && c.merchantId !== r.merchantId) c = undefined;
      if (!c && r.gatewayPaymentId) c = (await this.repo.findByGatewayPaymentId(r.merchantId, r.gatewayPaymentId)) ?? undefined;
      found.push(c && c.gateway === gateway ? c : null);
    }
    const ctx = newSendContext();
    // Two pointers to one charge (two events) refresh it once.
    const unique = [...new Map(found.flatMap((c) => (c ? [[c.id, c] as const] : []))).values()];
    // A webhook about a `sending` charge arrives while our own call (or its batch's result write) is still under way:
    // that answer is recorded moments later, and an intent orphaned by a crash is looked up when its lease expires.
    // Re-fetching here would only double the PG calls of every billing run.
    const open = unique.filter((c) => OPEN_CHARGE_STATUSES.includes(c.status) && c.status !== 'sending');
    let failed = new Set<string>();
    let written: string[] = [];
    try {
      const applied = await this.lookUpAndRecord(open, ctx, concurrency, 'webhook');
      failed = applied.failed;
      written = [...applied.results.keys()];
    } catch (err) {
      failed = new Set(open.map((c) => c.id));
      this.logger.error({ charges: open.length, err: (err as Error).message }, 'webhook results could not be written');
    }
    // A pending cancel always holds a reservation: only those charges (re-read if just written) finish their cancels.
    const fresh = new Map((written.length > 0 ? await this.repo.findByIds(written) : []).map((c) => [c.id, c]));
    const withCancels = unique.filter((c) => !failed.has(c.id)).map((c) => fresh.get(c.id) ?? c).filter((c) => c.refundReserved > 0);
    await mapPool(withCancels, concurrency, async (c) => {
      try {
        await this.refreshCancels(c, ctx);
      } catch (err) {
        failed.add(c.id);
        this.logger.error({ chargeId: c.id, err: (err as Error).message }, 'webhook could not be applied to the charge');
      }
    });
    // A cancel notice for a settled charge with no cancel of ours under way: a refund made outside the API (console).
    const settled = unique.filter((c) => !failed.has(c.id) && (c.status === 'succeeded' || c.status === 'partially_canceled') && c.refundReserved === 0);
    const cancelNoticed = new Set(refs.flatMap((r, i) => (r.refundNoticed && found[i] ? [found[i]!.id] : [])));
    const external = this.externalRefunds;
    if (external) await mapPool(settled.filter((c) => cancelNoticed.has(c.id)), concurrency, async (c) => {
      try {
        await external.apply(c, await this.credentialsFor(c.merchantId, c.gateway, ctx));
      } catch (err) {
        failed.add(c.id);
        this.logger.error({ chargeId: c.id, err: (err as Error).message }, 'refund made outside the API could not be applied');
      }
    });
    return found.map((c) => (!c ? 'unknown_reference' : failed.has(c.id) ? 'error' : 'applied'));
  }

  /**
   * Looks the charges up `concurrency` at a time and records every answer with one write for them all, as the
   * reconciler and the webhooks both need. If that write fails, each is written on its own, so a row the database
   * refuses is that charge's failure only (the writes are conditional on the charge still being open, so one already
   * written is not written twice). `results` holds the charges whose answer was recorded.
   */
  private async lookUpAndRecord(
    charges: readonly Charge[],
    ctx: SendContext,
    concurrency: number,
    source: 'lookup' | 'webhook',
  ): Promise<{ results: Map<string, ChargeResult>; failed: Set<string> }> {
    const results = new Map<string, ChargeResult>();
    const failed = new Set<string>();
    if (charges.length === 0) return { results, failed };
    const subs = new Map((await this.repo.findSubscriptions(charges.flatMap((c) => (c.subscriptionId ? [c.subscriptionId] : [])))).map((x) => [x.id, x]));
    const writes: ResultWrite[] = [];
    await mapPool(charges, concurrency, async (c) => {
      const outcome = await withSlot(ctx, () => this.lookup(c, ctx));
      if (source === 'webhook') this.outcomes.inc({ source: 'webhook', outcome: outcome.status });
      const { write, result } = this.resultWrite(c, outcome, c.subscriptionId ? subs.get(c.subscriptionId) : undefined, { fromLookup: true });
      writes.push(write);
      results.set(c.id, result);
    });
    try {
      await this.repo.recordResults(writes);
    } catch {
      for (const w of writes) {
        try {
          await this.repo.recordResults([w]);
        } catch (err) {
          failed.add(w.chargeId);
          results.delete(w.chargeId);
          this.logger.error({ chargeId: w.chargeId, err: (err as Error).message }, 'the result of a look-up could not be written');
        }
      }
    }
    return { results, failed };
  }

  /** One reconciler pass over due look-ups (charges, then cancels), at most `limit` of each. */
  async reconcile(opts: { merchantId?: string; limit: number; ctx?: SendContext }): Promise<Record<ResolvedAs, number>> {
    const counts: Record<ResolvedAs, number> = { succeeded: 0, failed: 0, pending: 0, unknown: 0, resend: 0 };
    const ctx = opts.ctx ?? newSendContext();
    const now = this.clock.now();
    const holdUntil = new Date(now.getTime() + this.config.leaseMs);
    const charges = await this.repo.claimLookups(now, holdUntil, opts.limit, opts.merchantId);
    // A charge whose result could not be written stays claimed: it is looked up again when its hold ends.
    const { results } = await this.lookUpAndRecord(charges, ctx, this.config.concurrency, 'lookup');
    for (const result of results.values()) counts[resolvedAs(result)]++;
    const cancels = await this.repo.claimCancelLookups(now, holdUntil, opts.limit, opts.merchantId);
    const byCharge = new Map((await this.repo.findByIds([...new Set(cancels.map((c) => c.chargeId))])).map((c) => [c.id, c]));
    await mapPool([...byCharge.values()], this.config.concurrency, (charge) => withSlot(ctx, () => this.refreshCancels(charge, ctx, true)));
    return counts;
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

  // ---- cancels -----------------------------------------------------------------------------------------------------

  /**
   * Cancels all or part of a paid charge. The amount is reserved against the refundable balance first (so it never
   * goes negative, even with concurrent cancels); a cancel the PG has not approved is reported as pending and
   * finished by the reconciler or a webhook.
   */
  async cancel(merchantId: string, chargeId: string, dto: CancelChargeDto): Promise<ChargeView> {
    const charge = await this.require(merchantId, chargeId);
    if (charge.status !== 'succeeded' && charge.status !== 'partially_canceled') {
      throw new DomainError('CHARGE_NOT_CANCELABLE', `A ${charge.status} charge cannot be canceled`);
    }
    const balance = charge.amount - charge.refundedAmount - charge.refundReserved;
    const amount = dto.amount ?? balance;
    if (amount <= 0 || amount > balance) {
      throw new DomainError('CANCEL_AMOUNT_EXCEEDS_BALANCE', `The refundable balance is ${balance} (minor units of ${charge.currency})`, [
        { field: 'amount', refundable: balance, currency: charge.currency },
      ]);
    }
    const now = this.clock.now();
    const cancel: ChargeCancel = {
      id: newId('ccl'),
      merchantId,
      chargeId: charge.id,
      amount,
      currency: charge.currency,
      reason: dto.reason,
      status: 'pending',
      gatewayCancelId: null,
      failureCode: null,
      failureMessage: null,
      lookupAttempts: 0,
      nextLookupAt: new Date(now.getTime() + (this.backoff[0] ?? 60_000)),
      review: false,
      createdAt: now,
      updatedAt: now,
      settledAt: null,
    };
    if (!(await this.repo.reserveCancel(cancel))) {
      throw new DomainError('CANCEL_AMOUNT_EXCEEDS_BALANCE', 'The refundable balance changed; nothing was canceled', [{ field: 'amount' }]);
    }
    // "Everything refundable" at the PG would include amounts other cancels are still waiting on: name the amount then.
    const outcome = await this.sendCancel(charge, cancel, dto.amount === undefined && charge.refundReserved === 0);
    const after = this.clock.now();
    switch (outcome.status) {
      case 'SUCCEEDED':
        await this.repo.finishCancel(cancel, { status: 'succeeded', gatewayCancelId: outcome.gatewayCancelId ?? null, nextLookupAt: null, settledAt: after, updatedAt: after }, {
          refundedAmount: outcome.totalRefunded.amount,
          status: paidStatus(charge.amount, outcome.totalRefunded.amount),
          now: after,
        });
        break;
      case 'DECLINED':
      case 'NOT_SENT':
        await this.repo.finishCancel(cancel, { status: 'failed', failureCode: outcome.code.slice(0, 64), failureMessage: outcome.message.slice(0, 500), nextLookupAt: null, settledAt: after, updatedAt: after }, { now: after });
        break;
      case 'PENDING':
        if (outcome.gatewayCancelId) await this.repo.updateCancel(cancel.id, { gatewayCancelId: outcome.gatewayCancelId, updatedAt: after });
        break;
      case 'UNKNOWN':
        // Maybe done, maybe not: the refunded total at the PG decides, on the look-up schedule; never re-sent blindly.
        break;
    }
    return this.view(merchantId, charge.id, cancel.id);
  }

  private async sendCancel(charge: Charge, cancel: ChargeCancel, whole: boolean) {
    try {
      const adapter = this.registry.require(charge.gateway, 'cancel');
      const credentials = await this.credentialsFor(charge.merchantId, charge.gateway, newSendContext());
      return await adapter.cancel(credentials, {
        gatewayPaymentId: charge.gatewayPaymentId ?? '',
        reference: charge.merchantUid,
        ...(whole ? {} : { amount: { amount: cancel.amount, currency: cancel.currency } }),
        reason: cancel.reason,
        cancelId: cancel.id,
        refundableBalance: { amount: charge.amount - charge.refundedAmount, currency: charge.currency },
      });
    } catch (err) {
      this.logger.error({ chargeId: charge.id, err: (err as Error).message }, 'cancel failed in the adapter');
      return unknownOutcome('unreadable_response', 'the adapter failed during the cancel');
    }
  }

  /**
   * Pending cancels are finished from the PG's refunded total: those whose amounts add up exactly to what the total
   * adds (cancelsProvenDone). The others wait for the next look-up, and after the last one are flagged for review.
   */
  private async refreshCancels(charge: Charge, ctx: SendContext, scheduled = false): Promise<void> {
    const pending = await this.repo.pendingCancels(charge.id);
    if (pending.length === 0 || !charge.gatewayPaymentId) return;
    let refunded: number | undefined;
    try {
      const adapter = this.adapterFor(charge.gateway);
      const credentials = await this.credentialsFor(charge.merchantId, charge.gateway, ctx);
      const outcome = await adapter.retrieve(credentials, {
        gatewayPaymentId: charge.gatewayPaymentId,
        reference: charge.merchantUid,
        expected: { amount: charge.amount, currency: charge.currency },
      });
      if (outcome.status === 'SUCCEEDED') refunded = outcome.refunded.amount;
    } catch (err) {
      this.logger.error({ chargeId: charge.id, err: (err as Error).message }, 'cancel look-up failed');
    }
    const now = this.clock.now();
    // What the charge counts now (another path may have finished a cancel since `charge` was read).
    let confirmed = (await this.repo.findByIds([charge.id]))[0]?.refundedAmount ?? charge.refundedAmount;
    const done = new Set(refunded === undefined ? [] : cancelsProvenDone(pending, refunded - confirmed));
    for (const cancel of pending) {
      if (done.has(cancel)) {
        confirmed += cancel.amount;
        await this.repo.finishCancel(cancel, { status: 'succeeded', nextLookupAt: null, settledAt: now, updatedAt: now }, {
          refundedAmount: confirmed,
          status: paidStatus(charge.amount, confirmed),
          now,
        });
      } else if (scheduled) {
        const attempts = cancel.lookupAttempts + 1;
        const exhausted = attempts >= this.backoff.length;
        await this.repo.updateCancel(cancel.id, {
          lookupAttempts: attempts,
          nextLookupAt: exhausted ? null : new Date(now.getTime() + this.backoff[attempts]),
          review: exhausted,
          updatedAt: now,
        });
      }
    }
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
    return { ...toChargeView(charge), cancels, ...(cancelId ? { cancel: cancels.find((c) => c.id === cancelId) } : {}) };
  }

  /** The charges of one of the merchant's subscriptions (another merchant's is a 404). */
  async listForSubscription(merchantId: string, subscriptionId: string): Promise<ChargeView[]> {
    const sub = await this.subscriptions.require(merchantId, subscriptionId);
    return (await this.repo.listForSubscription(merchantId, sub.id)).map(toChargeView);
  }

  /** The merchant's latest charges, or with `review` only those flagged for review. */
  async list(merchantId: string, query: { review?: boolean }, limit = 100): Promise<ChargeView[]> {
    const rows = query.review ? await this.repo.listReview(merchantId, limit) : await this.repo.listRecent(merchantId, limit);
    return rows.map(toChargeView);
  }

  async listReview(merchantId: string, limit = 100): Promise<ChargeView[]> {
    return (await this.repo.listReview(merchantId, limit)).map(toChargeView);
  }

  // ---- helpers -----------------------------------------------------------------------------------------------------

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
      throw new DomainError('UNSUPPORTED_CURRENCY', `${gateway} cannot charge ${currency}`, [{ field: 'currency', accepted: adapter.descriptor.capabilities.currencies }]);
    }
  }

  private credentialsFor(merchantId: string, gateway: string, ctx: SendContext): Promise<unknown> {
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
function isPaypal(adapter: { readonly descriptor: { readonly paymentMethod: string } }): boolean {
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

export function resolvedAs(result: ChargeResult): ResolvedAs {
  switch (result.effect) {
    case 'succeeded':
      return 'succeeded';
    case 'soft_decline':
    case 'hard_decline':
      return 'failed';
    case 'resend':
      return 'resend';
    case 'blocked':
      return result.patch.status === 'pending' ? 'pending' : 'unknown';
  }
}

/**
 * Runs a look-up in one of the context's PG-call slots when it has them (a billing run: its reconciler shares
 * BILLING_CONCURRENCY with the due batches, after their calls).
 */
function withSlot<T>(ctx: SendContext, fn: () => Promise<T>): Promise<T> {
  return ctx.pgCalls ? ctx.pgCalls.run(fn, Number.MAX_SAFE_INTEGER) : fn();
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapPool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
}

type ChargeDefaults = Pick<
  Charge,
  'gatewayPaymentId' | 'failureCode' | 'failureMessage' | 'declineKind' | 'resendable' | 'refundedAmount' | 'refundReserved' | 'leaseVersion' | 'lookupAttempts' | 'nextLookupAt' | 'review' | 'reviewReason' | 'settledAt'
>;

/**
 * A new charge row: the defaults, overridden by `fields`. The spread is last on purpose: V8 (Node 20) defines every
 * property that follows a spread in an object literal on a slow path, ≈ 1–2 µs each — a billing intent written as
 * `{ ...defaults, …18 fields }` cost ≈ 40 µs, this form ≈ 1 µs. The same holds for every hot literal here.
 */
export function newCharge(fields: Omit<Charge, keyof ChargeDefaults> & Partial<ChargeDefaults>): Charge {
  return {
    gatewayPaymentId: null,
    failureCode: null,
    failureMessage: null,
    declineKind: null,
    resendable: false,
    refundedAmount: 0,
    refundReserved: 0,
    leaseVersion: 0,
    lookupAttempts: 0,
    nextLookupAt: null,
    review: false,
    reviewReason: null,
    settledAt: null,
    ...fields,
  };
}

const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : undefined);

export function toChargeView(c: Charge): ChargeView {
  return {
    id: c.id,
    kind: c.kind,
    subscriptionId: c.subscriptionId ?? undefined,
    cycle: c.cycle ?? undefined,
    attempt: c.attempt,
    merchantUid: c.merchantUid,
    amount: c.amount,
    currency: c.currency,
    refundedAmount: c.refundedAmount,
    status: c.status,
    gatewayPaymentId: c.gatewayPaymentId ?? undefined,
    failureCode: c.failureCode ?? undefined,
    failureMessage: c.failureMessage ?? undefined,
    review: c.review,
    reviewReason: c.reviewReason ?? undefined,
    createdAt: new Date(c.createdAt).toISOString(),
    settledAt: iso(c.settledAt),
  };
}

export function toCancelView(c: ChargeCancel): ChargeCancelView {
  return {
    id: c.id,
    amount: c.amount,
    currency: c.currency,
    reason: c.reason,
    status: c.status,
    failureCode: c.failureCode ?? undefined,
    review: c.review,
    external: c.external ?? false,
    createdAt: new Date(c.createdAt).toISOString(),
    settledAt: iso(c.settledAt),
  };
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
