import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { idColumn, timestampColumn } from './migration.helpers';

/**
 * The events outbox (`events`), written in the same transaction as each state change, and the per-object counter
 * (`event_sequences`) that numbers an object's events 1, 2, 3… under concurrent writers. Portable: both engines.
 */
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
          { name: 'object_type', type: 'varchar', length: '32' },
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
          new TableIndex({ name: 'ix_events_merchant_created', columnNames: ['merchant_id', 'created_at', 'id'] }),
          new TableIndex({
            name: 'ix_events_merchant_type_created',
            columnNames: ['merchant_id', 'type', 'created_at', 'id'],
          }),
          new TableIndex({ name: 'ix_events_fanned_out', columnNames: ['fanned_out_at', 'created_at'] }),
        ],
      }),
    );
    await q.createTable(
      new Table({
        name: 'event_sequences',
        columns: [
          { ...idColumn('merchant_id'), isPrimary: true },
          { ...idColumn('object_id'), isPrimary: true },
          { name: 'last_sequence', type: 'integer' },
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('event_sequences');
    await q.dropTable('events');
  }
}
