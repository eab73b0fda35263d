import { nextAttemptAt, retryDelayMs, type RetrySchedule } from './delivery.schedule';

const schedule: RetrySchedule = {
  retryDelaysMs: [1000, 5000, 30_000],
  maxDelayMs: 3_600_000,
  windowMs: 72 * 3_600_000,
};

describe('delivery retry schedule', () => {
  it('waits about 1 s, 5 s and 30 s, then doubles up to an hour', () => {
    const delays = Array.from({ length: 12 }, (_, i) => retryDelayMs(i + 1, schedule));
    expect(delays).toEqual([
      1000, 5000, 30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
    expect(retryDelayMs(10_000, schedule)).toBe(3_600_000);
  });

  it('keeps retrying until 72 h after the event, then gives up', () => {
    const created = new Date('2026-12-01T00:00:00Z');
    let now = created;
    let attempts = 0;
    let next: Date | null = created;
    while (next) {
      attempts++;
      now = next;
      next = nextAttemptAt(attempts, now, created, schedule);
    }
    // The last attempt falls inside the window and the next one would not.
    expect(now.getTime() - created.getTime()).toBeLessThanOrEqual(schedule.windowMs);
    expect(now.getTime() + 3_600_000 - created.getTime()).toBeGreaterThan(schedule.windowMs);
    expect(attempts).toBeGreaterThan(70);
  });

  it('counts the window from the event, not from the first attempt', () => {
    const created = new Date('2026-12-01T00:00:00Z');
    const late = new Date(created.getTime() + schedule.windowMs - 500);
    expect(nextAttemptAt(1, late, created, schedule)).toBeNull();
    expect(nextAttemptAt(1, new Date(created.getTime() + 1000), created, schedule)).toEqual(
      new Date(created.getTime() + 2000),
    );
  });

  it('caps listed delays at the maximum too', () => {
    expect(retryDelayMs(3, { ...schedule, maxDelayMs: 10_000 })).toBe(10_000);
  });
});
