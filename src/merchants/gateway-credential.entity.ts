import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

/** A merchant's own PG credentials, AES-256-GCM encrypted; only masked hints are ever read back out. */
@Entity('merchant_gateway_credentials')
@Index('uq_gateway_credentials_merchant_gateway', ['merchantId', 'gateway'], { unique: true })
export class GatewayCredential {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ type: 'varchar', length: 40 })
  gateway: string;

  /** `v1.<iv>.<tag>.<ciphertext>` (base64url), see SecretBox. */
  @Column({ type: 'text' })
  ciphertext: string;

  @JsonColumn()
  hints: Record<string, string>;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
