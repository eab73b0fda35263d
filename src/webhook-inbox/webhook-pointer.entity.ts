import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

/**
 * A webhook pointer kept for the reconciler: accepted and not yet applied (so a crash cannot lose it), or refused a
 * re-fetch because the merchant's budget was spent (answered 503). Unsigned, so only ever a pointer to re-fetch.
 * One row per (merchant, gateway, what it points at); capped per merchant and gateway.
 */
@Entity('webhook_pointers')
@Index('uq_webhook_pointers_dedup', ['merchantId', 'gateway', 'dedupKey'], { unique: true })
@Index('ix_webhook_pointers_due', ['gateway', 'nextAttemptAt'])
export class WebhookPointer {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  /** Adapter code (`portone-paypal-rt`, `toss-foreign-pay`). */
  @Column({ type: 'varchar', length: 64 })
  gateway: string;

  @Column({ name: 'dedup_key', type: 'varchar', length: 240 })
  dedupKey: string;

  /** Our reference (PortOne merchant_uid, Toss orderId), when the pointer names one. */
  @Column({ type: 'varchar', length: 80, nullable: true })
  reference: string | null;

  /** The PG's id (PortOne imp_uid, Toss paymentKey or a cancel's transactionKey). */
  @Column({ name: 'gateway_payment_id', type: 'varchar', length: 200, nullable: true })
  gatewayPaymentId: string | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  event: string | null;

  @Column({ name: 'refund_noticed', type: 'boolean', default: false })
  refundNoticed: boolean;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @TimestampColumn({ name: 'next_attempt_at' })
  nextAttemptAt: Date;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;
}
