import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';
import { idColumn } from './migration.helpers';

/** The plan a subscription moves to at its next period (`PATCH /v1/subscriptions/{id}` with `planId`). */
export class SubscriptionPendingPlan1764201600041 implements MigrationInterface {
  name = 'SubscriptionPendingPlan1764201600041';

  async up(q: QueryRunner): Promise<void> {
    await q.addColumn('subscriptions', new TableColumn({ ...idColumn('pending_plan_id'), isNullable: true }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('subscriptions', 'pending_plan_id');
  }
}
