import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { idColumn, timestampColumn } from './migration.helpers';

/** Placeholder of the events outbox (owned by the `events` branch; replaced by its migration at merge). */
export class Events1764201600040 implements MigrationInterface {
  name = 'Events1764201600040';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'events',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          { name: 'type', type: 'varchar', length: '64' },
          { name: 'object_type', type: 'varchar', length: '20' },
          idColumn('object_id'),
          { name: 'sequence', type: 'integer' },
          { name: 'data', type: 'text' },
          timestampColumn(q, 'created_at'),
          timestampColumn(q, 'fanned_out_at', true),
        ],
        indices: [
          new TableIndex({
            name: 'uq_events_object_sequence',
            columnNames: ['merchant_id', 'object_id', 'sequence'],
            isUnique: true,
          }),
          new TableIndex({ name: 'ix_events_fanned_out', columnNames: ['fanned_out_at'] }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('events');
  }
}
