import { type MigrationInterface, type QueryRunner, TableIndex } from 'typeorm';

/**
 * The fan-out reads the events not yet fanned out, oldest first. The index on (fanned_out_at, created_at) kept every
 * event, and on PostgreSQL its NULL range kept the entries of fanned-out events until a vacuum: each fan-out of a
 * billing run walked all of them (a bitmap scan of ~20,000 entries and 1,500 heap pages for 100 rows). A partial
 * index of the pending events only, in the fan-out's order, lets the scan stop at its limit (and PostgreSQL's index
 * scans mark the dead entries they pass).
 */
export class EventsPendingIndex1764201600072 implements MigrationInterface {
  name = 'EventsPendingIndex1764201600072';

  async up(q: QueryRunner): Promise<void> {
    await q.dropIndex('events', 'ix_events_fanned_out');
    await q.createIndex(
      'events',
      new TableIndex({
        name: 'ix_events_pending',
        columnNames: ['created_at', 'sequence'],
        where: 'fanned_out_at IS NULL',
      }),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.dropIndex('events', 'ix_events_pending');
    await q.createIndex(
      'events',
      new TableIndex({ name: 'ix_events_fanned_out', columnNames: ['fanned_out_at', 'created_at'] }),
    );
  }
}
