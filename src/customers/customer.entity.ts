import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { TimestampColumn } from '../database/columns';

@Entity('customers')
@Index('ix_customers_merchant_page', ['merchantId', 'createdAt', 'id'])
@Index('uq_customers_merchant_external', ['merchantId', 'externalId'], { unique: true })
export class Customer {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ type: 'varchar', length: 320 })
  email: string;

  @Column({ name: 'first_name', type: 'varchar', length: 100 })
  firstName: string;

  @Column({ name: 'last_name', type: 'varchar', length: 100 })
  lastName: string;

  @Column({ type: 'varchar', length: 32, nullable: true })
  phone: string | null;

  @Column({ name: 'country_code', type: 'varchar', length: 2 })
  countryCode: string;

  /** When the buyer's account was created at the merchant (PayPal STC `sender_create_date`). */
  @TimestampColumn({ name: 'account_created_at', nullable: true })
  accountCreatedAt: Date | null;

  @Column({ name: 'external_id', type: 'varchar', length: 100, nullable: true })
  externalId: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;
}
