import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { idColumn, moneyColumn, timestampColumn } from './migration.helpers';

/** Toss foreign easy pay: orders, their cancel attempts and applied webhook deliveries. Portable: both engines. */
export class TossForeignPay1764028800005 implements MigrationInterface {
  name = 'TossForeignPay1764028800005';

  async up(q: QueryRunner): Promise<void> {
    const text = (name: string, length: number, nullable = true) => ({
      name,
      type: 'varchar',
      length: String(length),
      isNullable: nullable,
    });
    await q.createTable(
      new Table({
        name: 'toss_orders',
        columns: [
          { name: 'id', type: 'varchar', length: '64', isPrimary: true },
          idColumn('merchant_id'),
          text('customer_id', 40),
          text('order_name', 100, false),
          moneyColumn('amount'),
          text('currency', 3, false),
          text('country', 2, false),
          text('status', 24, false),
          text('payment_key', 200),
          { ...moneyColumn('refunded_amount'), default: 0 },
          { ...moneyColumn('reserved_amount'), default: 0 },
          text('toss_status', 32),
          text('method', 40),
          text('easy_pay_provider', 40),
          text('receipt_url', 500),
          timestampColumn(q, 'approved_at', true),
          moneyColumn('reported_amount', true),
          text('reported_currency', 3),
          text('failure_code', 64),
          text('failure_message', 500),
          text('flag_reason', 64),
          text('stc_decision_id', 40),
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_toss_orders_merchant', columnNames: ['merchant_id', 'created_at'] }),
          new TableIndex({ name: 'ix_toss_orders_merchant_payment_key', columnNames: ['merchant_id', 'payment_key'] }),
        ],
        foreignKeys: [
          { columnNames: ['merchant_id'], referencedTableName: 'merchants', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'toss_order_cancels',
        columns: [
          idColumn('id', true),
          { name: 'order_id', type: 'varchar', length: '64' },
          idColumn('merchant_id'),
          text('idempotency_key', 64, false),
          moneyColumn('amount'),
          text('currency', 3, false),
          { name: 'kind', type: 'varchar', length: '16', default: "'refund'" },
          { name: 'full', type: 'boolean', default: false },
          text('reason', 200, false),
          text('status', 16, false),
          text('transaction_key', 64),
          text('toss_cancel_status', 16),
          text('failure_code', 64),
          text('failure_message', 500),
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_toss_order_cancels_order', columnNames: ['order_id', 'created_at'] }),
          new TableIndex({
            name: 'ix_toss_order_cancels_merchant_tx',
            columnNames: ['merchant_id', 'transaction_key'],
          }),
          new TableIndex({
            name: 'uq_toss_order_cancels_idempotency_key',
            columnNames: ['idempotency_key'],
            isUnique: true,
          }),
        ],
        foreignKeys: [{ columnNames: ['order_id'], referencedTableName: 'toss_orders', referencedColumnNames: ['id'] }],
      }),
    );
    await q.createTable(
      new Table({
        name: 'toss_webhook_events',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          text('transmission_id', 200, false),
          text('event_type', 40, false),
          text('order_id', 64),
          timestampColumn(q, 'received_at'),
        ],
        indices: [
          new TableIndex({
            name: 'uq_toss_webhook_events_transmission',
            columnNames: ['merchant_id', 'transmission_id'],
            isUnique: true,
          }),
        ],
        foreignKeys: [
          { columnNames: ['merchant_id'], referencedTableName: 'merchants', referencedColumnNames: ['id'] },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('toss_webhook_events');
    await q.dropTable('toss_order_cancels');
    await q.dropTable('toss_orders');
  }
}
