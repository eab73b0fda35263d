import pMap from 'p-map';
import { Logger } from '@nestjs/common';
import { unknownOutcome, type LookupOutcome, type PaymentOutcome } from '@app/pg-contract';
import type { Counter } from 'prom-client';
import type { Clock } from '../clock/clock';
import type { BillingConfig } from '../config/configuration';
import type { Subscription } from '../subscriptions/subscription.entity';
import { transitionFor, type TransitionConfig } from '../subscriptions/subscription.transitions';
import type { ChargeCancels } from './charges.cancels';
import type { ExternalRefunds } from './charges.external-refunds';
import type { ChargesRepository, ResultWrite } from './charges.repository';
import { newSendContext, withSlot, type ChargeSender, type SendContext } from './charges.sending';
import { type Charge, OPEN_CHARGE_STATUSES } from './charge.entity';
import { chargeResultOf, type ChargeResult } from './charge.outcomes';

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

/** How a look-up or re-fetch ended, for run counters. */
export type ResolvedAs = 'succeeded' | 'failed' | 'pending' | 'unknown' | 'resend';

/**
 * Reconciliation: the one state machine every result goes through (a send's, a look-up's, a webhook's), webhook
 * pointers (always re-fetched at the PG) and the reconciler's passes. Part of ChargesService, which builds it.
 */
export class ChargeReconciler {
  // The facade's name, so log lines keep their context.
  private readonly logger = new Logger('ChargesService');

  constructor(
    private readonly repo: ChargesRepository,
    private readonly sender: ChargeSender,
    private readonly cancels: ChargeCancels,
    private readonly clock: Clock,
    private readonly config: BillingConfig,
    private readonly transitions: TransitionConfig,
    private readonly outcomes: Counter<'source' | 'outcome'>,
    private readonly externalRefunds?: ExternalRefunds,
  ) {}

  private get backoff(): readonly number[] {
    return this.config.reconcileBackoffMs;
  }

  /**
   * The write for an outcome: the charge patch, and when the charge belongs to a subscription that still waits on it,
   * the subscription's transition. A NOT_FOUND look-up of a recurring intent (stale `sending` or `unknown`) means the
   * PG never took it: it is re-sent with the same merchant_uid; for anything else NOT_FOUND counts as unresolved.
   */
  resultWrite(
    charge: Charge,
    outcome: PaymentOutcome | LookupOutcome,
    sub: Subscription | undefined,
    opts: { fromLookup: boolean; leaseVersion?: number },
  ): { write: ResultWrite; result: ChargeResult } {
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
          : chargeResultOf(
              unknownOutcome('unreadable_response', 'the PG has no payment under this merchant_uid', {
                code: 'NOT_FOUND_AT_PG',
              }),
              charge,
              now,
              this.backoff,
              { fromLookup: true },
            );
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
      subscription: {
        id: sub.id,
        cycle: sub.cycle,
        attempt: sub.attempt,
        patch: transitionFor(sub, effect, this.transitions, this.clock.now()),
        leaseVersion,
      },
    };
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
    const byUid = new Map(
      (await this.repo.findByMerchantUids(refs.flatMap((r) => (r.reference ? [r.reference] : [])))).map((c) => [
        c.merchantUid,
        c,
      ]),
    );
    const found: Array<Charge | null> = [];
    for (const r of refs) {
      let c = r.reference ? byUid.get(r.reference) : undefined;
      // merchant_uid is unique across merchants: a pointer posted to another merchant's URL finds nothing of theirs.
      if (c && c.merchantId !== r.merchantId) c = undefined;
      if (!c && r.gatewayPaymentId)
        c = (await this.repo.findByGatewayPaymentId(r.merchantId, r.gatewayPaymentId)) ?? undefined;
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
    const withCancels = unique
      .filter((c) => !failed.has(c.id))
      .map((c) => fresh.get(c.id) ?? c)
      .filter((c) => c.refundReserved > 0);
    await pMap(
      withCancels,
      async (c) => {
        try {
          await this.cancels.refreshCancels(c, ctx);
        } catch (err) {
          failed.add(c.id);
          this.logger.error(
            { chargeId: c.id, err: (err as Error).message },
            'webhook could not be applied to the charge',
          );
        }
      },
      { concurrency: concurrency },
    );
    // A cancel notice for a settled charge with no cancel of ours under way: a refund made outside the API (console).
    const settled = unique.filter(
      (c) =>
        !failed.has(c.id) && (c.status === 'succeeded' || c.status === 'partially_canceled') && c.refundReserved === 0,
    );
    const cancelNoticed = new Set(refs.flatMap((r, i) => (r.refundNoticed && found[i] ? [found[i]!.id] : [])));
    const external = this.externalRefunds;
    if (external)
      await pMap(
        settled.filter((c) => cancelNoticed.has(c.id)),
        async (c) => {
          try {
            await external.apply(c, await this.sender.credentialsFor(c.merchantId, c.gateway, ctx));
          } catch (err) {
            failed.add(c.id);
            this.logger.error(
              { chargeId: c.id, err: (err as Error).message },
              'refund made outside the API could not be applied',
            );
          }
        },
        { concurrency: concurrency },
      );
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
    const subs = new Map(
      (await this.repo.findSubscriptions(charges.flatMap((c) => (c.subscriptionId ? [c.subscriptionId] : [])))).map(
        (x) => [x.id, x],
      ),
    );
    const writes: ResultWrite[] = [];
    await pMap(
      charges,
      async (c) => {
        const outcome = await withSlot(ctx, () => this.sender.lookup(c, ctx));
        if (source === 'webhook') this.outcomes.inc({ source: 'webhook', outcome: outcome.status });
        const { write, result } = this.resultWrite(
          c,
          outcome,
          c.subscriptionId ? subs.get(c.subscriptionId) : undefined,
          { fromLookup: true },
        );
        writes.push(write);
        results.set(c.id, result);
      },
      { concurrency: concurrency },
    );
    try {
      await this.repo.recordResults(writes);
    } catch {
      for (const w of writes) {
        try {
          await this.repo.recordResults([w]);
        } catch (err) {
          failed.add(w.chargeId);
          results.delete(w.chargeId);
          this.logger.error(
            { chargeId: w.chargeId, err: (err as Error).message },
            'the result of a look-up could not be written',
          );
        }
      }
    }
    return { results, failed };
  }

  /** One reconciler pass over due look-ups (charges, then cancels), at most `limit` of each. */
  async reconcile(opts: {
    merchantId?: string;
    limit: number;
    ctx?: SendContext;
  }): Promise<Record<ResolvedAs, number>> {
    const counts: Record<ResolvedAs, number> = { succeeded: 0, failed: 0, pending: 0, unknown: 0, resend: 0 };
    const ctx = opts.ctx ?? newSendContext();
    const now = this.clock.now();
    const holdUntil = new Date(now.getTime() + this.config.leaseMs);
    const charges = await this.repo.claimLookups(now, holdUntil, opts.limit, opts.merchantId);
    // A charge whose result could not be written stays claimed: it is looked up again when its hold ends.
    const { results } = await this.lookUpAndRecord(charges, ctx, this.config.concurrency, 'lookup');
    for (const result of results.values()) counts[resolvedAs(result)]++;
    const cancels = await this.repo.claimCancelLookups(now, holdUntil, opts.limit, opts.merchantId);
    const byCharge = new Map(
      (await this.repo.findByIds([...new Set(cancels.map((c) => c.chargeId))])).map((c) => [c.id, c]),
    );
    await pMap(
      [...byCharge.values()],
      (charge) => withSlot(ctx, () => this.cancels.refreshCancels(charge, ctx, true)),
      { concurrency: this.config.concurrency },
    );
    return counts;
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
