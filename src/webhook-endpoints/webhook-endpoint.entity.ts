import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

/** A merchant's URL that receives its events, signed with a secret kept sealed (SecretBox, bound to this row). */
@Entity('webhook_endpoints')
@Index('ix_webhook_endpoints_merchant', ['merchantId', 'createdAt', 'id'])
export class WebhookEndpoint {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ type: 'varchar', length: 2048 })
  url: string;

  /** Event types sent here: exact types, `<prefix>.*`, or `*` for all. */
  @JsonColumn()
  events: string[];

  /** `v1.<iv>.<tag>.<ciphertext>`; associated data `webhook_endpoint:<merchantId>:<id>`. */
  @Column({ name: 'secret_sealed', type: 'text' })
  secretSealed: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
