import { setImmediate as nextTurn } from 'node:timers/promises';
import { Inject, Injectable } from '@nestjs/common';
import type { LookupOutcome, PaymentOutcome } from '@app/pg-contract';
import { Clock } from '../clock/clock';
import { newId } from '../common/ids';
import { Semaphore } from '../common/semaphore';
import { billingConfig, type BillingConfig } from '../config/configuration';
import type { Subscription } from '../subscriptions/subscription.entity';
import type { Charge } from './charge.entity';
import { recurringMerchantUid } from './charge.outcomes';
import { newCharge } from './charges.mapper';
import { resolvedAs, type ResolvedAs } from './charges.reconciliation';
import { ChargesRepository, type RecordSummary, type ResultWrite } from './charges.repository';
import { ResultWriter } from './charges.result-writer';
import { newSendContext, type Prepared, type SendContext } from './charges.sending';
import { ChargesService } from './charges.service';

export type { ResolvedAs } from './charges.reconciliation';
export type { SendContext } from './charges.sending';

/** A claimed batch whose intents are committed and whose sends are prepared: what {@link ChargesBatch.send} takes. */
export interface PreparedBatch {
  readonly subs: readonly Subscription[];
  /** Each subscription's current charge, by merchant_uid. */
  readonly byUid: ReadonlyMap<string, Charge>;
  readonly prepared: ReadonlyMap<string, Prepared | Error>;
}

export interface SendOptions {
  /** Orders the batches of a run: an older batch's calls take the shared slots first (see Semaphore). */
  seq: number;
  /** Results written once this many wait (a round of calls); Infinity: once, when the batch's calls are over. */
  writeEvery: number;
  /** Called once per PG answer, with what it resolved the charge as. */
  onResult?: (as: ResolvedAs) => void;
  /** Asked in the slot, right before each call: true once the process is draining (the call is not started). */
  stopped?: () => boolean;
}

/** What settling a charge gives: the PG's answer, or null when the charge already holds its result. */
type Settled = PaymentOutcome | LookupOutcome | null;
/** A subscription whose PG call was not started because the process is draining: its lease is handed back. */
const HANDED_BACK = Symbol('handed back');

/**
 * The batch-level API billing runs talk to charges through: commit and prepare a claimed batch's intents, send them
 * (or look them up) and record their results fenced by lease version, and the reconciler's look-ups. Billing owns
 * claiming, pipelining and progress; what happens to a batch's charges is decided here.
 */
@Injectable()
export class ChargesBatch {
  constructor(
    private readonly charges: ChargesService,
    private readonly repo: ChargesRepository,
    private readonly clock: Clock,
    @Inject(billingConfig.KEY) private readonly config: BillingConfig,
  ) {}

  /** A run's send context: its credential cache and the PG-call slots every batch and the reconciler share. */
  newRun(): SendContext {
    return newSendContext(new Semaphore(this.config.concurrency));
  }

  /**
   * Commits the batch's charge intents before any PG call (a crash from here on leaves a `sending` row to look up),
   * reads back those an earlier run left, adopts the certainly-not-sent ones for this lease, and prepares (keys, STC,
   * credentials) those that will be sent without a look-up.
   */
  async prepare(billable: readonly Subscription[], ctx: SendContext): Promise<PreparedBatch> {
    const now = this.clock.now();
    const intents = billable.map((s) => this.intent(s, now));
    // The preparation's reads (keys, merchants and customers for STC, credentials) run beside the insert: they do not
    // depend on it, and the run's first calls wait for both (see ChargesService.preloadMany).
    const preloaded = this.charges.preloadMany(intents, ctx, billable);
    preloaded.catch(() => undefined); // awaited by prepareMany below, or dropped with the batch if the insert fails
    const inserted = await this.repo.insertIntents(intents);
    // Between the database steps, a turn of the event loop for the PG answers that have arrived meanwhile. On SQLite
    // every query completes synchronously, so claim, intents, reads and preparation would otherwise run as one
    // stretch during which no answer of the batch before is read; on PostgreSQL it costs nothing.
    await nextTurn();
    // An intent just inserted is the row as written; only those that already existed (an earlier run's) are read.
    const byUid = new Map(intents.flatMap((c) => (inserted.has(c.id) ? [[c.merchantUid, c] as const] : [])));
    const existing = intents.filter((c) => !inserted.has(c.id)).map((c) => c.merchantUid);
    if (existing.length > 0) for (const c of await this.repo.findByMerchantUids(existing)) byUid.set(c.merchantUid, c);
    // A certainly-not-sent intent is sent again without a look-up: first make it this lease's, so that if we die
    // during that send, the next holder looks it up rather than sending blindly once more.
    const resends = billable.flatMap((s) => {
      const c = byUid.get(uidOf(s));
      return c && c.status === 'sending' && c.resendable && c.leaseVersion !== s.leaseVersion
        ? [{ charge: c, leaseVersion: s.leaseVersion }]
        : [];
    });
    if (resends.length > 0) {
      await this.repo.adoptForResend(
        resends.map((r) => ({ id: r.charge.id, leaseVersion: r.leaseVersion })),
        this.clock.now(),
      );
      for (const r of resends) r.charge.leaseVersion = r.leaseVersion;
    }
    // Only the intents that will be sent without a look-up first (see settle), so no STC decision is recorded for a
    // charge that a look-up then finds already made.
    const toSend = billable.flatMap((s) => {
      const c = byUid.get(uidOf(s));
      return c && sendsDirectly(c, s) ? [c] : [];
    });
    await nextTurn();
    const prepared = await this.charges.prepareMany(toSend, ctx, preloaded);
    return { subs: billable, byUid, prepared };
  }

  /**
   * The batch's PG calls, bounded by the run's slots and outside any transaction, and their results recorded in
   * transactions fenced by the lease versions (see ResultWriter and `writeEvery`). Resolves with the number of results
   * refused because another instance had taken the lease over.
   */
  async send(
    batch: PreparedBatch,
    ctx: SendContext,
    opts: SendOptions,
  ): Promise<{ fenced: number; handedBack: Subscription[] }> {
    const results = new ResultWriter<ResultWrite, RecordSummary>(async (writes) => {
      await nextTurn();
      return this.repo.recordResults(writes);
    }, opts.writeEvery);
    const slots = ctx.pgCalls ?? new Semaphore(this.config.concurrency);
    const handedBack: Subscription[] = [];
    // Every call is queued in the slots at once, in order: the slots bound them, and the calls start in this turn,
    // before anything the caller does once the batch is sending (the first claims of a run wait for nothing else).
    await Promise.all(
      batch.subs.map(async (s) => {
        const charge = batch.byUid.get(uidOf(s));
        if (!charge) return; // cannot happen: the intent was just written or already existed
        // A handed-back subscription has no call in flight: the next holder looks its intent up before sending.
        const outcome = await slots.run(
          (): Promise<Settled | typeof HANDED_BACK> =>
            opts.stopped?.()
              ? Promise.resolve(HANDED_BACK)
              : this.settle(charge, s, ctx, batch.prepared.get(charge.id)),
          opts.seq,
        );
        if (outcome === HANDED_BACK) {
          handedBack.push(s);
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
        opts.onResult?.(resolvedAs(result));
      }),
    );
    return { fenced: (await results.finish()).reduce((n, summary) => n + summary.fenced, 0), handedBack };
  }

  /** One reconciler pass over due look-ups (charges, then cancels), at most `limit` of each. */
  reconcile(opts: { merchantId?: string; limit: number; ctx?: SendContext }): Promise<Record<ResolvedAs, number>> {
    return this.charges.reconcile(opts);
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
  ): Promise<Settled> {
    if (sendsDirectly(charge, sub)) return this.charges.send(charge, ctx, prepared);
    if (charge.status === 'sending' || charge.status === 'unknown') {
      const found = await this.charges.lookup(charge, ctx);
      return found.status === 'NOT_FOUND' ? this.charges.send(charge, ctx, prepared) : found;
    }
    return null;
  }

  private intent(s: Subscription, now: Date): Charge {
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
      merchantUid: uidOf(s),
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
}

const uidOf = (s: Subscription): string => recurringMerchantUid(s.id, s.cycle, s.attempt);

/** A fresh intent (written under this lease) or one certainly not sent: sent without looking it up first. */
function sendsDirectly(charge: Charge, sub: Subscription): boolean {
  return charge.status === 'sending' && (charge.leaseVersion === sub.leaseVersion || charge.resendable);
}
