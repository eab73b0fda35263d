import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One-time payments through a PG-agnostic core (issue 24): orders name their gateway. The tables keep their names
 * (`toss_orders`, `toss_order_cancels`, `toss_webhook_events`: renaming them would rewrite the tables on SQLite and break
 * a rolling deploy on both engines); the column is added in place, and every existing order was a
 * `toss-foreign-pay` order, which the default records.
 */
export class OneTimeOrdersGateway1764201600016 implements MigrationInterface {
  name = 'OneTimeOrdersGateway1764201600016';

  async up(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE toss_orders ADD COLUMN gateway varchar(63) NOT NULL DEFAULT 'toss-foreign-pay'");
  }

  async down(q: QueryRunner): Promise<void> {
    // In place on both engines (SQLite 3.35+): TypeORM's dropColumn rebuilds the table on SQLite, which its cancels'
    // foreign key refuses while rows exist.
    await q.query('ALTER TABLE toss_orders DROP COLUMN gateway');
  }
}
