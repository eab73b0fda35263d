import type { EntityManager } from 'typeorm';
import { strictMock } from '../../test/helpers/strict-mock';
import type { Clock } from '../clock/clock';
import { decodeCursor, encodeCursor } from '../common/pagination';
import type { EventRecord } from './event.entity';
import type { EventsRepository } from './events.repository';
import { EventsService } from './events.service';

const NOW = new Date('2026-12-07T00:00:00.000Z');
const m = strictMock<EntityManager>();

function setup(lastByKey: (key: string, count: number) => number) {
  const reserveSequences = jest.fn(async (_m: EntityManager, counts: ReadonlyMap<string, { count: number }>) => {
    return new Map([...counts].map(([key, c]) => [key, lastByKey(key, c.count)]));
  });
  const insertMany = jest.fn(async (_m: EntityManager, _rows: readonly EventRecord[]) => undefined);
  const repo = strictMock<EventsRepository>({ reserveSequences, insertMany });
  const service = new EventsService(repo, strictMock<Clock>({ now: () => NOW }));
  return { service, reserveSequences, insertMany };
}

describe('EventsService.recordMany', () => {
  it('numbers each object’s events on from its counter, in the order given, in one reservation and one insert', async () => {
    // The counters before: sub_1 had 4 events, chg_1 none.
    const before: Record<string, number> = { sub_1: 4, chg_1: 0 };
    const s = setup((key, count) => before[key.split('\u0000')[1]] + count);
    const rows = await s.service.recordMany(m, [
      { merchantId: 'mch_1', type: 'charge.failed', objectType: 'charge', objectId: 'chg_1', object: { id: 'chg_1' } },
      { merchantId: 'mch_1', type: 'subscription.past_due', objectType: 'subscription', objectId: 'sub_1', object: {} },
      { merchantId: 'mch_1', type: 'subscription.updated', objectType: 'subscription', objectId: 'sub_1', object: {} },
    ]);
    expect(rows.map((r) => [r.objectId, r.type, r.sequence])).toEqual([
      ['chg_1', 'charge.failed', 1],
      ['sub_1', 'subscription.past_due', 5],
      ['sub_1', 'subscription.updated', 6],
    ]);
    expect(s.reserveSequences).toHaveBeenCalledTimes(1);
    expect([...s.reserveSequences.mock.calls[0][1].values()]).toEqual([
      { merchantId: 'mch_1', objectId: 'chg_1', count: 1 },
      { merchantId: 'mch_1', objectId: 'sub_1', count: 2 },
    ]);
    expect(s.insertMany).toHaveBeenCalledTimes(1);
    expect(s.insertMany.mock.calls[0][1]).toEqual(rows);
    expect(rows[0]).toEqual({
      id: expect.stringMatching(/^evt_/),
      merchantId: 'mch_1',
      type: 'charge.failed',
      objectType: 'charge',
      objectId: 'chg_1',
      sequence: 1,
      data: { object: { id: 'chg_1' } },
      createdAt: NOW,
      fannedOutAt: null,
    });
  });

  it('keeps objects of two merchants with the same id apart, and writes nothing for no input', async () => {
    const s = setup((_key, count) => count);
    const rows = await s.service.recordMany(m, [
      { merchantId: 'mch_1', type: 'x.y', objectType: 'order', objectId: 'ord_1', object: {} },
      { merchantId: 'mch_2', type: 'x.y', objectType: 'order', objectId: 'ord_1', object: {} },
    ]);
    expect(rows.map((r) => r.sequence)).toEqual([1, 1]);
    const none = setup(() => 0);
    expect(await none.service.recordMany(m, [])).toEqual([]);
    expect(none.reserveSequences).not.toHaveBeenCalled();
    expect(none.insertMany).not.toHaveBeenCalled();
  });
});

describe('EventsService.list', () => {
  const row = (i: number): EventRecord => ({
    id: `evt_${i}`,
    merchantId: 'mch_1',
    type: 'charge.failed',
    objectType: 'charge',
    objectId: 'chg_1',
    sequence: i,
    data: { object: {} },
    createdAt: new Date(NOW.getTime() - i * 1000),
    fannedOutAt: null,
  });

  it('passes the filters and the decoded cursor to the repository and pages with the shared cursor', async () => {
    const list = jest.fn(async () => [row(3), row(4), row(5)]);
    const service = new EventsService(strictMock<EventsRepository>({ list }), strictMock<Clock>({ now: () => NOW }));
    const after = { createdAt: row(2).createdAt, id: 'evt_2' };
    const page = await service.list('mch_1', { limit: 2, cursor: encodeCursor(after), type: 'charge.failed' });
    expect(list).toHaveBeenCalledWith('mch_1', { type: 'charge.failed', objectId: undefined, after, limit: 2 });
    expect(page.data.map((e) => e.id)).toEqual(['evt_3', 'evt_4']);
    expect(page.hasMore).toBe(true);
    expect(decodeCursor(page.nextCursor as string)).toEqual({ createdAt: row(4).createdAt, id: 'evt_4' });
  });

  it('refuses a cursor it did not hand out with VALIDATION_FAILED on `cursor`, before any query', async () => {
    const list = jest.fn(async () => []);
    const service = new EventsService(strictMock<EventsRepository>({ list }), strictMock<Clock>({ now: () => NOW }));
    for (const bad of ['bm9wZQ', Buffer.from('["x","evt"]').toString('base64url')])
      await expect(service.list('mch_1', { cursor: bad })).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ field: 'cursor', errors: ['invalid cursor'] }],
      });
    expect(list).not.toHaveBeenCalled();
  });
});
