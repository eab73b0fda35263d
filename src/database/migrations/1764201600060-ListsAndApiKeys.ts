import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { idColumn, timestampColumn } from './migration.helpers';

/** Each list's keyset: (merchant_id, [filter,] created_at, id), so `keysetPage` reads one index range per page. */
const PAGE_INDEXES: Array<{ table: string; replaces?: [string, string[]]; name: string; columns: string[] }> = [
  {
    table: 'customers',
    replaces: ['ix_customers_merchant', ['merchant_id', 'created_at']],
    name: 'ix_customers_merchant_page',
    columns: [],
  },
  {
    table: 'plans',
    replaces: ['ix_plans_merchant', ['merchant_id', 'created_at']],
    name: 'ix_plans_merchant_page',
    columns: [],
  },
  {
    table: 'billing_keys',
    replaces: ['ix_billing_keys_merchant_customer', ['merchant_id', 'customer_id', 'created_at']],
    name: 'ix_billing_keys_merchant_customer_page',
    columns: ['customer_id'],
  },
  { table: 'billing_keys', name: 'ix_billing_keys_merchant_page', columns: [] },
  {
    table: 'subscriptions',
    replaces: ['ix_subscriptions_merchant', ['merchant_id', 'created_at']],
    name: 'ix_subscriptions_merchant_page',
    columns: [],
  },
  { table: 'subscriptions', name: 'ix_subscriptions_merchant_customer_page', columns: ['customer_id'] },
  { table: 'subscriptions', name: 'ix_subscriptions_merchant_status_page', columns: ['status'] },
  {
    table: 'charges',
    replaces: ['ix_charges_merchant', ['merchant_id', 'created_at']],
    name: 'ix_charges_merchant_page',
    columns: [],
  },
  { table: 'charges', name: 'ix_charges_merchant_customer_page', columns: ['customer_id'] },
  { table: 'charges', name: 'ix_charges_merchant_status_page', columns: ['status'] },
  { table: 'charges', name: 'ix_charges_merchant_subscription_page', columns: ['subscription_id'] },
  {
    table: 'charges',
    replaces: ['ix_charges_review', ['merchant_id', 'review']],
    name: 'ix_charges_merchant_review_page',
    columns: ['review'],
  },
  {
    table: 'toss_orders',
    replaces: ['ix_toss_orders_merchant', ['merchant_id', 'created_at']],
    name: 'ix_toss_orders_merchant_page',
    columns: [],
  },
  { table: 'toss_orders', name: 'ix_toss_orders_merchant_status_page', columns: ['status'] },
];

/**
 * Lists, plan archiving and several API keys per merchant (issue 26):
 * - the page indexes above (the old (merchant_id, created_at) ones they extend are dropped: a prefix of the new one);
 * - `plans.archived_at` (nullable, added in place: no table rewrite on either engine);
 * - `api_keys`, seeded with each merchant's creation key (its hash and prefix, moved from `merchants`), so that key
 *   is the first listed one. `merchants.api_key_hash` stays as it was for a rollback to the previous release; the
 *   guard reads `api_keys` only.
 */
export class ListsAndApiKeys1764201600060 implements MigrationInterface {
  name = 'ListsAndApiKeys1764201600060';

  async up(q: QueryRunner): Promise<void> {
    const pg = q.connection.driver.options.type === 'postgres';
    for (const ix of PAGE_INDEXES) {
      if (ix.replaces) await q.dropIndex(ix.table, ix.replaces[0]);
      await q.createIndex(
        ix.table,
        new TableIndex({ name: ix.name, columnNames: ['merchant_id', ...ix.columns, 'created_at', 'id'] }),
      );
    }
    await q.query(`ALTER TABLE plans ADD COLUMN archived_at ${pg ? 'timestamptz' : 'datetime'} NULL`);
    await q.createTable(
      new Table({
        name: 'api_keys',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          { name: 'key_hash', type: 'varchar', length: '64' },
          { name: 'prefix', type: 'varchar', length: '16' },
          { name: 'last4', type: 'varchar', length: '4', isNullable: true },
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'last_used_at', true),
          timestampColumn(q, 'revoked_at', true),
        ],
        indices: [
          new TableIndex({ name: 'uq_api_keys_key_hash', columnNames: ['key_hash'], isUnique: true }),
          new TableIndex({ name: 'ix_api_keys_merchant_page', columnNames: ['merchant_id', 'created_at', 'id'] }),
        ],
      }),
    );
    // The creation key keeps its merchant's creation time (first in the list); its last four were never stored.
    await q.query(
      `INSERT INTO api_keys (id, merchant_id, key_hash, prefix, last4, created_at, last_used_at, revoked_at) ` +
        `SELECT 'key_' || substr(id, 5), id, api_key_hash, api_key_prefix, NULL, created_at, NULL, NULL FROM merchants`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('api_keys');
    await q.dropColumn('plans', 'archived_at');
    for (const ix of [...PAGE_INDEXES].reverse()) {
      await q.dropIndex(ix.table, ix.name);
      if (ix.replaces) {
        await q.createIndex(ix.table, new TableIndex({ name: ix.replaces[0], columnNames: ix.replaces[1] }));
      }
    }
  }
}
