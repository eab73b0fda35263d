import { Clock } from '../clock/clock';
import { SlidingWindowStorage } from './rate-limit.storage';

/** A clock the spec moves by hand. */
class ManualClock extends Clock {
  constructor(private t: number) {
    super();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(t: number): void {
    this.t = t;
  }
}
const clockAt = (ms: number) => new ManualClock(ms);

const TTL = 10_000;
const T0 = 1_700_000_000_000; // a multiple of TTL

describe('SlidingWindowStorage', () => {
  it('lets `limit` hits through per window, refuses the next with the time until the block ends, and counts hits', async () => {
    const clock = clockAt(T0);
    const s = new SlidingWindowStorage(clock);
    const hits = [];
    for (let i = 0; i < 4; i++) hits.push(await s.increment('k', TTL, 3, TTL, 'default'));
    expect(hits.map((h) => [h.totalHits, h.isBlocked])).toEqual([
      [1, false],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(hits[3].timeToBlockExpire).toBe(10);
    expect(hits[0].timeToExpire).toBe(10);
    // Another key is counted on its own.
    expect((await s.increment('other', TTL, 3, TTL, 'default')).isBlocked).toBe(false);
  });

  it('keeps the block for its whole duration, then slides: the previous window still counts by its overlap', async () => {
    const clock = clockAt(T0);
    const s = new SlidingWindowStorage(clock);
    for (let i = 0; i < 4; i++) await s.increment('k', TTL, 4, 2 * TTL, 'default');
    expect((await s.increment('k', TTL, 4, 2 * TTL, 'default')).isBlocked).toBe(true); // 5th: blocked until T0 + 20 s
    clock.set(T0 + 15_000);
    expect((await s.increment('k', TTL, 4, 2 * TTL, 'default')).isBlocked).toBe(true);
    clock.set(T0 + 20_000); // block over; the window before (T0+10 s…) had no hits
    expect((await s.increment('k', TTL, 4, 2 * TTL, 'default')).isBlocked).toBe(false);
  });

  it('weights the previous window by how much of it the sliding window still covers', async () => {
    const clock = clockAt(T0);
    const s = new SlidingWindowStorage(clock);
    for (let i = 0; i < 10; i++) await s.increment('k', TTL, 10, 0, 'default');
    clock.set(T0 + TTL + 2_500); // 75 % of the previous window still inside: floor(10 × 0.75) = 7 counted
    const through = [];
    for (let i = 0; i < 5; i++) through.push((await s.increment('k', TTL, 10, 0, 'default')).isBlocked);
    expect(through).toEqual([false, false, false, true, true]);
    clock.set(T0 + 3 * TTL); // two windows later nothing is left
    expect((await s.increment('k', TTL, 10, 0, 'default')).totalHits).toBe(1);
  });

  it('without a block duration, a refused client is let through again as soon as the window slides', async () => {
    const clock = clockAt(T0);
    const s = new SlidingWindowStorage(clock);
    await s.increment('k', TTL, 1, 0, 'default');
    const refused = await s.increment('k', TTL, 1, 0, 'default');
    expect(refused).toMatchObject({ isBlocked: true, timeToBlockExpire: 10 });
    clock.set(T0 + TTL + 9_999); // the previous hit's weight is now below one: floor(1 × 0.0001) = 0
    expect((await s.increment('k', TTL, 1, 0, 'default')).isBlocked).toBe(false);
  });

  it('drops idle keys on a later increment, but not a key that is still blocked', async () => {
    const clock = clockAt(T0);
    const s = new SlidingWindowStorage(clock);
    await s.increment('idle', TTL, 5, 0, 'default');
    await s.increment('blocked', TTL, 1, 0, 'default');
    await s.increment('blocked', 1_000, 1, 10 * 60_000, 'default');
    await s.increment('blocked', 1_000, 1, 10 * 60_000, 'default'); // blocked for 10 minutes
    clock.set(T0 + 61_000);
    await s.increment('fresh', TTL, 5, 0, 'default');
    expect(s.size).toBe(2); // 'blocked' and 'fresh'
  });
});
