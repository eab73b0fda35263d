import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PG-agnostic billing keys (issue 24), nullable columns added in place (no table rewrite on either engine; existing
 * rows read as "PortOne, callback flow"):
 * - `gateway_billing_key`: the PG's own key when the PG mints it (Toss `billingKey`); null = customer_uid is the key;
 * - `client_secret_hash`: SHA-256 of the client secret minted at creation (the secret is returned once);
 * - `success_url` / `fail_url`: where the return routes send the buyer after a redirect-based issuance;
 * - `revoke_reason`: why a revoked key was not deleted at the PG (`NOT_SUPPORTED`), null otherwise.
 */
export class GatewayAgnosticBillingKeys1764201600015 implements MigrationInterface {
  name = 'GatewayAgnosticBillingKeys1764201600015';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE billing_keys ADD COLUMN gateway_billing_key varchar(200) NULL');
    await q.query('ALTER TABLE billing_keys ADD COLUMN client_secret_hash varchar(64) NULL');
    await q.query('ALTER TABLE billing_keys ADD COLUMN success_url varchar(2048) NULL');
    await q.query('ALTER TABLE billing_keys ADD COLUMN fail_url varchar(2048) NULL');
    await q.query('ALTER TABLE billing_keys ADD COLUMN revoke_reason varchar(32) NULL');
  }

  async down(q: QueryRunner): Promise<void> {
    for (const c of ['revoke_reason', 'fail_url', 'success_url', 'client_secret_hash', 'gateway_billing_key'])
      await q.dropColumn('billing_keys', c);
  }
}
