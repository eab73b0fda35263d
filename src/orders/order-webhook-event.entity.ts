import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

/**
 * A one-time payment webhook delivery we applied: by the PG's dedup key (the same on every retry of it), or by
 * what it pointed at (`p:` keys). Removed after the retention (the gateway's retention).
 */
@Entity('toss_webhook_events')
@Index('uq_toss_webhook_events_transmission', ['merchantId', 'transmissionId'], { unique: true })
@Index('ix_toss_webhook_events_received', ['receivedAt'])
export class OrderWebhookEvent {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ name: 'transmission_id', type: 'varchar', length: 200 })
  transmissionId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 40 })
  eventType: string;

  @Column({ name: 'order_id', type: 'varchar', length: 64, nullable: true })
  orderId: string | null;

  @TimestampColumn({ name: 'received_at' })
  receivedAt: Date;
}
