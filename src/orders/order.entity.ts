import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { MoneyColumn, TimestampColumn } from '../database/columns';

/**
 * `created` → (success redirect claims it) `confirming` → `paid` | `failed` | `unknown` | `mismatch`;
 * `paid` → `partially_canceled` → `canceled`. `failed` orders stay payable (a new checkout window of the same order
 * can still be confirmed: nothing was charged). `unknown` is resolved by looking the payment up, never failed.
 */
export const ORDER_STATUSES = [
  'created',
  'confirming',
  'paid',
  'failed',
  'unknown',
  'mismatch',
  'partially_canceled',
  'canceled',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
/** Statuses whose refundable balance can be cancelled. */
export const CANCELABLE_STATUSES: readonly OrderStatus[] = ['paid', 'partially_canceled'];

/**
 * A one-time order at any gateway with `oneTimePayments`. The amount is ours, stored before the buyer sees the
 * checkout. The table keeps its first name (`toss_orders`, from the first such gateway); `gateway` says whose it is.
 */
@Entity('toss_orders')
@Index('ix_toss_orders_merchant', ['merchantId', 'createdAt'])
@Index('ix_toss_orders_merchant_payment_key', ['merchantId', 'gatewayPaymentId'])
export class Order {
  /** Our orderId, also the PG's reference: globally unique, so the browser redirects find the merchant from it. */
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  /** The registered gateway code the order is paid through. */
  @Column({ type: 'varchar', length: 63 })
  gateway: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 40, nullable: true })
  customerId: string | null;

  @Column({ name: 'order_name', type: 'varchar', length: 100 })
  orderName: string;

  @MoneyColumn()
  amount: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  /** The buyer's country sent to the SDK. */
  @Column({ type: 'varchar', length: 2 })
  country: string;

  @Column({ type: 'varchar', length: 24 })
  status: OrderStatus;

  /** The PG's id of the checkout being (or that was) confirmed; set when the success redirect claims the order. */
  @Column({ name: 'payment_key', type: 'varchar', length: 200, nullable: true })
  gatewayPaymentId: string | null;

  /** Cancelled and done at the PG (minor units). */
  @MoneyColumn({ name: 'refunded_amount', default: 0 })
  refundedAmount: number;

  /** Held by cancels not finished yet (requested, in progress or unknown): never refundable twice. */
  @MoneyColumn({ name: 'reserved_amount', default: 0 })
  reservedAmount: number;

  /** The PG's own payment status, verbatim, as last seen. */
  @Column({ name: 'toss_status', type: 'varchar', length: 32, nullable: true })
  gatewayStatus: string | null;

  @Column({ type: 'varchar', length: 40, nullable: true })
  method: string | null;

  @Column({ name: 'easy_pay_provider', type: 'varchar', length: 40, nullable: true })
  easyPayProvider: string | null;

  @Column({ name: 'receipt_url', type: 'varchar', length: 500, nullable: true })
  receiptUrl: string | null;

  @TimestampColumn({ name: 'approved_at', nullable: true })
  approvedAt: Date | null;

  /** What the PG reported it charged, when it differs from ours the order is `mismatch`. */
  @MoneyColumn({ name: 'reported_amount', nullable: true })
  reportedAmount: number | null;

  @Column({ name: 'reported_currency', type: 'varchar', length: 3, nullable: true })
  reportedCurrency: string | null;

  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode: string | null;

  @Column({ name: 'failure_message', type: 'varchar', length: 500, nullable: true })
  failureMessage: string | null;

  /** Set for a tampered redirect amount or a confirmed amount that differs from the order (kept for review). */
  @Column({ name: 'flag_reason', type: 'varchar', length: 64, nullable: true })
  flagReason: string | null;

  @Column({ name: 'stc_decision_id', type: 'varchar', length: 40, nullable: true })
  stcDecisionId: string | null;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  @TimestampColumn({ name: 'updated_at' })
  updatedAt: Date;
}
