import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { idColumn, timestampColumn } from './migration.helpers';

/** Risk module: the append-only STC decision record and Fraudnet merchant_uid reservations. Portable: both engines. */
export class Risk1763942400004 implements MigrationInterface {
  name = 'Risk1763942400004';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'risk_decisions',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          { name: 'customer_id', type: 'varchar', length: '40', isNullable: true },
          { name: 'purpose', type: 'varchar', length: '32' },
          { name: 'policy', type: 'varchar', length: '16' },
          { name: 'industry', type: 'varchar', length: '40' },
          { name: 'keys_sent', type: 'text' },
          { name: 'keys_missing', type: 'text' },
          { name: 'keys_invalid', type: 'text' },
          { name: 'outcome', type: 'varchar', length: '16' },
          { name: 'error_code', type: 'varchar', length: '40', isNullable: true },
          timestampColumn(q, 'created_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_risk_decisions_merchant', columnNames: ['merchant_id', 'created_at', 'id'] }),
          new TableIndex({
            name: 'ix_risk_decisions_merchant_customer',
            columnNames: ['merchant_id', 'customer_id', 'created_at', 'id'],
          }),
        ],
        foreignKeys: [
          { columnNames: ['merchant_id'], referencedTableName: 'merchants', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'fraudnet_reservations',
        columns: [
          idColumn('merchant_uid', true),
          idColumn('merchant_id'),
          { name: 'page_type', type: 'varchar', length: '32' },
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'expires_at'),
          timestampColumn(q, 'used_at', true),
        ],
        indices: [
          new TableIndex({ name: 'ix_fraudnet_reservations_merchant', columnNames: ['merchant_id', 'created_at'] }),
          new TableIndex({ name: 'ix_fraudnet_reservations_expires', columnNames: ['expires_at'] }),
        ],
        foreignKeys: [
          { columnNames: ['merchant_id'], referencedTableName: 'merchants', referencedColumnNames: ['id'] },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('fraudnet_reservations');
    await q.dropTable('risk_decisions');
  }
}
