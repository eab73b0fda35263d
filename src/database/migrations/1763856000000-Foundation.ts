import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { idColumn, moneyColumn, timestampColumn } from './migration.helpers';

/** Merchants, their encrypted PG credentials, customers, plans and idempotency records. Portable: both engines. */
export class Foundation1763856000000 implements MigrationInterface {
  name = 'Foundation1763856000000';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'merchants',
        columns: [
          idColumn('id', true),
          { name: 'name', type: 'varchar', length: '200' },
          { name: 'industry', type: 'varchar', length: '40' },
          { name: 'retail_fulfillment', type: 'varchar', length: '40', isNullable: true },
          { name: 'paypal_account_id', type: 'varchar', length: '64', isNullable: true },
          { name: 'country', type: 'varchar', length: '2', isNullable: true },
          { name: 'return_url', type: 'varchar', length: '500', isNullable: true },
          { name: 'api_key_hash', type: 'varchar', length: '64' },
          { name: 'api_key_prefix', type: 'varchar', length: '16' },
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'updated_at'),
        ],
        indices: [new TableIndex({ name: 'uq_merchants_api_key_hash', columnNames: ['api_key_hash'], isUnique: true })],
      }),
    );
    await q.createTable(
      new Table({
        name: 'merchant_gateway_credentials',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          { name: 'gateway', type: 'varchar', length: '40' },
          { name: 'ciphertext', type: 'text' },
          { name: 'hints', type: 'text' },
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'updated_at'),
        ],
        indices: [
          new TableIndex({
            name: 'uq_gateway_credentials_merchant_gateway',
            columnNames: ['merchant_id', 'gateway'],
            isUnique: true,
          }),
        ],
        foreignKeys: [
          { columnNames: ['merchant_id'], referencedTableName: 'merchants', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'customers',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          { name: 'email', type: 'varchar', length: '320' },
          { name: 'first_name', type: 'varchar', length: '100' },
          { name: 'last_name', type: 'varchar', length: '100' },
          { name: 'phone', type: 'varchar', length: '32', isNullable: true },
          { name: 'country_code', type: 'varchar', length: '2' },
          timestampColumn(q, 'account_created_at', true),
          { name: 'external_id', type: 'varchar', length: '100', isNullable: true },
          timestampColumn(q, 'created_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_customers_merchant', columnNames: ['merchant_id', 'created_at'] }),
          new TableIndex({
            name: 'uq_customers_merchant_external',
            columnNames: ['merchant_id', 'external_id'],
            isUnique: true,
          }),
        ],
        foreignKeys: [
          { columnNames: ['merchant_id'], referencedTableName: 'merchants', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'plans',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          { name: 'name', type: 'varchar', length: '200' },
          moneyColumn('amount'),
          { name: 'currency', type: 'varchar', length: '3' },
          { name: 'interval', type: 'varchar', length: '8' },
          { name: 'interval_count', type: 'integer' },
          timestampColumn(q, 'created_at'),
        ],
        indices: [new TableIndex({ name: 'ix_plans_merchant', columnNames: ['merchant_id', 'created_at'] })],
        foreignKeys: [
          { columnNames: ['merchant_id'], referencedTableName: 'merchants', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'idempotency_records',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          { name: 'key', type: 'varchar', length: '255' },
          { name: 'request_hash', type: 'varchar', length: '64' },
          { name: 'state', type: 'varchar', length: '16' },
          { name: 'response_status', type: 'integer', isNullable: true },
          { name: 'response_body', type: 'text', isNullable: true },
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'expires_at'),
        ],
        indices: [
          new TableIndex({ name: 'uq_idempotency_merchant_key', columnNames: ['merchant_id', 'key'], isUnique: true }),
          new TableIndex({ name: 'ix_idempotency_expires', columnNames: ['expires_at'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['idempotency_records', 'plans', 'customers', 'merchant_gateway_credentials', 'merchants']) {
      await q.dropTable(t);
    }
  }
}
