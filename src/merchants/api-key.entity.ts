import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

/** One of a merchant's API keys, stored only as its SHA-256; the key itself is shown once, at creation. */
@Entity('api_keys')
@Index('ix_api_keys_merchant_page', ['merchantId', 'createdAt', 'id'])
export class ApiKey {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Index('uq_api_keys_key_hash', { unique: true })
  @Column({ name: 'key_hash', type: 'varchar', length: 64 })
  keyHash: string;

  /** The key's first characters (`mk_` and a few more): enough to tell keys apart, nothing to guess from. */
  @Column({ type: 'varchar', length: 16 })
  prefix: string;

  /** Its last four characters; null for the creation keys moved from `merchants`, whose were never stored. */
  @Column({ type: 'varchar', length: 4, nullable: true })
  last4: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  /** Written at most once a minute per key and instance (see MerchantsService.authenticate). */
  @TimestampColumn({ name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @TimestampColumn({ name: 'revoked_at', nullable: true })
  revokedAt: Date | null;
}
