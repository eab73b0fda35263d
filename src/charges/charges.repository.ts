import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository, type EntityManager } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';
import { BILLABLE_STATUSES, Subscription } from '../subscriptions/subscription.entity';
import type { SubscriptionPatch } from '../subscriptions/subscription.transitions';
import { ChargeCancel } from './charge-cancel.entity';
import { ChargeReviewAction } from './charge-review-action.entity';
import { Charge, type ChargeStatus } from './charge.entity';
import type { ChargePatch } from './charge.outcomes';
import { bulkInsert, bulkUpdate, rowsOf } from '../database/bulk-update';
import { KeyRead } from '../database/key-read';
import { ChargeEvents, type ResultChange, type ResultSnapshot } from './charges.events';
import { keysetPage, type CursorPosition } from '../common/pagination';

export interface ChargeListFilters {
  customerId?: string;
  subscriptionId?: string;
  status?: string;
  review?: boolean;
}

/** One result to record: the charge moves only from `from`; the subscription only if it still waits on that charge. */
export interface ResultWrite {
  chargeId: string;
  from: readonly ChargeStatus[];
  /** Null: the charge already holds its result (an earlier run wrote it); only the subscription follows. */
  chargePatch: ChargePatch | null;
  subscription?: {
    id: string;
    cycle: number;
    attempt: number;
    patch: SubscriptionPatch;
    /** The scheduler's fencing token: the write (and the lease release) happen only while the lease is still ours. */
    leaseVersion?: number;
  };
}

export interface RecordSummary {
  /** Per write: whether the charge moved (or had nothing to move). */
  applied: boolean[];
  /** Writes refused because the lease had been taken over by another instance. */
  fenced: number;
}

/** Charges, their cancels, and the subscription columns a charge result moves. Every API query is merchant-scoped. */
@Injectable()
export class ChargesRepository {
  constructor(
    @InjectRepository(Charge) private readonly charges: Repository<Charge>,
    @InjectRepository(ChargeCancel) private readonly cancels: Repository<ChargeCancel>,
    @InjectRepository(ChargeReviewAction) private readonly reviewActions: Repository<ChargeReviewAction>,
    @InjectRepository(Subscription) private readonly subscriptions: Repository<Subscription>,
    private readonly events: ChargeEvents,
  ) {
    this.byId = new KeyRead(charges, ['merchantId', 'id']);
    this.byGatewayPaymentId = new KeyRead(charges, ['merchantId', 'gatewayPaymentId']);
    this.byMerchantUids = new KeyRead(charges, ['merchantUid']);
    this.byIds = new KeyRead(charges, ['id']);
    this.subscriptionsByIds = new KeyRead(subscriptions, ['id']);
  }

  // Hot key reads (every webhook, every GET): SQL built once (see KeyRead).
  private readonly byId: KeyRead<Charge>;
  private readonly byGatewayPaymentId: KeyRead<Charge>;
  /** A billing batch's intents, a batch of webhooks' charges. */
  private readonly byMerchantUids: KeyRead<Charge>;
  /** The reconciler's claimed charges and their subscriptions, a batch of webhooks' written charges. */
  private readonly byIds: KeyRead<Charge>;
  private readonly subscriptionsByIds: KeyRead<Subscription>;

  private get postgres(): boolean {
    return this.charges.manager.connection.driver.options.type === 'postgres';
  }

  /** On SQLite the data source runs transactions one at a time (database/sqlite-transactions.ts). */
  private transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.charges.manager.transaction(work);
  }

  async insert(charge: Charge): Promise<Charge> {
    await this.charges.insert(charge);
    return charge;
  }

  /**
   * Intents for a batch in one statement; rows that already exist (same subscription, cycle, attempt) are left alone.
   * Returns the ids of the intents inserted.
   */
  insertIntents(intents: Charge[]): Promise<Set<string>> {
    return bulkInsert(this.charges.manager, Charge, intents, { onConflict: 'ignore' });
  }

  /** One transaction: each intent, still `sending`, takes the new lease version and loses its resend flag. */
  async adoptForResend(charges: ReadonlyArray<{ id: string; leaseVersion: number }>, now: Date): Promise<void> {
    await this.transaction(async (m) => {
      for (const c of charges)
        await m.update(
          Charge,
          { id: c.id, status: 'sending' },
          { leaseVersion: c.leaseVersion, resendable: false, updatedAt: now },
        );
    });
  }

  findByMerchantUids(uids: readonly string[]): Promise<Charge[]> {
    return this.byMerchantUids.many(uids);
  }

  findForMerchant(merchantId: string, id: string): Promise<Charge | null> {
    return this.byId.one(merchantId, id);
  }

  findByGatewayPaymentId(merchantId: string, gatewayPaymentId: string): Promise<Charge | null> {
    return this.byGatewayPaymentId.one(merchantId, gatewayPaymentId);
  }

  findByIds(ids: readonly string[]): Promise<Charge[]> {
    return this.byIds.many(ids);
  }

  listForSubscription(merchantId: string, subscriptionId: string): Promise<Charge[]> {
    return this.charges.find({
      where: { merchantId, subscriptionId },
      order: { createdAt: 'ASC', cycle: 'ASC', attempt: 'ASC' },
    });
  }

  /** Newest first, up to `limit + 1` rows (see keysetPage); `review` narrows to the review queue. */
  list(
    merchantId: string,
    page: { limit: number; after?: CursorPosition; filters: ChargeListFilters },
  ): Promise<Charge[]> {
    const { filters, ...position } = page;
    return keysetPage(this.charges.createQueryBuilder('c'), { merchantId, ...position, filters: { ...filters } });
  }

  listReview(merchantId: string, limit: number): Promise<Charge[]> {
    return this.charges.find({ where: { merchantId, review: true }, order: { createdAt: 'DESC' }, take: limit });
  }

  countReview(): Promise<number> {
    return this.charges.countBy({ review: true });
  }

  findSubscriptions(ids: readonly string[]): Promise<Subscription[]> {
    return this.subscriptionsByIds.many(ids);
  }

  /**
   * Records a batch of results in one transaction (no PG call happens inside it). Rows of the same shape go in one
   * bulk UPDATE each (a billing batch is hundreds of results of a few shapes): first the charges, each only from its
   * `from` statuses; then the subscriptions still waiting on a charge that moved, fenced by the lease version; then
   * the lease release alone for the rest. Same effects as one update per row, in a handful of statements.
   * `reviewAction` (a resolution from the review queue, one write) is recorded in the same transaction when the charge
   * moved.
   */
  recordResults(writes: readonly ResultWrite[], reviewAction?: ChargeReviewAction): Promise<RecordSummary> {
    if (writes.length === 0) return Promise.resolve({ applied: [], fenced: 0 });
    return this.transaction(async (m) => {
      // One write per charge and per subscription in a batch; anything else keeps the row-by-row path's ordering.
      const chargeIds = writes.filter((w) => w.chargePatch).map((w) => w.chargeId);
      const subIds = writes.flatMap((w) => (w.subscription ? [w.subscription.id] : []));
      // The rows as they are before the writes, for the events (see ChargeEvents), locked on PostgreSQL in id order,
      // charges first as the writes lock them, so batches cannot deadlock.
      const snapshot: ResultSnapshot = {
        charges: byId(await this.byIds.many(chargeIds, { manager: m, lock: true })),
        subscriptions: byId(await this.subscriptionsByIds.many(subIds, { manager: m, lock: true })),
      };
      if (new Set(chargeIds).size !== chargeIds.length || new Set(subIds).size !== subIds.length)
        return this.recordOneByOne(m, writes, snapshot);

      const moved = new Set<string>();
      for (const group of groupBy(
        writes.filter((w) => w.chargePatch),
        (w) => `${[...w.from].sort().join(',')}|${Object.keys(w.chargePatch!).sort().join(',')}`,
      )) {
        const from = group[0].from.map((st) => `'${st.replace(/'/g, "''")}'`).join(', ');
        const keys = Object.keys(group[0].chargePatch!).sort();
        const rows = group.map((w) => ({ match: { id: w.chargeId }, set: pick(w.chargePatch!, keys) }));
        for (const id of await bulkUpdate(m, Charge, rows, from ? `t.status IN (${from})` : 'false')) moved.add(id);
      }
      const applied = writes.map((w) => !w.chargePatch || moved.has(w.chargeId));

      const followed = new Set<string>();
      const subWrites = writes.flatMap((w, i) => (w.subscription && applied[i] ? [w.subscription] : []));
      const billable = BILLABLE_STATUSES.map((st) => `'${st}'`).join(', ');
      for (const group of groupBy(
        subWrites,
        (s) => `${s.leaseVersion !== undefined}|${Object.keys(s.patch).sort().join(',')}`,
      )) {
        const fenced = group[0].leaseVersion !== undefined;
        const keys = Object.keys(group[0].patch).sort();
        const rows = group.map((s) => ({
          match: { id: s.id, cycle: s.cycle, attempt: s.attempt, ...(fenced ? { leaseVersion: s.leaseVersion } : {}) },
          set: { ...pick(s.patch, keys), ...(fenced ? { leaseOwner: null, leaseExpiresAt: null } : {}) },
        }));
        if (rows[0] && Object.keys(rows[0].set).length === 0) {
          // Nothing to set (an empty patch without a lease): the row only has to exist in that state to count.
          for (const s of group) followed.add(s.id);
          continue;
        }
        for (const id of await bulkUpdate(m, Subscription, rows, `t.status IN (${billable})`)) followed.add(id);
      }
      // Someone else moved the subscription (a webhook, an immediate cancel) or the charge did not move: only give
      // the lease back, if it is still ours; a lease that is not ours any more is a fenced write.
      let fenced = 0;
      const releases = writes.flatMap((w) =>
        w.subscription && w.subscription.leaseVersion !== undefined && !followed.has(w.subscription.id)
          ? [w.subscription]
          : [],
      );
      const released = await bulkUpdate(
        m,
        Subscription,
        releases.map((s) => ({
          match: { id: s.id, leaseVersion: s.leaseVersion },
          set: { leaseOwner: null, leaseExpiresAt: null },
        })),
      );
      for (const s of releases) if (!released.has(s.id)) fenced++;
      if (reviewAction && applied[0]) await m.insert(ChargeReviewAction, reviewAction);
      // Events only for what was written: a charge that moved, a subscription that followed (a fenced one did not).
      await this.events.recordResults(m, snapshot, [
        ...writes.flatMap((w, i) =>
          w.chargePatch && applied[i] ? [{ kind: 'charge' as const, id: w.chargeId, patch: w.chargePatch }] : [],
        ),
        ...subWrites.flatMap((s) =>
          followed.has(s.id) ? [{ kind: 'subscription' as const, id: s.id, patch: s.patch }] : [],
        ),
      ]);
      return { applied, fenced };
    });
  }

  async insertReviewAction(action: ChargeReviewAction): Promise<void> {
    await this.reviewActions.insert(action);
  }

  /** The row-by-row path, for a batch that names one charge or subscription twice (order then matters). */
  private async recordOneByOne(
    m: EntityManager,
    writes: readonly ResultWrite[],
    snapshot: ResultSnapshot,
  ): Promise<RecordSummary> {
    const applied: boolean[] = [];
    let fenced = 0;
    const changes: ResultChange[] = [];
    for (const w of writes) {
      let moved = true;
      if (w.chargePatch) {
        const r = await m.update(Charge, { id: w.chargeId, status: In([...w.from]) }, w.chargePatch);
        moved = r.affected === 1;
        if (moved) changes.push({ kind: 'charge', id: w.chargeId, patch: w.chargePatch });
      }
      applied.push(moved);
      if (w.subscription) {
        const s = await this.applySubscription(m, w.subscription, moved);
        if (!s.ours) fenced++;
        if (s.patched) changes.push({ kind: 'subscription', id: w.subscription.id, patch: w.subscription.patch });
      }
    }
    await this.events.recordResults(m, snapshot, changes);
    return { applied, fenced };
  }

  /** `ours`: false when the lease was no longer ours (fenced); `patched`: the patch was written. */
  private async applySubscription(
    m: EntityManager,
    s: NonNullable<ResultWrite['subscription']>,
    chargeMoved: boolean,
  ): Promise<{ ours: boolean; patched: boolean }> {
    const fence = s.leaseVersion !== undefined ? { leaseVersion: s.leaseVersion } : {};
    const release = s.leaseVersion !== undefined ? { leaseOwner: null, leaseExpiresAt: null } : {};
    if (chargeMoved) {
      const update = { ...s.patch, ...release };
      if (Object.keys(update).length === 0) return { ours: true, patched: false };
      const r = await m.update(
        Subscription,
        { id: s.id, cycle: s.cycle, attempt: s.attempt, status: In([...BILLABLE_STATUSES]), ...fence },
        update,
      );
      if (r.affected === 1) return { ours: true, patched: true };
    }
    if (s.leaseVersion === undefined) return { ours: true, patched: false };
    const r = await m.update(Subscription, { id: s.id, leaseVersion: s.leaseVersion }, release);
    return { ours: r.affected === 1, patched: false };
  }

  /**
   * Claims up to `limit` charges whose look-up is due (pending, unknown, or a customer-present intent left `sending`)
   * by pushing their next look-up past `holdUntil`, so other instances skip them while this one looks them up.
   */
  async claimLookups(now: Date, holdUntil: Date, limit: number, merchantId?: string): Promise<Charge[]> {
    const ids = await this.claim(
      'charges',
      "status IN ('sending','pending','unknown')",
      now,
      holdUntil,
      limit,
      merchantId,
    );
    return this.findByIds(ids);
  }

  /** Same for pending cancels. */
  async claimCancelLookups(now: Date, holdUntil: Date, limit: number, merchantId?: string): Promise<ChargeCancel[]> {
    const ids = await this.claim('charge_cancels', "status = 'pending'", now, holdUntil, limit, merchantId);
    if (ids.length === 0) return [];
    return this.cancels.findBy({ id: In(ids) });
  }

  private async claim(
    table: 'charges' | 'charge_cancels',
    condition: string,
    now: Date,
    holdUntil: Date,
    limit: number,
    merchantId?: string,
  ): Promise<string[]> {
    const pg = this.postgres;
    const date = (d: Date) => (pg ? d : DateUtils.mixedDateToUtcDatetimeString(d));
    // Placeholders in the order they appear (SQLite's `?` are positional).
    const params: unknown[] = [];
    const p = (value: unknown) => (params.push(value), pg ? `$${params.length}` : '?');
    const hold = p(date(holdUntil));
    const due = p(date(now));
    const scope = merchantId ? ` AND merchant_id = ${p(merchantId)}` : '';
    const sql =
      `UPDATE ${table} SET next_lookup_at = ${hold} WHERE id IN (SELECT id FROM ${table} WHERE next_lookup_at <= ${due} AND review = false AND ${condition}${scope} ` +
      `ORDER BY next_lookup_at LIMIT ${p(limit)}${pg ? ' FOR UPDATE SKIP LOCKED' : ''}) RETURNING id`;
    return rowsOf(await this.charges.query(sql, params)).map((r) => String(r.id));
  }

  // ---- cancels -----------------------------------------------------------------------------------------------------

  /**
   * Reserves `amount` of the charge's refundable balance and records the cancel, atomically: the conditional UPDATE
   * makes two concurrent cancels unable to take more than the balance. False when the balance is too small.
   */
  reserveCancel(cancel: ChargeCancel): Promise<boolean> {
    return this.transaction(async (m) => {
      const r = await m
        .createQueryBuilder()
        .update(Charge)
        .set({ refundReserved: () => `refund_reserved + ${Number(cancel.amount)}`, updatedAt: cancel.createdAt })
        .where('id = :id AND merchant_id = :merchantId', { id: cancel.chargeId, merchantId: cancel.merchantId })
        .andWhere('amount - refunded_amount - refund_reserved >= :amount', { amount: cancel.amount })
        .andWhere('status IN (:...statuses)', { statuses: ['succeeded', 'partially_canceled'] })
        .execute();
      if (r.affected !== 1) return false;
      await m.insert(ChargeCancel, cancel);
      await this.events.cancelChanged(m, cancel.id, { refunded: false });
      return true;
    });
  }

  /**
   * Finishes a cancel (succeeded or failed), once: the reservation is released and, when the PG reports a refunded
   * total, the charge takes it.
   */
  finishCancel(
    cancel: ChargeCancel,
    patch: Partial<ChargeCancel>,
    charge: { refundedAmount?: number; status?: ChargeStatus; now: Date },
  ): Promise<boolean> {
    return this.transaction(async (m) => {
      const r = await m.update(ChargeCancel, { id: cancel.id, status: 'pending' }, patch);
      if (r.affected !== 1) return false;
      await m
        .createQueryBuilder()
        .update(Charge)
        .set({
          refundReserved: () =>
            `CASE WHEN refund_reserved >= ${Number(cancel.amount)} THEN refund_reserved - ${Number(cancel.amount)} ELSE 0 END`,
          updatedAt: charge.now,
          ...(charge.refundedAmount !== undefined ? { refundedAmount: charge.refundedAmount } : {}),
          ...(charge.status ? { status: charge.status } : {}),
        })
        .where('id = :id', { id: cancel.chargeId })
        .execute();
      await this.events.cancelChanged(m, cancel.id, { refunded: charge.refundedAmount !== undefined });
      return true;
    });
  }

  async updateCancel(id: string, patch: Partial<ChargeCancel>): Promise<void> {
    await this.cancels.update({ id, status: 'pending' }, patch);
  }

  listCancels(chargeId: string): Promise<ChargeCancel[]> {
    return this.cancels.find({ where: { chargeId }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  pendingCancels(chargeId: string): Promise<ChargeCancel[]> {
    return this.cancels.find({ where: { chargeId, status: 'pending' }, order: { createdAt: 'ASC', id: 'ASC' } });
  }

  async countReviewCancels(): Promise<number> {
    return this.cancels.countBy({ review: true });
  }
}

/** TypeORM answers an UPDATE ... RETURNING as [rows, count] on PostgreSQL and as rows on SQLite. */

function groupBy<T>(items: readonly T[], key: (t: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const g = groups.get(k);
    if (g) g.push(item);
    else groups.set(k, [item]);
  }
  return [...groups.values()];
}

function pick<T extends object>(o: T, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((k) => [k, (o as Record<string, unknown>)[k]]));
}

function byId<E extends { id: string }>(rows: readonly E[]): Map<string, E> {
  return new Map(rows.map((r) => [r.id, r]));
}
