import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Browsers on the customer-present steps (issue 26), nullable columns added in place:
 * - `toss_orders.client_secret_hash`: SHA-256 of the order's client secret (returned once at creation);
 * - `merchants.allowed_origins`: JSON array of the origins that get CORS headers on the client-secret routes.
 */
export class ClientSecretsAndOrigins1764201600070 implements MigrationInterface {
  name = 'ClientSecretsAndOrigins1764201600070';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE toss_orders ADD COLUMN client_secret_hash varchar(64) NULL');
    await q.query('ALTER TABLE merchants ADD COLUMN allowed_origins text NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('merchants', 'allowed_origins');
    await q.dropColumn('toss_orders', 'client_secret_hash');
  }
}
