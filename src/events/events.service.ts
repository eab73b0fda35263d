import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Clock } from '../clock/clock';
import { NotFoundError } from '../common/errors/domain.error';
import { newId } from '../common/ids';
import { pageParams, toPage, type Page } from '../common/pagination';
import type { EventListQueryDto, EventView } from './dto/event.dto';
import type { EventObjectType, EventRecord } from './event.entity';
import { EventsRepository, sequenceKey } from './events.repository';

/** One state change to report: the object as the REST API shows it after the change. */
export interface EventInput {
  readonly merchantId: string;
  /** `subscription.renewed`, `charge.failed`, … (the contract's list). */
  readonly type: string;
  readonly objectType: EventObjectType;
  readonly objectId: string;
  readonly object: unknown;
}

/**
 * The outbox. `record` and `recordMany` write inside the caller's transaction (the one that makes the change), so an
 * event exists exactly when its change committed; the delivery worker reads what committed.
 */
@Injectable()
export class EventsService {
  constructor(
    private readonly repo: EventsRepository,
    private readonly clock: Clock,
  ) {}

  async record(manager: EntityManager, input: EventInput): Promise<EventRecord> {
    const [row] = await this.recordMany(manager, [input]);
    return row;
  }

  /**
   * Two statements whatever the count: one upsert of the per-object counters, one multi-row insert of the events.
   * Several events of one object in one call get consecutive sequences in the order given.
   */
  async recordMany(manager: EntityManager, inputs: readonly EventInput[]): Promise<EventRecord[]> {
    if (inputs.length === 0) return [];
    const counts = new Map<string, { merchantId: string; objectId: string; count: number }>();
    for (const i of inputs) {
      const key = sequenceKey(i.merchantId, i.objectId);
      const c = counts.get(key);
      if (c) c.count++;
      else counts.set(key, { merchantId: i.merchantId, objectId: i.objectId, count: 1 });
    }
    const last = await this.repo.reserveSequences(manager, counts);
    const next = new Map<string, number>();
    for (const [key, c] of counts) next.set(key, last.get(key)! - c.count + 1);
    const now = this.clock.now();
    const rows = inputs.map((i): EventRecord => {
      const key = sequenceKey(i.merchantId, i.objectId);
      const sequence = next.get(key)!;
      next.set(key, sequence + 1);
      return {
        id: newId('evt'),
        merchantId: i.merchantId,
        type: i.type,
        objectType: i.objectType,
        objectId: i.objectId,
        sequence,
        data: { object: i.object },
        createdAt: now,
        fannedOutAt: null,
      };
    });
    await this.repo.insertMany(manager, rows);
    return rows;
  }

  async get(merchantId: string, id: string): Promise<EventView> {
    const row = await this.repo.findForMerchant(merchantId, id);
    if (!row) throw new NotFoundError('Event');
    return toEventView(row);
  }

  async list(merchantId: string, q: EventListQueryDto): Promise<Page<EventView>> {
    const { limit, after } = pageParams(q);
    const rows = await this.repo.list(merchantId, { type: q.type, objectId: q.objectId, after, limit });
    return toPage(rows, limit, toEventView);
  }
}

export function toEventView(e: EventRecord): EventView {
  return {
    id: e.id,
    type: e.type,
    createdAt: new Date(e.createdAt).toISOString(),
    merchantId: e.merchantId,
    objectId: e.objectId,
    sequence: e.sequence,
    data: e.data,
  };
}
