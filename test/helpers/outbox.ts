import { DataSource } from 'typeorm';
import { newId } from '../../src/common/ids';
import { EventRecord, type EventObjectType } from '../../src/events/event.entity';
import type { TestApp } from './test-app';

/**
 * Writes outbox rows directly, as a state change's transaction would: the delivery tests drive the worker with
 * exactly the events they need, in the agreed `events` table shape.
 */
export async function writeEvents(
  t: TestApp,
  merchantId: string,
  events: Array<{ type: string; objectId: string; sequence: number; objectType?: EventObjectType }>,
  createdAt = new Date(),
): Promise<EventRecord[]> {
  const rows: EventRecord[] = events.map((e, i) => ({
    id: newId('evt'),
    merchantId,
    type: e.type,
    objectType: e.objectType ?? (e.type.split('.')[0] as EventObjectType),
    objectId: e.objectId,
    sequence: e.sequence,
    data: JSON.stringify({ object: { id: e.objectId, sequence: e.sequence } }),
    // Distinct instants keep the fan-out order the order written.
    createdAt: new Date(createdAt.getTime() + i),
    fannedOutAt: null,
  }));
  await t.app.get(DataSource).getRepository(EventRecord).insert(rows);
  return rows;
}
