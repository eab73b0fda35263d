import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { idColumn, timestampColumn } from './migration.helpers';

/** Merchants' webhook endpoints and the deliveries of events to them (src/webhook-endpoints). Portable. */
export class WebhookEndpoints1764201600050 implements MigrationInterface {
  name = 'WebhookEndpoints1764201600050';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'webhook_endpoints',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          { name: 'url', type: 'varchar', length: '2048' },
          { name: 'events', type: 'text' },
          { name: 'secret_sealed', type: 'text' },
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'updated_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_webhook_endpoints_merchant', columnNames: ['merchant_id', 'created_at', 'id'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          idColumn('endpoint_id'),
          idColumn('event_id'),
          { name: 'event_type', type: 'varchar', length: '64' },
          idColumn('object_id'),
          { name: 'sequence', type: 'integer' },
          timestampColumn(q, 'event_created_at'),
          { name: 'status', type: 'varchar', length: '16' },
          { name: 'attempts', type: 'integer', default: 0 },
          timestampColumn(q, 'next_attempt_at', true),
          timestampColumn(q, 'last_attempt_at', true),
          { name: 'last_status_code', type: 'integer', isNullable: true },
          { name: 'last_error', type: 'varchar', length: '200', isNullable: true },
          timestampColumn(q, 'delivered_at', true),
          { name: 'lease_owner', type: 'varchar', length: '64', isNullable: true },
          timestampColumn(q, 'lease_expires_at', true),
          { name: 'lease_version', type: 'integer', default: 0 },
          timestampColumn(q, 'created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'uq_webhook_deliveries_endpoint_event',
            columnNames: ['endpoint_id', 'event_id'],
            isUnique: true,
          }),
          new TableIndex({ name: 'ix_webhook_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({
            name: 'ix_webhook_deliveries_object',
            columnNames: ['endpoint_id', 'object_id', 'status', 'sequence'],
          }),
          new TableIndex({
            name: 'ix_webhook_deliveries_endpoint_page',
            columnNames: ['endpoint_id', 'created_at', 'id'],
          }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('webhook_deliveries');
    await q.dropTable('webhook_endpoints');
  }
}
