import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { MoneyColumn, TimestampColumn } from '../database/columns';

export type ChargeCancelStatus = 'pending' | 'succeeded' | 'failed';

/**
 * One cancel (refund) request on a charge. `pending` until the PG shows it done (PortOne cancel_history): the
 * reconciler and webhooks finish it. Its amount stays reserved on the charge meanwhile.
 */
@Entity('charge_cancels')
@Index('ix_charge_cancels_charge', ['chargeId', 'createdAt'])
@Index('ix_charge_cancels_lookup', ['nextLookupAt'])
export class ChargeCancel {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ name: 'charge_id', type: 'varchar', length: 40 })
  chargeId: string;

  @MoneyColumn()
  amount: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ type: 'varchar', length: 200 })
  reason: string;

  @Column({ type: 'varchar', length: 16 })
  status: ChargeCancelStatus;

  @Column({ name: 'gateway_cancel_id', type: 'varchar', length: 100, nullable: true })
  gatewayCancelId: string | null;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode: string | null;

  @Column({ name: 'failure_message', type: 'varchar', length: 500, nullable: true })
  failureMessage: string | null;

  @Column({ name: 'lookup_attempts', type: 'integer', default: 0 })
  lookupAttempts: number;

  @TimestampColumn({ name: 'next_lookup_at', nullable: true })
  nextLookupAt: Date | null;

  @Column({ type: 'boolean', default: false })
  review: boolean;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;

  @TimestampColumn({ name: 'settled_at', nullable: true })
  settledAt: Date | null;

  /** Made outside our API (the PG's console): found by a look-up, recorded already settled. */
  @Column({ type: 'boolean', default: false })
  external?: boolean;
}
