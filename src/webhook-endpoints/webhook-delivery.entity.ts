import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

export const DELIVERY_STATUSES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * One event to one endpoint. Pending ones are claimed under a lease (owner, expiry, version: the fencing token the
 * result is written with); the object and sequence keep a later event of an object behind the earlier one.
 */
@Entity('webhook_deliveries')
@Index('uq_webhook_deliveries_endpoint_event', ['endpointId', 'eventId'], { unique: true })
@Index('ix_webhook_deliveries_due', ['status', 'nextAttemptAt'])
@Index('ix_webhook_deliveries_object', ['endpointId', 'objectId', 'status', 'sequence'])
@Index('ix_webhook_deliveries_endpoint_page', ['endpointId', 'createdAt', 'id'])
export class WebhookDelivery {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ name: 'endpoint_id', type: 'varchar', length: 40 })
  endpointId: string;

  @Column({ name: 'event_id', type: 'varchar', length: 40 })
  eventId: string;

  @Column({ name: 'event_type', type: 'varchar', length: 64 })
  eventType: string;

  @Column({ name: 'object_id', type: 'varchar', length: 40 })
  objectId: string;

  @Column({ type: 'integer' })
  sequence: number;

  @TimestampColumn({ name: 'event_created_at' })
  eventCreatedAt: Date;

  @Column({ type: 'varchar', length: 16 })
  status: DeliveryStatus;

  @Column({ type: 'integer', default: 0 })
  attempts: number;

  @TimestampColumn({ name: 'next_attempt_at', nullable: true })
  nextAttemptAt: Date | null;

  @TimestampColumn({ name: 'last_attempt_at', nullable: true })
  lastAttemptAt: Date | null;

  /** HTTP status of the last answer, null when there was none (refused, timed out). */
  @Column({ name: 'last_status_code', type: 'integer', nullable: true })
  lastStatusCode: number | null;

  /** Why the last attempt did not end it (short, never a secret). */
  @Column({ name: 'last_error', type: 'varchar', length: 200, nullable: true })
  lastError: string | null;

  @TimestampColumn({ name: 'delivered_at', nullable: true })
  deliveredAt: Date | null;

  @Column({ name: 'lease_owner', type: 'varchar', length: 64, nullable: true })
  leaseOwner: string | null;

  @TimestampColumn({ name: 'lease_expires_at', nullable: true })
  leaseExpiresAt: Date | null;

  @Column({ name: 'lease_version', type: 'integer', default: 0 })
  leaseVersion: number;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;
}
