import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { MoneyColumn, TimestampColumn } from '../database/columns';

export const CHARGE_STATUSES = [
  'sending',
  'succeeded',
  'pending',
  'unknown',
  'failed',
  'canceled',
  'partially_canceled',
] as const;
export type ChargeStatus = (typeof CHARGE_STATUSES)[number];
/** Statuses whose result is not known yet: a result or a look-up may still move them. */
export const OPEN_CHARGE_STATUSES: readonly ChargeStatus[] = ['sending', 'pending', 'unknown'];
export type ChargeKind = 'recurring' | 'customer_present';

/**
 * One charge attempt with a billing key, written (status `sending`) and committed before the PG is called.
 * `merchantUid` is the PG reference: deterministic for (subscription, cycle, attempt), so a crashed run's intent is
 * looked up by it and never re-sent blindly. (subscription, cycle, attempt) is unique.
 */
@Entity('charges')
@Index('uq_charges_merchant_uid', ['merchantUid'], { unique: true })
@Index('uq_charges_subscription_cycle_attempt', ['subscriptionId', 'cycle', 'attempt'], { unique: true })
@Index('ix_charges_merchant_page', ['merchantId', 'createdAt', 'id'])
@Index('ix_charges_merchant_customer_page', ['merchantId', 'customerId', 'createdAt', 'id'])
@Index('ix_charges_merchant_status_page', ['merchantId', 'status', 'createdAt', 'id'])
@Index('ix_charges_merchant_subscription_page', ['merchantId', 'subscriptionId', 'createdAt', 'id'])
@Index('ix_charges_lookup', ['nextLookupAt'])
@Index('ix_charges_merchant_review_page', ['merchantId', 'review', 'createdAt', 'id'])
export class Charge {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ name: 'subscription_id', type: 'varchar', length: 40, nullable: true })
  subscriptionId: string | null;

  @Column({ name: 'customer_id', type: 'varchar', length: 40 })
  customerId: string;

  @Column({ name: 'billing_key_id', type: 'varchar', length: 40 })
  billingKeyId: string;

  @Column({ type: 'varchar', length: 64 })
  gateway: string;

  @Column({ type: 'varchar', length: 20 })
  kind: ChargeKind;

  @Column({ type: 'integer', nullable: true })
  cycle: number | null;

  @Column({ type: 'integer' })
  attempt: number;

  @Column({ name: 'merchant_uid', type: 'varchar', length: 40 })
  merchantUid: string;

  @MoneyColumn()
  amount: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ name: 'order_name', type: 'varchar', length: 200 })
  orderName: string;

  @Column({ type: 'varchar', length: 20 })
  status: ChargeStatus;

  @Column({ name: 'gateway_payment_id', type: 'varchar', length: 100, nullable: true })
  gatewayPaymentId: string | null;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode: string | null;

  @Column({ name: 'failure_message', type: 'varchar', length: 500, nullable: true })
  failureMessage: string | null;

  /** hard | soft, for failed charges. */
  @Column({ name: 'decline_kind', type: 'varchar', length: 8, nullable: true })
  declineKind: 'hard' | 'soft' | null;

  /** The last send was NOT_SENT (certainly never reached the PG): the same merchant_uid may be sent without a look-up. */
  @Column({ type: 'boolean', default: false })
  resendable: boolean;

  /** Refunded so far, as the PG reports it (minor units). */
  @MoneyColumn({ name: 'refunded_amount', default: 0 })
  refundedAmount: number;

  /** Sum of cancels sent but not finished: the refundable balance is amount - refunded - reserved, never negative. */
  @MoneyColumn({ name: 'refund_reserved', default: 0 })
  refundReserved: number;

  /** The subscription lease version the intent was written under (a different one means: an earlier run's intent). */
  @Column({ name: 'lease_version', type: 'integer', default: 0 })
  leaseVersion: number;

  @Column({ name: 'lookup_attempts', type: 'integer', default: 0 })
  lookupAttempts: number;

  @TimestampColumn({ name: 'next_lookup_at', nullable: true })
  nextLookupAt: Date | null;

  /** Unresolved after the last look-up (or a PG report that contradicts the request): a human decides. */
  @Column({ type: 'boolean', default: false })
  review: boolean;

  @Column({ name: 'review_reason', type: 'varchar', length: 64, nullable: true })
  reviewReason: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;

  @TimestampColumn({ name: 'settled_at', nullable: true })
  settledAt: Date | null;
}
