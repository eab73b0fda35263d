import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A subscription's per-charge PayPal STC keys (JSON text, null when none). A nullable column added in place: no table
 * rewrite on PostgreSQL, none on SQLite either (plain ALTER TABLE ADD COLUMN), and existing rows read as "none".
 */
export class SubscriptionRiskContext1764201600008 implements MigrationInterface {
  name = 'SubscriptionRiskContext1764201600008';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE subscriptions ADD COLUMN risk_context text NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('subscriptions', 'risk_context');
  }
}
