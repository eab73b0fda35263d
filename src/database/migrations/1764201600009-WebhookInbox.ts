import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import { idColumn, timestampColumn } from './migration.helpers';

/**
 * Webhook pointers kept for the reconciler (webhook_pointers), the retention index of toss_webhook_events, and the
 * look-up schedule of billing keys left pending, and charge cancels made outside the API (`external`). Portable: both
 * engines.
 */
export class WebhookInbox1764201600009 implements MigrationInterface {
  name = 'WebhookInbox1764201600009';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'webhook_pointers',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          { name: 'gateway', type: 'varchar', length: '64' },
          { name: 'dedup_key', type: 'varchar', length: '240' },
          { name: 'reference', type: 'varchar', length: '80', isNullable: true },
          { name: 'gateway_payment_id', type: 'varchar', length: '200', isNullable: true },
          { name: 'event', type: 'varchar', length: '40', isNullable: true },
          { name: 'refund_noticed', type: 'boolean', default: false },
          { name: 'attempts', type: 'integer', default: 0 },
          timestampColumn(q, 'next_attempt_at'),
          timestampColumn(q, 'created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'uq_webhook_pointers_dedup',
            columnNames: ['merchant_id', 'gateway', 'dedup_key'],
            isUnique: true,
          }),
          new TableIndex({ name: 'ix_webhook_pointers_due', columnNames: ['gateway', 'next_attempt_at'] }),
        ],
      }),
    );
    await q.createIndex(
      'toss_webhook_events',
      new TableIndex({ name: 'ix_toss_webhook_events_received', columnNames: ['received_at'] }),
    );
    await q.addColumns('billing_keys', [
      new TableColumn({ name: 'lookup_attempts', type: 'integer', default: 0 }),
      new TableColumn(timestampColumn(q, 'next_lookup_at', true)),
    ]);
    await q.createIndex(
      'billing_keys',
      new TableIndex({ name: 'ix_billing_keys_pending_lookup', columnNames: ['status', 'next_lookup_at'] }),
    );
    await q.addColumn('charge_cancels', new TableColumn({ name: 'external', type: 'boolean', default: false }));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropColumn('charge_cancels', 'external');
    await q.dropIndex('billing_keys', 'ix_billing_keys_pending_lookup');
    await q.dropColumn('billing_keys', 'next_lookup_at');
    await q.dropColumn('billing_keys', 'lookup_attempts');
    await q.dropIndex('toss_webhook_events', 'ix_toss_webhook_events_received');
    await q.dropTable('webhook_pointers');
  }
}
