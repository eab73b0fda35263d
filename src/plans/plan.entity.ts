import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { MoneyColumn, TimestampColumn } from '../database/columns';

export const PLAN_INTERVALS = ['day', 'week', 'month', 'year'] as const;
export type PlanInterval = (typeof PLAN_INTERVALS)[number];

@Entity('plans')
@Index('ix_plans_merchant_page', ['merchantId', 'createdAt', 'id'])
export class Plan {
  @PrimaryColumn({ type: 'varchar', length: 40 })
  id: string;

  @Column({ name: 'merchant_id', type: 'varchar', length: 40 })
  merchantId: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** Integer minor units of `currency`. */
  @MoneyColumn()
  amount: number;

  @Column({ type: 'varchar', length: 3 })
  currency: string;

  @Column({ type: 'varchar', length: 8 })
  interval: PlanInterval;

  @Column({ name: 'interval_count', type: 'integer' })
  intervalCount: number;

  @TimestampColumn({ name: 'created_at' })
  createdAt: Date;

  /** Set once by `POST /v1/plans/{id}/archive`: the plan takes no new subscriptions; existing ones keep billing. */
  @TimestampColumn({ name: 'archived_at', nullable: true })
  archivedAt: Date | null;
}
