import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';
import type { ChargeStatus } from './charge.entity';

export type ChargeReviewActionKind = 'lookup' | 'resolve';
export type ChargeResolution = 'succeeded' | 'failed';

/**
 * An operator's action on a charge from the review queue: a look-up at the PG now, or a resolution recorded by hand.
 * Who (the API key's id, never the key) and when, with the charge's status after it: the audit trail of the queue.
 */
@Entity('charge_review_actions')
@Index('ix_charge_review_actions_charge', ['merchantId', 'chargeId', 'createdAt'])
export class ChargeReviewAction {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ name: 'charge_id', type: 'varchar', length: 40 })
  chargeId: string;

  @Column({ type: 'varchar', length: 16 })
  action: ChargeReviewActionKind;

  /** resolve only: what the operator says the payment became. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  resolution: ChargeResolution | null;

  @Column({ type: 'varchar', length: 500, nullable: true })
  note: string | null;

  /** The id of the API key that called (not the key). */
  @Column({ name: 'api_key_id', type: 'varchar', length: 40 })
  apiKeyId: string;

  /** The charge's status once the action was applied. */
  @Column({ name: 'charge_status', type: 'varchar', length: 20 })
  chargeStatus: ChargeStatus;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;
}
