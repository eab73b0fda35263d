import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { idColumn, timestampColumn } from './migration.helpers';

/** Billing keys (PG-agnostic; customer_uid and issuance merchant_uid unique). Portable: both engines. */
export class BillingKeys1764028800006 implements MigrationInterface {
  name = 'BillingKeys1764028800006';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'billing_keys',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          idColumn('customer_id'),
          { name: 'gateway', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'customer_uid', type: 'varchar', length: '80' },
          { name: 'merchant_uid', type: 'varchar', length: '80' },
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'custom_data', type: 'text', isNullable: true },
          { name: 'gateway_payment_id', type: 'varchar', length: '80', isNullable: true },
          { name: 'failure_code', type: 'varchar', length: '64', isNullable: true },
          { name: 'failure_message', type: 'varchar', length: '500', isNullable: true },
          { name: 'revoke_pending_at_pg', type: 'boolean', default: false },
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'updated_at'),
          timestampColumn(q, 'activated_at', true),
          timestampColumn(q, 'revoked_at', true),
        ],
        indices: [
          new TableIndex({
            name: 'ix_billing_keys_merchant_customer',
            columnNames: ['merchant_id', 'customer_id', 'created_at'],
          }),
          new TableIndex({ name: 'uq_billing_keys_customer_uid', columnNames: ['customer_uid'], isUnique: true }),
          new TableIndex({ name: 'uq_billing_keys_merchant_uid', columnNames: ['merchant_uid'], isUnique: true }),
        ],
        foreignKeys: [
          { columnNames: ['merchant_id'], referencedTableName: 'merchants', referencedColumnNames: ['id'] },
          { columnNames: ['customer_id'], referencedTableName: 'customers', referencedColumnNames: ['id'] },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('billing_keys');
  }
}
