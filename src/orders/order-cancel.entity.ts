import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { MoneyColumn, TimestampColumn } from '../database/columns';

/**
 * `requested` (reserved, about to be sent) → `pending` (the PG took it and has not finished) → `done` | `refused`;
 * `unknown` (no answer) is looked up before anything is re-sent; `not_sent` released its reservation.
 */
export const ORDER_CANCEL_STATUSES = ['requested', 'pending', 'done', 'refused', 'unknown', 'not_sent'] as const;
export type OrderCancelStatus = (typeof ORDER_CANCEL_STATUSES)[number];

/**
 * `refund`: a merchant's cancel, held against the order's refundable balance. `mismatch_return`: the automatic full
 * cancel of a payment the PG confirmed for another amount than the order's; it never touches the order's balance.
 * `external`: a refund made outside our API (the PG's console), found by a look-up and applied to the balance.
 */
export type OrderCancelKind = 'refund' | 'mismatch_return' | 'external';

/** One cancel attempt of an order: its own Idempotency-Key, so a retry of it never refunds twice. */
@Entity('toss_order_cancels')
@Index('ix_toss_order_cancels_order', ['orderId', 'createdAt'])
@Index('ix_toss_order_cancels_merchant_tx', ['merchantId', 'gatewayCancelId'])
export class OrderCancel {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'order_id', type: 'varchar', length: 64 })
  orderId: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  /** Sent as the PG's idempotency key on this attempt and its retries (CancelInput.cancelId). */
  @Index('uq_toss_order_cancels_idempotency_key', { unique: true })
  @Column({ name: 'idempotency_key', type: 'varchar', length: 64 })
  idempotencyKey: string;

  @MoneyColumn()
  amount: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ type: 'varchar', length: 16, default: 'refund' })
  kind: OrderCancelKind;

  /** True when sent without an amount (everything still refundable). */
  @Column({ type: 'boolean', default: false })
  full: boolean;

  @Column({ type: 'varchar', length: 200 })
  reason: string;

  @Column({ type: 'varchar', length: 16 })
  status: OrderCancelStatus;

  /** The PG's id of this cancel (a cancel webhook may name only it). */
  @Column({ name: 'transaction_key', type: 'varchar', length: 64, nullable: true })
  gatewayCancelId: string | null;

  @Column({ name: 'toss_cancel_status', type: 'varchar', length: 16, nullable: true })
  gatewayCancelStatus: string | null;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode: string | null;

  @Column({ name: 'failure_message', type: 'varchar', length: 500, nullable: true })
  failureMessage: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
