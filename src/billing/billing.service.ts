import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import { Gauge, type Counter, type Histogram } from 'prom-client';
import { Clock } from '../clock/clock';
import { billingConfig, type BillingConfig } from '../config/configuration';
import { ChargesBatch, type ResolvedAs, type SendContext } from '../charges/charges.batch';
import { DrainService } from '../drain/drain.service';
import type { Drainable } from '../drain/drainable';
import { MetricsService } from '../metrics/metrics.service';
import type { Subscription } from '../subscriptions/subscription.entity';
import { BillingRepository } from './billing.repository';
import { ReconcilePasses } from './billing.reconcile-passes';
import type { BillingRunResult } from './dto/billing-run.dto';

type Counts = Record<ResolvedAs, number> & { claimed: number };
const zero = (): Counts => ({ claimed: 0, succeeded: 0, failed: 0, pending: 0, unknown: 0, resend: 0 });
/** Batches of one run in flight at once (see duePass). */
const PIPELINE_DEPTH = 2;
/** Reconciler batches per run at most: a run ends even if look-ups keep coming due. */
const MAX_RECONCILE_BATCHES = 1000;

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

  /**
   * The drain (SIGTERM): stop claiming, let the PG calls in flight finish and their results be written, hand back the
   * leases of subscriptions claimed but not sent. Runs still going at the deadline are left to their leases.
   */
  async drain(deadline: AbortSignal): Promise<void> {
    this.stopping = true;
    const runs = Promise.allSettled([...this.activeRuns]);
    await Promise.race([runs, new Promise((resolve) => deadline.addEventListener('abort', resolve, { once: true }))]);
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
    const ctx = this.charges.newRun();
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
      else {
        // A plan chosen by PATCH takes over with the first attempt of a new period (not a retry of the old one).
        if (s.pendingPlanId && s.attempt === 1) await this.repo.applyPendingPlan(s, now);
        billable.push(s);
      }
    }
    // 1. The intents, committed before any PG call, and the sends prepared (keys, STC, credentials).
    const batch = await this.charges.prepare(billable, ctx);
    // 2. The PG calls, bounded, outside any transaction; 3. their results recorded, fenced by the lease versions.
    // That write overlaps the next batch's calls, except after the pass's last batch, where it ends the run: there
    // the results are written as they come, a round of calls at a time (see ResultWriter), so that only the last
    // moments' results are left to write when the last answer arrives. (A write per round for every batch cost more
    // than it saved: several transactions a batch, their work among the answers of the batch after.)
    onSending?.();
    const { fenced, handedBack } = await this.charges.send(batch, ctx, {
      seq,
      writeEvery: last ? this.config.concurrency : Number.POSITIVE_INFINITY,
      onResult: (as) => {
        counts[as]++;
        this.results.inc({ result: as });
      },
      // Checked in the slot, right before each call: once the drain has begun, a call not yet started never starts.
      stopped: () => this.stopping,
    });
    if (fenced > 0) {
      this.fenced.inc(fenced);
      this.logger.warn({ fenced }, 'results written after the lease was taken over: the new holder decides');
    }
    if (handedBack.length > 0) {
      await this.release(handedBack);
      this.logger.log({ released: handedBack.length }, 'draining: leases handed back before their PG call');
    }
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
