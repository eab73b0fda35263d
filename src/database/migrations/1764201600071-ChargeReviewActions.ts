import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { idColumn, timestampColumn } from './migration.helpers';

/** The review queue's audit trail (issue 26): look-ups and resolutions, with the API key's id and the time. */
export class ChargeReviewActions1764201600071 implements MigrationInterface {
  name = 'ChargeReviewActions1764201600071';

  async up(q: QueryRunner): Promise<void> {
    await q.createTable(
      new Table({
        name: 'charge_review_actions',
        columns: [
          idColumn('id', true),
          idColumn('merchant_id'),
          idColumn('charge_id'),
          { name: 'action', type: 'varchar', length: '16' },
          { name: 'resolution', type: 'varchar', length: '16', isNullable: true },
          { name: 'note', type: 'varchar', length: '500', isNullable: true },
          idColumn('api_key_id'),
          { name: 'charge_status', type: 'varchar', length: '20' },
          timestampColumn(q, 'created_at'),
        ],
        indices: [
          new TableIndex({
            name: 'ix_charge_review_actions_charge',
            columnNames: ['merchant_id', 'charge_id', 'created_at'],
          }),
        ],
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropTable('charge_review_actions');
  }
}
