import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

export type EventObjectType = 'subscription' | 'charge' | 'cancel' | 'billing_key' | 'order';

/**
 * Placeholder of the outbox row as agreed in issue 26 (the `events` branch owns this file and its migration; the
 * delivery worker is built against this shape until that branch is merged).
 */
@Entity('events')
@Index('uq_events_object_sequence', ['merchantId', 'objectId', 'sequence'], { unique: true })
@Index('ix_events_fanned_out', ['fannedOutAt'])
export class EventRecord {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ name: 'object_type', type: 'varchar', length: 20 })
  objectType: EventObjectType;

  @Column({ name: 'object_id', type: 'varchar', length: 40 })
  objectId: string;

  @Column({ type: 'integer' })
  sequence: number;

  /** JSON text of `{ object }`. */
  @Column({ type: 'text' })
  data: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'fanned_out_at', nullable: true })
  fannedOutAt: Date | null;
}
