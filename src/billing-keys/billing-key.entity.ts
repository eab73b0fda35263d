import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { JsonColumn, TimestampColumn } from '../database/columns';

export type BillingKeyStatus = 'pending' | 'active' | 'failed' | 'revoked';
/** Merchant custom_data: a JSON object, opaque to us. Typed as `object` so the entity stays assignable to TypeORM's insert types. */
export type BillingKeyCustomData = object;
export const BILLING_KEY_STATUSES: readonly BillingKeyStatus[] = ['pending', 'active', 'failed', 'revoked'];

/**
 * A PG-agnostic billing key. `customerUid` is the PG-side key (PortOne customer_uid): minted here, random, opaque,
 * never taken from a client, unique across merchants so one PG-side key maps to exactly one row.
 */
@Entity('billing_keys')
@Index('ix_billing_keys_merchant_customer_page', ['merchantId', 'customerId', 'createdAt', 'id'])
@Index('ix_billing_keys_merchant_page', ['merchantId', 'createdAt', 'id'])
@Index('uq_billing_keys_customer_uid', ['customerUid'], { unique: true })
@Index('uq_billing_keys_merchant_uid', ['merchantUid'], { unique: true })
@Index('ix_billing_keys_pending_lookup', ['status', 'nextLookupAt'])
export class BillingKey {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 40 })
  customerId: string;

  /** Adapter code (`portone-paypal-rt`). */
  @Column({ type: 'varchar', length: 64 })
  gateway: string;

  @Column({ type: 'varchar', length: 16 })
  status: BillingKeyStatus;

  /** The id we minted and sent at issuance (PortOne customer_uid, Toss customerKey): the adapters' `issuedAs`. */
  @Column({ name: 'customer_uid', type: 'varchar', length: 80 })
  customerUid: string;

  /** The PG's own key when the PG mints it (Toss billingKey); null: customerUid is the PG's key. */
  @Column({ name: 'gateway_billing_key', type: 'varchar', length: 200, nullable: true })
  gatewayBillingKey?: string | null;

  /** SHA-256 (hex) of the client secret minted at creation; the secret itself is returned once and never stored. */
  @Column({ name: 'client_secret_hash', type: 'varchar', length: 64, nullable: true })
  clientSecretHash?: string | null;

  /** Where the return route sends the buyer after a successful redirect-based issuance. */
  @Column({ name: 'success_url', type: 'varchar', length: 2048, nullable: true })
  successUrl?: string | null;

  /** Where the return routes send the buyer after a failed one. */
  @Column({ name: 'fail_url', type: 'varchar', length: 2048, nullable: true })
  failUrl?: string | null;

  /** Why a revoked key was not deleted at the PG (`NOT_SUPPORTED`: the gateway cannot delete keys); null otherwise. */
  @Column({ name: 'revoke_reason', type: 'varchar', length: 32, nullable: true })
  revokeReason?: string | null;

  /** merchant_uid of the issuance (PortOne records the loadUI issuance as a payment under it). */
  @Column({ name: 'merchant_uid', type: 'varchar', length: 80 })
  merchantUid: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** Merchant-supplied custom_data passed through to the PG SDK request (opaque to us). */
  @JsonColumn({ name: 'custom_data', nullable: true })
  customData: BillingKeyCustomData | null;

  /** The PG's id of the issuance payment (imp_uid), once a completion or webhook pointed at it and it checked out. */
  @Column({ name: 'gateway_payment_id', type: 'varchar', length: 80, nullable: true })
  gatewayPaymentId: string | null;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode: string | null;

  @Column({ name: 'failure_message', type: 'varchar', length: 500, nullable: true })
  failureMessage: string | null;

  /** Set when a delete at the PG could not be confirmed (timeout): the key is revoked here, the PG side is retried. */
  @Column({ name: 'revoke_pending_at_pg', type: 'boolean', default: false })
  revokePendingAtPg: boolean;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;

  @TimestampColumn({ name: 'activated_at', nullable: true })
  activatedAt: Date | null;

  @TimestampColumn({ name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  /** Look-ups of a pending issuance by the reconciler so far (its webhook never came or was not applied). */
  @Column({ name: 'lookup_attempts', type: 'integer', default: 0 })
  lookupAttempts?: number;

  /** When the reconciler looks the pending issuance up next; null: after the grace period from createdAt. */
  @TimestampColumn({ name: 'next_lookup_at', nullable: true })
  nextLookupAt?: Date | null;
}
