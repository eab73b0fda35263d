import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

@Entity('merchants')
export class Merchant {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'varchar', length: 40 })
  industry: string;

  @Column({ name: 'retail_fulfillment', type: 'varchar', length: 40, nullable: true })
  retailFulfillment: string | null;

  @Column({ name: 'paypal_account_id', type: 'varchar', length: 64, nullable: true })
  paypalAccountId: string | null;

  @Column({ type: 'varchar', length: 2, nullable: true })
  country: string | null;

  /** Where the Toss success/fail redirects send the buyer afterwards (optional). */
  @Column({ name: 'return_url', type: 'varchar', length: 500, nullable: true })
  returnUrl: string | null;

  /** Origins (scheme://host[:port]) whose browsers may call the client-secret routes; null: none. */
  @JsonColumn({ name: 'allowed_origins', nullable: true })
  allowedOrigins?: string[] | null;

  /** SHA-256 of the API key: the key itself is shown once and never stored. */
  @Index('uq_merchants_api_key_hash', { unique: true })
  @Column({ name: 'api_key_hash', type: 'varchar', length: 64 })
  apiKeyHash: string;

  @Column({ name: 'api_key_prefix', type: 'varchar', length: 16 })
  apiKeyPrefix: string;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
