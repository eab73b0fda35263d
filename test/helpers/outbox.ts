import { DataSource } from 'typeorm';
import type { EventObjectType, EventRecord } from '../../src/events/event.entity';
import { EventsService } from '../../src/events/events.service';
import type { TestApp } from './test-app';

/**
 * Writes events through the outbox in one transaction, as a state change would, so the delivery tests drive the
 * worker with exactly the events they need. Sequences are the outbox's own (1, 2, … per object, in the order given).
 */
export async function writeEvents(
  t: TestApp,
  merchantId: string,
  events: Array<{ type: string; objectId: string; objectType?: EventObjectType }>,
): Promise<EventRecord[]> {
  const outbox = t.app.get(EventsService);
  return t.app.get(DataSource).transaction((m) =>
    outbox.recordMany(
      m,
      events.map((e) => ({
        merchantId,
        type: e.type,
        objectType: e.objectType ?? (e.type.split('.')[0] as EventObjectType),
        objectId: e.objectId,
        object: { id: e.objectId, type: e.type },
      })),
    ),
  );
}
