import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

export const EVENT_OBJECT_TYPES = ['subscription', 'charge', 'cancel', 'billing_key', 'order'] as const;
export type EventObjectType = (typeof EVENT_OBJECT_TYPES)[number];

/** `{ object }`: the same view the REST API answers for the object, as it was when the event was written. */
export interface EventData {
  readonly object: unknown;
}

/**
 * One event of the outbox: written in the same transaction as the state change it reports, so an event exists exactly
 * when its change committed. `sequence` is 1, 2, 3… per object (numbered by `event_sequences`), so a receiver can drop
 * a stale one. The delivery worker sets `fannedOutAt` once it has made the deliveries of the event.
 */
@Entity('events')
@Index('uq_events_object_sequence', ['merchantId', 'objectId', 'sequence'], { unique: true })
@Index('ix_events_merchant_created', ['merchantId', 'createdAt', 'id'])
@Index('ix_events_merchant_type_created', ['merchantId', 'type', 'createdAt', 'id'])
// The fan-out's queue: pending events only, in its order (migration 1764201600072 says why).
@Index('ix_events_pending', ['createdAt', 'sequence'], { where: 'fanned_out_at IS NULL' })
export class EventRecord {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  /** `subscription.renewed`, `charge.failed`, … */
  @Column({ type: 'varchar', length: 64 })
  type: string;

  @Column({ name: 'object_type', type: 'varchar', length: 32 })
  objectType: EventObjectType;

  @Column({ name: 'object_id', type: 'varchar', length: 40 })
  objectId: string;

  @Column({ type: 'integer' })
  sequence: number;

  @JsonColumn()
  data: EventData;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'fanned_out_at', nullable: true })
  fannedOutAt: Date | null;
}
