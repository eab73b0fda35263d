import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { EntityManager } from 'typeorm';
import { Repository } from 'typeorm';
import { keysetPage, type CursorPosition } from '../common/pagination';
import { bulkInsert, rowsOf } from '../database/bulk-update';
import { KeyRead } from '../database/key-read';
import { EventRecord } from './event.entity';

/** Rows per counter statement on SQLite (three parameters a row); PostgreSQL binds one array per column. */
const SQLITE_ROWS_PER_STATEMENT = 300;

export interface EventListFilter {
  readonly type?: string;
  readonly objectId?: string;
  /** Keyset position: rows strictly older than this (createdAt, id), newest first. */
  readonly after?: CursorPosition;
  readonly limit: number;
}

/** Every read is scoped by merchant. */
@Injectable()
export class EventsRepository {
  /** `GET /v1/events/{id}`: its SQL is built once (see KeyRead). */
  private readonly byMerchantAndId: KeyRead<EventRecord>;

  constructor(@InjectRepository(EventRecord) private readonly events: Repository<EventRecord>) {
    this.byMerchantAndId = new KeyRead(events, ['merchantId', 'id']);
  }

  findForMerchant(merchantId: string, id: string): Promise<EventRecord | null> {
    return this.byMerchantAndId.one(merchantId, id);
  }

  /** Up to `limit + 1` rows, newest first, for `toPage`. */
  list(merchantId: string, f: EventListFilter): Promise<EventRecord[]> {
    return keysetPage(this.events.createQueryBuilder('e'), {
      merchantId,
      after: f.after,
      limit: f.limit,
      filters: { type: f.type, objectId: f.objectId },
    });
  }

  /**
   * Reserves `count` consecutive sequence numbers per object and answers the last one of each, in the caller's
   * transaction. The counter row stays locked until that transaction ends, so concurrent writers of one object are
   * numbered one after the other, and a rollback gives the numbers back. One statement per chunk; objects are sorted so
   * that two batches lock shared counters in the same order (no deadlock between them).
   */
  async reserveSequences(
    m: EntityManager,
    counts: ReadonlyMap<string, { merchantId: string; objectId: string; count: number }>,
  ): Promise<Map<string, number>> {
    const rows = [...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
    const last = new Map<string, number>();
    const postgres = m.connection.driver.options.type === 'postgres';
    const perStatement = postgres ? rows.length || 1 : SQLITE_ROWS_PER_STATEMENT;
    const upsert =
      'ON CONFLICT (merchant_id, object_id) DO UPDATE SET last_sequence = s.last_sequence + EXCLUDED.last_sequence ' +
      'RETURNING merchant_id, object_id, last_sequence';
    for (let start = 0; start < rows.length; start += perStatement) {
      const chunk = rows.slice(start, start + perStatement);
      let result: unknown;
      if (postgres) {
        result = await m.query(
          `INSERT INTO event_sequences AS s (merchant_id, object_id, last_sequence) ` +
            `SELECT * FROM unnest($1::varchar[], $2::varchar[], $3::integer[]) ${upsert}`,
          [chunk.map((r) => r.merchantId), chunk.map((r) => r.objectId), chunk.map((r) => r.count)],
        );
      } else {
        const params: unknown[] = [];
        const tuples = chunk.map((r) => (params.push(r.merchantId, r.objectId, r.count), '(?, ?, ?)'));
        result = await m.query(
          `INSERT INTO event_sequences AS s (merchant_id, object_id, last_sequence) VALUES ${tuples.join(', ')} ${upsert}`,
          params,
        );
      }
      for (const row of rowsOf(result))
        last.set(sequenceKey(String(row.merchant_id), String(row.object_id)), Number(row.last_sequence));
    }
    return last;
  }

  /** One multi-row insert per chunk (see bulkInsert), in the caller's transaction. */
  async insertMany(m: EntityManager, rows: readonly EventRecord[]): Promise<void> {
    await bulkInsert(m, EventRecord, rows, { onConflict: 'error' });
  }
}

export const sequenceKey = (merchantId: string, objectId: string) => `${merchantId}\u0000${objectId}`;
