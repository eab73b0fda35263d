import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

/**
 * One STC/risk evaluation, append-only (the repository has no update or delete). Holds key NAMES only: the values
 * sent to the PG are personal data (names, email, phone) and are rebuilt from the records when needed, never kept here.
 */
@Entity('risk_decisions')
@Index('ix_risk_decisions_merchant', ['merchantId', 'createdAt', 'id'])
@Index('ix_risk_decisions_merchant_customer', ['merchantId', 'customerId', 'createdAt', 'id'])
export class RiskDecision {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 40, nullable: true })
  customerId: string | null;

  /** `billing_key_issue` | `charge` | `preflight`. */
  @Column({ type: 'varchar', length: 32 })
  purpose: string;

  /** The merchant's STC policy at the time (`required` | `recommended`). */
  @Column({ type: 'varchar', length: 16 })
  policy: string;

  /** The industry the policy and the extra-key table were read from, at the time. */
  @Column({ type: 'varchar', length: 40 })
  industry: string;

  @JsonColumn({ name: 'keys_sent' })
  keysSent: string[];

  @JsonColumn({ name: 'keys_missing' })
  keysMissing: string[];

  /** Keys of the caller's risk context that were refused (unknown for the industry or a bad value). */
  @JsonColumn({ name: 'keys_invalid' })
  keysInvalid: string[];

  /** `sent` | `sent_partial` | `refused`. */
  @Column({ type: 'varchar', length: 16 })
  outcome: string;

  /** The error code when refused. */
  @Column({ name: 'error_code', type: 'varchar', length: 40, nullable: true })
  errorCode: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;
}
