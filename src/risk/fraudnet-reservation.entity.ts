import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

/**
 * A `merchant_uid` handed to a buyer's page as Fraudnet `f` (and to Magnes as the client metadata id), reserved for the
 * customer-present charge that page triggers. Consumed once, by a conditional UPDATE, when that charge is made.
 */
@Entity('fraudnet_reservations')
@Index('ix_fraudnet_reservations_merchant', ['merchantId', 'createdAt'])
@Index('ix_fraudnet_reservations_expires', ['expiresAt'])
export class FraudnetReservation {
  @PrimaryColumn({ name: 'merchant_uid', type: 'varchar', length: 40 })
  merchantUid: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  /** The page type it was first reserved for (`s` follows the page asking, see RiskService.fraudnet). */
  @Column({ name: 'page_type', type: 'varchar', length: 32 })
  pageType: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'expires_at' })
  expiresAt: Date;

  @TimestampColumn({ name: 'used_at', nullable: true })
  usedAt: Date | null;
}
