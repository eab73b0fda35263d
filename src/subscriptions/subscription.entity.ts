import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, MoneyColumn, TimestampColumn } from '../database/columns';
import type { PlanInterval } from '../plans/plan.entity';

export const SUBSCRIPTION_STATUSES = ['incomplete', 'active', 'past_due', 'canceled'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];
/** Statuses the scheduler may still charge. */
export const BILLABLE_STATUSES: readonly SubscriptionStatus[] = ['incomplete', 'active', 'past_due'];

/**
 * A customer's subscription to a plan, charged with one billing key. Price and interval are copied from the plan at
 * creation (a later plan change never reprices a running subscription). `cycle`/`attempt` name the next (or in-flight)
 * charge; `nextChargeAt` is null while nothing may be charged (canceled, or a charge is pending/unknown at the PG).
 * `leaseOwner`/`leaseExpiresAt`/`leaseVersion` are the scheduler's claim: the version is the fencing token checked
 * when a run writes its results.
 */
@Entity('subscriptions')
@Index('ix_subscriptions_merchant', ['merchantId', 'createdAt'])
@Index('ix_subscriptions_due', ['nextChargeAt'])
@Index('ix_subscriptions_merchant_due', ['merchantId', 'nextChargeAt'])
export class Subscription {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 40 })
  customerId: string;

  @Column({ name: 'plan_id', type: 'varchar', length: 40 })
  planId: string;

  @Column({ name: 'billing_key_id', type: 'varchar', length: 40 })
  billingKeyId: string;

  /** The plan the subscription moves to when its next period is charged (no proration); null when none. */
  @Column({ name: 'pending_plan_id', type: 'varchar', length: 40, nullable: true })
  pendingPlanId?: string | null;

  /** Adapter code of the billing key's PG. */
  @Column({ type: 'varchar', length: 64 })
  gateway: string;

  @Column({ type: 'varchar', length: 16 })
  status: SubscriptionStatus;

  /** Integer minor units of `currency`, per cycle. */
  @MoneyColumn()
  amount: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ name: 'plan_name', type: 'varchar', length: 200 })
  planName: string;

  @Column({ type: 'varchar', length: 8 })
  interval: PlanInterval;

  @Column({ name: 'interval_count', type: 'integer' })
  intervalCount: number;

  /** Start of cycle 0; every period is computed from it (month-end clamping never drifts). */
  @TimestampColumn({ name: 'anchor_at' })
  anchorAt: Date;

  /** The cycle the next (or in-flight) charge is for. */
  @Column({ type: 'integer' })
  cycle: number;

  /** The attempt number (1-based) of that charge within its cycle. */
  @Column({ type: 'integer' })
  attempt: number;

  @TimestampColumn({ name: 'current_period_start' })
  currentPeriodStart: Date;

  @TimestampColumn({ name: 'current_period_end' })
  currentPeriodEnd: Date;

  @TimestampColumn({ name: 'next_charge_at', nullable: true })
  nextChargeAt: Date | null;

  @Column({ name: 'cancel_at_period_end', type: 'boolean', default: false })
  cancelAtPeriodEnd: boolean;

  @TimestampColumn({ name: 'canceled_at', nullable: true })
  canceledAt: Date | null;

  /** requested | requested_at_period_end | payment_failed | payment_declined | billing_key_unusable */
  @Column({ name: 'cancel_reason', type: 'varchar', length: 32, nullable: true })
  cancelReason: string | null;

  /**
   * The per-charge PayPal STC keys of the merchant's industry (marketplace `receiver_account_id`, …), checked at
   * creation and merged into every charge's STC. Null (or absent in code) when none were given.
   */
  @JsonColumn({ name: 'risk_context', nullable: true })
  riskContext?: Record<string, string> | null;

  @Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true })
  leaseOwner: string | null;

  /** In database time (PostgreSQL now(), SQLite 'now'), never the test clock: a lease is about real elapsed time. */
  @TimestampColumn({ name: 'lease_expires_at', nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ name: 'lease_version', type: 'integer', default: 0 })
  leaseVersion: number;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
