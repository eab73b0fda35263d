import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { LookupOutcome, PaymentOutcome } from '@app/pg-contract';
import { Gauge, type Counter, type Histogram } from 'prom-client';
import { Clock } from '../clock/clock';
import { newId } from '../common/ids';
import { billingConfig, type BillingConfig } from '../config/configuration';
import type { Charge } from '../charges/charge.entity';
import { recurringMerchantUid } from '../charges/charge.outcomes';
import type { RecordSummary, ResultWrite } from '../charges/charges.repository';
import {
  ChargesBatch,
  mapPool,
  newCharge,
  newSendContext,
  resolvedAs,
  type Prepared,
  type ResolvedAs,
  type SendContext,
} from '../charges/charges.batch';
import { Semaphore } from '../common/semaphore';
import { DrainService } from '../drain/drain.service';
import type { Drainable } from '../drain/drainable';
import { MetricsService } from '../metrics/metrics.service';
import type { Subscription } from '../subscriptions/subscription.entity';
import { BillingRepository } from './billing.repository';
import { ReconcilePasses } from './billing.reconcile-passes';
import { ResultWriter } from './billing.result-writer';
import type { BillingRunResult } from './dto/billing-run.dto';

type Counts = Record<ResolvedAs, number> & { claimed: number };
const zero = (): Counts => ({ claimed: 0, succeeded: 0, failed: 0, pending: 0, unknown: 0, resend: 0 });
/** Batches of one run in flight at once (see duePass). */
const PIPELINE_DEPTH = 2;
/** Reconciler batches per run at most: a run ends even if look-ups keep coming due. */
const MAX_RECONCILE_BATCHES = 1000;
/** A subscription whose PG call was not started because the process is draining: its lease is handed back. */
const HANDED_BACK = Symbol('handed back');

/**
 * Billing runs: the due-charge pass and the reconciler pass, for the scheduler (all merchants) and on demand (one
 * merchant). Per batch: claim under a lease, commit the charge intents, call the PG with bounded concurrency and no
 * transaction open, then record every result in one transaction fenced by the lease version (the pass's last batch:
 * a round of calls per transaction, as they come).
 */
@Injectable()
export class BillingService implements Drainable {
  readonly drainName = 'billing';
  private readonly logger = new Logger(BillingService.name);
  /** This process's lease owner name (for logs and the row; the version is what fences). */
  readonly owner = `${hostname().slice(0, 30)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private scheduledRunning = false;
  /** Set by the drain: no new claim, no PG call not yet started (its subscription is handed back). */
  private stopping = false;
  private readonly activeRuns = new Set<Promise<unknown>>();
  private readonly runs: Counter<'trigger'>;
  private readonly claimed: Counter;
  private readonly results: Counter<'result'>;
  private readonly fenced: Counter;
  private readonly duration: Histogram<'trigger'>;
  private readonly dueRemaining: Gauge;

  constructor(
    private readonly repo: BillingRepository,
    private readonly charges: ChargesBatch,
    private readonly clock: Clock,
    @Inject(billingConfig.KEY) private readonly config: BillingConfig,
    metrics: MetricsService,
    @Optional() private readonly passes?: ReconcilePasses,
    @Optional() drain?: DrainService,
  ) {
    drain?.register(this);
    this.runs = metrics.counter('billing_runs_total', 'Billing runs by trigger (scheduler, api)', ['trigger']);
    this.claimed = metrics.counter('billing_subscriptions_claimed_total', 'Due subscriptions claimed by billing runs');
    this.results = metrics.counter(
      'billing_charge_results_total',
      'Charge results recorded by billing runs and the reconciler',
      ['result'],
    );
    this.fenced = metrics.counter(
      'billing_fenced_writes_total',
      'Result writes refused because another instance had taken the lease over',
    );
    this.duration = metrics.histogram(
      'billing_run_duration_seconds',
      'Duration of billing runs',
      ['trigger'],
      [0.1, 0.5, 1, 5, 15, 60, 300, 1800],
    );
    this.dueRemaining =
      (metrics.registry.getSingleMetric('billing_due_remaining') as Gauge | undefined) ??
      new Gauge({
        name: 'billing_due_remaining',
        help: 'Due subscriptions not yet claimed, as of the last batch',
        registers: [metrics.registry],
      });
  }

  /**
   * The drain (SIGTERM): stop claiming, let the PG calls in flight finish and their results be written, hand back the
   * leases of subscriptions claimed but not sent. Runs still going at the deadline are left to their leases.
   */
  async drain(deadline: AbortSignal): Promise<void> {
    this.stopping = true;
    const runs = Promise.allSettled([...this.activeRuns]);
    await Promise.race([runs, new Promise((resolve) => deadline.addEventListener('abort', resolve, { once: true }))]);
  }

  /** The scheduler tick: every merchant; a tick that finds the previous one still running is skipped. */
  async runScheduled(): Promise<BillingRunResult | null> {
    if (this.scheduledRunning || this.stopping) return null;
    this.scheduledRunning = true;
    try {
      return await this.run('scheduler');
    } finally {
      this.scheduledRunning = false;
    }
  }

  /** `POST /v1/billing/runs`: the same passes, now, for one merchant. */
  runNow(merchantId: string): Promise<BillingRunResult> {
    return this.run('api', merchantId);
  }

  /** In-flight accounting for the drain. */
  private run(trigger: 'scheduler' | 'api', merchantId?: string): Promise<BillingRunResult> {
    const run = this.runPasses(trigger, merchantId);
    const tracked = run.catch(() => undefined);
    this.activeRuns.add(tracked);
    void tracked.finally(() => this.activeRuns.delete(tracked));
    return run;
  }

  private async runPasses(trigger: 'scheduler' | 'api', merchantId?: string): Promise<BillingRunResult> {
    this.runs.inc({ trigger });
    const end = this.duration.startTimer({ trigger });
    const counts = zero();
    const ctx = newSendContext(new Semaphore(this.config.concurrency));
    // The reconciler starts once the due pass has claimed its last batch, beside that batch's calls and through the
    // same PG-call slots (after the batches' own calls): its claims would otherwise wait for the last result write and
    // end every run (≈ 8–10 ms on PostgreSQL, 1 K at 100 ms). What it claims is due for a look-up now; the intents of
    // this run are not (their look-up is set two leases on). A charge both look up (an `unknown` charge of a
    // subscription in the last batch) is recorded once: each write is conditional on the charge being still open.
    let reconciling: Promise<void> | undefined;
    const reconcile = (): Promise<void> => {
      if (!reconciling) {
        reconciling = this.reconcilePass(counts, ctx, merchantId);
        reconciling.catch(() => undefined); // awaited below
      }
      return reconciling;
    };
    try {
      try {
        await this.duePass(counts, ctx, merchantId, () => void reconcile());
      } catch (err) {
        // Never left running behind a failed run.
        await reconciling?.catch(() => undefined);
        throw err;
      }
      await reconcile();
      // Kept webhook pointers, pending billing keys, expired deliveries: after the charges, never failing the run. Not
      // while draining: kept pointers stay due in the table, for the next instance's run.
      if (!this.stopping) await this.passes?.run(merchantId);
    } finally {
      end();
    }
    return {
      claimed: counts.claimed,
      succeeded: counts.succeeded,
      failed: counts.failed,
      pending: counts.pending,
      unknown: counts.unknown,
    };
  }

  /** Claims and charges due subscriptions batch by batch until none is due (never loading them all at once). */
  private async duePass(
    counts: Counts,
    ctx: SendContext,
    merchantId?: string,
    onClaimsDone?: () => void,
  ): Promise<void> {
    // Elapsed time for the progress rate only (monotonic; the business clock is `Clock`).
    const started = performance.now();
    // A subscription whose result is "retry now" must not loop inside one run: each is processed once per run.
    const seen = new Set<string>();
    let done = 0;
    // Counted once per pass (an index range count), not per batch: progress is an estimate, cheap at 100K rows. Once
    // the first batch is sending, not before its claim: the first calls need not wait for an estimate (the count still
    // includes that batch: a subscription stays due until its result is written).
    const countedAt = this.clock.now();
    let dueAtStart: number | undefined;
    let counting: Promise<void> = Promise.resolve();
    const count = () => {
      // Only an estimate: a count that fails is logged, never the run's failure (its charges are made by then).
      counting = this.repo.countDue(countedAt, merchantId).then(
        (n) => {
          dueAtStart = n;
          this.dueRemaining.set(Math.max(0, n - done));
        },
        (err: unknown) =>
          this.logger.warn(
            { merchantId, err: (err as Error).message },
            'could not count the due subscriptions (progress only)',
          ),
      );
    };
    // Two batches in flight: the next one is claimed, written and prepared while the PG calls of the previous one
    // run, so the database steps between batches do not leave the PG-call slots idle. The slots are shared
    // (ctx.pgCalls), so BILLING_CONCURRENCY still bounds the calls of the whole run.
    const inFlight = new Set<Promise<void>>();
    let batchSeq = 0;
    // The next batch is claimed once the one before it is sending (or over): its claim and preparation otherwise
    // compete with the previous batch's for the event loop and the pool, and at the start of a pass that held back
    // every first call (1 K at 100 ms: the first batch was ready 59–68 ms after the run began, 42–46 ms now).
    let previousSending: Promise<unknown> = Promise.resolve();
    const failure: { err?: unknown; failed: boolean } = { failed: false };
    try {
      for (;;) {
        while (inFlight.size >= PIPELINE_DEPTH) await Promise.race(inFlight);
        await previousSending;
        if (failure.failed) throw failure.err;
        await nextTurn();
        if (this.stopping) {
          onClaimsDone?.();
          break;
        }
        // The first batch of a pass only fills the PG-call slots once: its calls start after it is prepared, and a
        // full batch took ≈ 3× as long to prepare while every slot stood idle (≈ 2 % of a 1,000-subscription run).
        const limit = batchSeq === 0 ? Math.min(this.config.batchSize, this.config.concurrency) : this.config.batchSize;
        const claimed = await this.repo.claimDue({
          now: this.clock.now(),
          owner: this.owner,
          leaseMs: this.config.leaseMs,
          limit,
          merchantId,
        });
        const fresh = claimed.filter((s) => !seen.has(s.id));
        if (fresh.length === 0) {
          if (claimed.length > 0) await this.release(claimed);
          // A batch still running may release subscriptions that come due again (retry now): not this run's business.
          // A pass that found nothing due still reports it (the gauge would otherwise keep the last run's figure).
          if (batchSeq === 0) count();
          onClaimsDone?.();
          break;
        }
        fresh.forEach((s) => seen.add(s.id));
        if (fresh.length < claimed.length) await this.release(claimed.filter((s) => !fresh.includes(s)));
        counts.claimed += fresh.length;
        this.claimed.inc(fresh.length);
        let sending!: () => void;
        const startedSending = new Promise<void>((resolve) => (sending = resolve));
        // A claim short of its limit found nothing more due: this batch is (as far as we know) the pass's last.
        const last = claimed.length < limit;
        const batch: Promise<void> = this.processBatch(fresh, counts, ctx, {
          seq: batchSeq++,
          onSending: sending,
          last,
        }).then(() => {
          done += fresh.length;
          const remaining = dueAtStart === undefined ? undefined : Math.max(0, dueAtStart - done);
          if (remaining !== undefined) this.dueRemaining.set(remaining);
          const seconds = Math.max((performance.now() - started) / 1000, 0.001);
          this.logger.log(
            { merchantId, claimed: counts.claimed, done, remaining, ratePerSecond: Math.round(done / seconds) },
            'billing run progress',
          );
        });
        inFlight.add(batch);
        previousSending = Promise.race([startedSending, batch.catch(() => undefined)]);
        if (batchSeq === 1) void previousSending.then(count);
        batch.then(
          () => inFlight.delete(batch),
          (err: unknown) => {
            inFlight.delete(batch);
            if (!failure.failed) Object.assign(failure, { failed: true, err });
          },
        );
      }
    } finally {
      await Promise.allSettled([...inFlight]);
      await counting;
    }
    if (failure.failed) throw failure.err;
  }

  private async release(subs: Subscription[]): Promise<void> {
    await this.repo.releaseLeases(subs);
  }

  /**
   * `seq` orders the batches of a run: an older batch's calls take the shared slots first (see Semaphore).
   * `onSending` is called once the batch is prepared and its PG calls begin. `last`: no batch follows (see below).
   */
  private async processBatch(
    subs: Subscription[],
    counts: Counts,
    ctx: SendContext,
    opts: { seq?: number; onSending?: () => void; last?: boolean } = {},
  ): Promise<void> {
    const { seq = 0, onSending, last = false } = opts;
    const now = this.clock.now();
    const billable: Subscription[] = [];
    for (const s of subs) {
      // Canceled at period end: the cycle that would start now is not charged.
      if (s.cancelAtPeriodEnd && s.attempt === 1) await this.repo.cancelAtPeriodEnd(s, now);
      else billable.push(s);
    }
    // 1. The intents, committed before any PG call: a crash from here on leaves a `sending` row to look up.
    const intents = billable.map((s) => this.intent(s, recurringMerchantUid(s.id, s.cycle, s.attempt), now));
    // The preparation's reads (keys, merchants and customers for STC, credentials) run beside the insert: they do not
    // depend on it, and the run's first calls wait for both (see ChargesService.preloadMany).
    const preloaded = this.charges.preloadMany(intents, ctx, billable);
    preloaded.catch(() => undefined); // awaited by prepareMany below, or dropped with the batch if the insert fails
    const inserted = await this.charges.writeIntents(intents);
    // Between the database steps, a turn of the event loop for the PG answers that have arrived meanwhile. On SQLite
    // every query completes synchronously, so claim, intents, reads and preparation ran as one 20–40 ms stretch during
    // which no answer of the batch before was read (their calls looked ≈ 10 ms slower); on PostgreSQL it costs nothing.
    await nextTurn();
    // An intent just inserted is the row as written; only those that already existed (an earlier run's) are read.
    const byUid = new Map(intents.flatMap((c) => (inserted.has(c.id) ? [[c.merchantUid, c] as const] : [])));
    const existing = intents.filter((c) => !inserted.has(c.id)).map((c) => c.merchantUid);
    if (existing.length > 0)
      for (const c of await this.charges.findByMerchantUids(existing)) byUid.set(c.merchantUid, c);
    // A certainly-not-sent intent is sent again without a look-up: first make it this lease's, so that if we die
    // during that send, the next holder looks it up rather than sending blindly once more.
    const resends = billable.flatMap((s) => {
      const c = byUid.get(recurringMerchantUid(s.id, s.cycle, s.attempt));
      return c && c.status === 'sending' && c.resendable && c.leaseVersion !== s.leaseVersion
        ? [{ charge: c, leaseVersion: s.leaseVersion }]
        : [];
    });
    if (resends.length > 0) {
      await this.charges.adoptForResend(resends.map((r) => ({ id: r.charge.id, leaseVersion: r.leaseVersion })));
      for (const r of resends) r.charge.leaseVersion = r.leaseVersion;
    }

    // Keys, STC and credentials for the whole batch in a few queries, read above (the STC decisions are recorded here).
    // Only the intents that will be sent without a look-up first (see settle), so no decision is recorded for a
    // charge that a look-up then finds already made.
    const toSend = billable.flatMap((s) => {
      const c = byUid.get(recurringMerchantUid(s.id, s.cycle, s.attempt));
      return c && sendsDirectly(c, s) ? [c] : [];
    });
    await nextTurn();
    const prepared = await this.charges.prepareMany(toSend, ctx, preloaded);

    // 2. The PG calls, bounded, outside any transaction; 3. their results recorded in one transaction, fenced by the
    // lease versions. That write overlaps the next batch's calls, except after the pass's last batch, where it ends the
    // run: there the results are written as they come, a round of calls at a time (see ResultWriter), so that only
    // the last moments' results are left to write when the last answer arrives. (A write per round for every batch
    // cost more than it saved: 3–4 transactions a batch, their work among the answers of the batch after.)
    onSending?.();
    const results = new ResultWriter<ResultWrite, RecordSummary>(
      async (writes) => {
        await nextTurn();
        return this.charges.recordResults(writes);
      },
      last ? this.config.concurrency : Number.POSITIVE_INFINITY,
    );
    const slots = ctx.pgCalls ?? new Semaphore(this.config.concurrency);
    const handBack: Subscription[] = [];
    await mapPool(billable, this.config.concurrency, async (s) => {
      const charge = byUid.get(recurringMerchantUid(s.id, s.cycle, s.attempt));
      if (!charge) return; // cannot happen: the intent was just written or already existed
      // Checked in the slot, right before the call: once the drain has begun, a call not yet started never starts, so
      // a handed-back subscription has no call in flight (the next holder looks its intent up before sending).
      const outcome = await slots.run(
        (): Promise<Awaited<ReturnType<BillingService['settle']>> | typeof HANDED_BACK> =>
          this.stopping ? Promise.resolve(HANDED_BACK) : this.settle(charge, s, ctx, prepared.get(charge.id)),
        seq,
      );
      if (outcome === HANDED_BACK) {
        handBack.push(s);
        return;
      }
      if (!outcome) {
        results.add(this.charges.followWrite(charge, s, s.leaseVersion));
        return;
      }
      const { write, result } = this.charges.resultWrite(charge, outcome, s, {
        fromLookup: false,
        leaseVersion: s.leaseVersion,
      });
      results.add(write);
      const as = resolvedAs(result);
      counts[as]++;
      this.results.inc({ result: as });
    });

    const fenced = (await results.finish()).reduce((n, summary) => n + summary.fenced, 0);
    if (fenced > 0) {
      this.fenced.inc(fenced);
      this.logger.warn({ fenced }, 'results written after the lease was taken over: the new holder decides');
    }
    if (handBack.length > 0) {
      await this.release(handBack);
      this.logger.log({ released: handBack.length }, 'draining: leases handed back before their PG call');
    }
  }

  /**
   * What to do with the subscription's current charge. A fresh intent (written under this lease) or one certainly
   * not sent is sent. An intent left by an earlier run (`sending`, maybe sent before a crash) or an `unknown` one is
   * looked up by merchant_uid first and sent only if the PG has nothing under it. A charge that already holds its
   * result is not touched (null: the subscription just follows it).
   */
  private async settle(
    charge: Charge,
    sub: Subscription,
    ctx: SendContext,
    prepared?: Prepared | Error,
  ): Promise<PaymentOutcome | LookupOutcome | null> {
    if (sendsDirectly(charge, sub)) return this.charges.send(charge, ctx, prepared);
    if (charge.status === 'sending' || charge.status === 'unknown') {
      const found = await this.charges.lookup(charge, ctx);
      return found.status === 'NOT_FOUND' ? this.charges.send(charge, ctx, prepared) : found;
    }
    return null;
  }

  private intent(s: Subscription, merchantUid: string, now: Date): Charge {
    return newCharge({
      id: newId('chg'),
      merchantId: s.merchantId,
      subscriptionId: s.id,
      customerId: s.customerId,
      billingKeyId: s.billingKeyId,
      gateway: s.gateway,
      kind: 'recurring',
      cycle: s.cycle,
      attempt: s.attempt,
      merchantUid,
      amount: s.amount,
      currency: s.currency,
      orderName: s.planName,
      status: 'sending',
      leaseVersion: s.leaseVersion,
      // If this intent outlives its lease twice over (its process died and the subscription was not reclaimed, e.g.
      // canceled meanwhile), the reconciler looks it up: a charge that may have reached the PG is never forgotten.
      nextLookupAt: new Date(now.getTime() + 2 * this.config.leaseMs),
      createdAt: now,
      updatedAt: now,
    });
  }

  /** Look-ups that are due, batch by batch. */
  private async reconcilePass(counts: Counts, ctx: SendContext, merchantId?: string): Promise<void> {
    for (let i = 0; i < MAX_RECONCILE_BATCHES && !this.stopping; i++) {
      const r = await this.charges.reconcile({ merchantId, limit: this.config.batchSize, ctx });
      const total = r.succeeded + r.failed + r.pending + r.unknown + r.resend;
      for (const k of Object.keys(r) as ResolvedAs[]) {
        counts[k] += r[k];
        if (r[k]) this.results.inc({ result: k }, r[k]);
      }
      if (total < this.config.batchSize) break;
    }
  }
}

/** A fresh intent (written under this lease) or one certainly not sent: sent without looking it up first. */
function sendsDirectly(charge: Charge, sub: Subscription): boolean {
  return charge.status === 'sending' && (charge.leaseVersion === sub.leaseVersion || charge.resendable);
}
