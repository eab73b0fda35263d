import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { idColumn, moneyColumn, timestampColumn } from './migration.helpers';

/**
 * Subscriptions (with the scheduler's lease columns), charges (unique per subscription, cycle and attempt, and per
 * merchant_uid) and charge cancels. Portable: both engines.
 */
export class Charges1764028800007 implements MigrationInterface {
  name = 'Charges1764028800007';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'subscriptions',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          idColumn('customer_id'),
          idColumn('plan_id'),
          idColumn('billing_key_id'),
          { name: 'gateway', type: 'varchar', length: '64' },
          { name: 'status', type: 'varchar', length: '16' },
          moneyColumn('amount'),
          { name: 'currency', type: 'varchar', length: '3' },
          { name: 'plan_name', type: 'varchar', length: '200' },
          { name: 'interval', type: 'varchar', length: '8' },
          { name: 'interval_count', type: 'integer' },
          timestampColumn(q, 'anchor_at'),
          { name: 'cycle', type: 'integer' },
          { name: 'attempt', type: 'integer' },
          timestampColumn(q, 'current_period_start'),
          timestampColumn(q, 'current_period_end'),
          timestampColumn(q, 'next_charge_at', true),
          { name: 'cancel_at_period_end', type: 'boolean', default: false },
          timestampColumn(q, 'canceled_at', true),
          { name: 'cancel_reason', type: 'varchar', length: '32', isNullable: true },
          { name: 'lease_owner', type: 'varchar', length: '64', isNullable: true },
          timestampColumn(q, 'lease_expires_at', true),
          { name: 'lease_version', type: 'integer', default: 0 },
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_subscriptions_merchant', columnNames: ['merchant_id', 'created_at'] }),
          new TableIndex({ name: 'ix_subscriptions_due', columnNames: ['next_charge_at'] }),
          new TableIndex({ name: 'ix_subscriptions_merchant_due', columnNames: ['merchant_id', 'next_charge_at'] }),
        ],
        foreignKeys: [
          { columnNames: ['merchant_id'], referencedTableName: 'merchants', referencedColumnNames: ['id'] },
          { columnNames: ['customer_id'], referencedTableName: 'customers', referencedColumnNames: ['id'] },
          { columnNames: ['plan_id'], referencedTableName: 'plans', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'charges',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          { name: 'subscription_id', type: 'varchar', length: '40', isNullable: true },
          idColumn('customer_id'),
          idColumn('billing_key_id'),
          { name: 'gateway', type: 'varchar', length: '64' },
          { name: 'kind', type: 'varchar', length: '20' },
          { name: 'cycle', type: 'integer', isNullable: true },
          { name: 'attempt', type: 'integer' },
          { name: 'merchant_uid', type: 'varchar', length: '40' },
          moneyColumn('amount'),
          { name: 'currency', type: 'varchar', length: '3' },
          { name: 'order_name', type: 'varchar', length: '200' },
          { name: 'status', type: 'varchar', length: '20' },
          { name: 'gateway_payment_id', type: 'varchar', length: '100', isNullable: true },
          { name: 'failure_code', type: 'varchar', length: '64', isNullable: true },
          { name: 'failure_message', type: 'varchar', length: '500', isNullable: true },
          { name: 'decline_kind', type: 'varchar', length: '8', isNullable: true },
          { name: 'resendable', type: 'boolean', default: false },
          { ...moneyColumn('refunded_amount'), default: 0 },
          { ...moneyColumn('refund_reserved'), default: 0 },
          { name: 'lease_version', type: 'integer', default: 0 },
          { name: 'lookup_attempts', type: 'integer', default: 0 },
          timestampColumn(q, 'next_lookup_at', true),
          { name: 'review', type: 'boolean', default: false },
          { name: 'review_reason', type: 'varchar', length: '64', isNullable: true },
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'updated_at'),
          timestampColumn(q, 'settled_at', true),
        ],
        indices: [
          new TableIndex({ name: 'uq_charges_merchant_uid', columnNames: ['merchant_uid'], isUnique: true }),
          new TableIndex({
            name: 'uq_charges_subscription_cycle_attempt',
            columnNames: ['subscription_id', 'cycle', 'attempt'],
            isUnique: true,
          }),
          new TableIndex({ name: 'ix_charges_merchant', columnNames: ['merchant_id', 'created_at'] }),
          new TableIndex({ name: 'ix_charges_lookup', columnNames: ['next_lookup_at'] }),
          new TableIndex({ name: 'ix_charges_review', columnNames: ['merchant_id', 'review'] }),
        ],
        foreignKeys: [
          { columnNames: ['merchant_id'], referencedTableName: 'merchants', referencedColumnNames: ['id'] },
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'charge_cancels',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          idColumn('charge_id'),
          moneyColumn('amount'),
          { name: 'currency', type: 'varchar', length: '3' },
          { name: 'reason', type: 'varchar', length: '200' },
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'gateway_cancel_id', type: 'varchar', length: '100', isNullable: true },
          { name: 'failure_code', type: 'varchar', length: '64', isNullable: true },
          { name: 'failure_message', type: 'varchar', length: '500', isNullable: true },
          { name: 'lookup_attempts', type: 'integer', default: 0 },
          timestampColumn(q, 'next_lookup_at', true),
          { name: 'review', type: 'boolean', default: false },
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'updated_at'),
          timestampColumn(q, 'settled_at', true),
        ],
        indices: [
          new TableIndex({ name: 'ix_charge_cancels_charge', columnNames: ['charge_id', 'created_at'] }),
          new TableIndex({ name: 'ix_charge_cancels_lookup', columnNames: ['next_lookup_at'] }),
        ],
        foreignKeys: [{ columnNames: ['charge_id'], referencedTableName: 'charges', referencedColumnNames: ['id'] }],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('charge_cancels');
    await q.dropTable('charges');
    await q.dropTable('subscriptions');
  }
}
