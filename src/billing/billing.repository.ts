import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { DateUtils } from 'typeorm/util/DateUtils';
import { rowsOf } from '../database/bulk-update';
import { KeyRead } from '../database/key-read';
import { EventsService } from '../events/events.service';
import { Plan } from '../plans/plan.entity';
import { BILLABLE_STATUSES, Subscription } from '../subscriptions/subscription.entity';
import { subscriptionEvent } from '../subscriptions/subscription.events';

const BILLABLE_SQL = BILLABLE_STATUSES.map((s) => `'${s}'`).join(',');

/**
 * The scheduler's claims on due subscriptions. PostgreSQL: `FOR UPDATE SKIP LOCKED` so instances never wait on or
 * take each other's rows, a lease expiring in database time (`now()`), and a version bumped on every claim (the
 * fencing token results are written with). SQLite: the same statement (one writer at a time), for one instance.
 */
@Injectable()
export class BillingRepository {
  /** The claimed rows, returned by the claim itself and hydrated without TypeORM's per-row cost (see KeyRead). */
  private readonly rows: KeyRead<Subscription>;

  constructor(
    @InjectRepository(Subscription) private readonly subs: Repository<Subscription>,
    private readonly events: EventsService,
  ) {
    this.rows = new KeyRead(subs, ['id']);
  }

  private get postgres(): boolean {
    return this.subs.manager.connection.driver.options.type === 'postgres';
  }

  /** Claims up to `limit` subscriptions due at `now` (the app clock) whose lease is free or expired. */
  async claimDue(opts: {
    now: Date;
    owner: string;
    leaseMs: number;
    limit: number;
    merchantId?: string;
  }): Promise<Subscription[]> {
    const pg = this.postgres;
    // Placeholders in the order they appear (SQLite's `?` are positional).
    const params: unknown[] = [];
    const p = (value: unknown) => (params.push(value), pg ? `$${params.length}` : '?');
    const owner = p(opts.owner);
    const due = p(pg ? opts.now : DateUtils.mixedDateToUtcDatetimeString(opts.now));
    const scope = opts.merchantId ? ` AND merchant_id = ${p(opts.merchantId)}` : '';
    const limit = p(opts.limit);
    const leaseMs = Math.floor(opts.leaseMs);
    const dbNow = pg ? 'now()' : "strftime('%Y-%m-%d %H:%M:%f','now')";
    const expiry = pg
      ? `now() + ${leaseMs} * interval '1 millisecond'`
      : `strftime('%Y-%m-%d %H:%M:%f','now','+${(leaseMs / 1000).toFixed(3)} seconds')`;
    const sql =
      `UPDATE subscriptions SET lease_owner = ${owner}, lease_expires_at = ${expiry}, lease_version = lease_version + 1 ` +
      `WHERE id IN (SELECT id FROM subscriptions WHERE next_charge_at <= ${due} AND status IN (${BILLABLE_SQL}) ` +
      `AND (lease_expires_at IS NULL OR lease_expires_at < ${dbNow})${scope} ORDER BY next_charge_at LIMIT ${limit}${pg ? ' FOR UPDATE SKIP LOCKED' : ''}) ` +
      `RETURNING ${this.rows.columnList}`;
    // The rows as updated (lease, version): one statement, where `RETURNING id` and a read by id were two, and the
    // read's TypeORM hydration of a whole batch was one of the longest stretches of a billing run's event loop.
    return rowsOf(await this.subs.query(sql, params)).map((r) => this.rows.hydrate(r));
  }

  /** How many are due now (progress logs and the due gauge). */
  countDue(now: Date, merchantId?: string): Promise<number> {
    const qb = this.subs
      .createQueryBuilder('s')
      .where('s.next_charge_at <= :now', { now })
      .andWhere('s.status IN (:...statuses)', { statuses: [...BILLABLE_STATUSES] });
    if (merchantId) qb.andWhere('s.merchant_id = :merchantId', { merchantId });
    return qb.getCount();
  }

  /** Gives claimed subscriptions back untouched (only while the lease is still ours). */
  async releaseLeases(subs: readonly Pick<Subscription, 'id' | 'leaseVersion'>[]): Promise<void> {
    for (const s of subs)
      await this.subs.update({ id: s.id, leaseVersion: s.leaseVersion }, { leaseOwner: null, leaseExpiresAt: null });
  }

  /** Cancels a subscription at its period end instead of charging the next cycle (under our lease), with its event. */
  cancelAtPeriodEnd(sub: Subscription, now: Date): Promise<boolean> {
    const patch = {
      status: 'canceled' as const,
      nextChargeAt: null,
      canceledAt: sub.currentPeriodEnd,
      cancelReason: 'requested_at_period_end',
      leaseOwner: null,
      leaseExpiresAt: null,
      updatedAt: now,
    };
    return this.subs.manager.transaction(async (m) => {
      const r = await m.update(
        Subscription,
        { id: sub.id, leaseVersion: sub.leaseVersion, status: In([...BILLABLE_STATUSES]) },
        patch,
      );
      if (r.affected !== 1) return false;
      await this.events.record(m, subscriptionEvent('subscription.canceled', { ...sub, ...patch }));
      return true;
    });
  }

  /**
   * The plan a PATCH chose takes over as a new period is charged (under our lease): amount, currency and name for
   * this cycle's intent on, with its `subscription.updated` event. `sub` takes the new values; false (and `sub`
   * untouched) when the lease or the pending plan changed meanwhile, or the plan is gone.
   */
  applyPendingPlan(sub: Subscription, now: Date): Promise<boolean> {
    const planId = sub.pendingPlanId;
    if (!planId) return Promise.resolve(false);
    return this.subs.manager.transaction(async (m) => {
      const plan = await m.findOneBy(Plan, { id: planId, merchantId: sub.merchantId });
      const patch = plan
        ? { planId: plan.id, planName: plan.name, amount: plan.amount, currency: plan.currency, pendingPlanId: null }
        : { pendingPlanId: null };
      const r = await m.update(
        Subscription,
        { id: sub.id, leaseVersion: sub.leaseVersion, pendingPlanId: planId, status: In([...BILLABLE_STATUSES]) },
        { ...patch, updatedAt: now },
      );
      if (r.affected !== 1 || !plan) return false;
      Object.assign(sub, patch, { updatedAt: now });
      await this.events.record(m, subscriptionEvent('subscription.updated', sub));
      return true;
    });
  }
}
