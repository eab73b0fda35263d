import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Clock } from '../clock/clock';

/** The record type the throttler expects (not exported from the package root). */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface Window {
  ttl: number;
  /** Index of the current window (time ÷ ttl). */
  index: number;
  current: number;
  previous: number;
  blockedUntil: number;
}

/** How often idle keys are dropped (by the clock, checked on increments; no timer to stop). */
const SWEEP_EVERY_MS = 60_000;

/**
 * Sliding-window counter for @nestjs/throttler: two counters per key, so each request costs O(1). The library's
 * in-memory storage keeps one timestamp per hit and filters them all on every request — O(limit) per request, a
 * visible share of the REST read benchmark. The count is the standard estimate
 * `previous × (share of the previous window still inside the sliding window) + current`, which never lets more than
 * `limit` requests through in any one aligned window. Per instance, like the library's storage.
 */
export class SlidingWindowStorage implements ThrottlerStorage {
  private readonly windows = new Map<string, Window>();
  private lastSweep: number;

  constructor(private readonly clock: Clock) {
    this.lastSweep = clock.now().getTime();
  }

  get size(): number {
    return this.windows.size;
  }

  // The interface is async; nothing here waits.
  async increment(
    key: string,
    ttl: number,
    limit: number,
    blockDuration: number,
    _throttlerName: string,
  ): Promise<ThrottlerStorageRecord> {
    const now = this.clock.now().getTime();
    if (now - this.lastSweep >= SWEEP_EVERY_MS) this.sweep(now);
    const index = Math.floor(now / ttl);
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = { ttl, index, current: 0, previous: 0, blockedUntil: 0 }));
    else if (w.ttl !== ttl) Object.assign(w, { ttl, index, current: 0, previous: 0 });
    else if (w.index !== index) {
      w.previous = w.index === index - 1 ? w.current : 0;
      w.current = 0;
      w.index = index;
    }
    const timeToExpire = Math.ceil(((index + 1) * ttl - now) / 1000);
    if (w.blockedUntil > now)
      return {
        totalHits: limit + 1,
        timeToExpire,
        isBlocked: true,
        timeToBlockExpire: Math.ceil((w.blockedUntil - now) / 1000),
      };
    const weight = 1 - (now - index * ttl) / ttl;
    const estimate = Math.floor(w.previous * weight) + w.current;
    if (estimate >= limit) {
      // Refused hits are not counted, so a client that backs off is let through again as the window slides.
      w.blockedUntil = blockDuration > 0 ? now + blockDuration : 0;
      const until = w.blockedUntil > now ? w.blockedUntil : (index + 1) * ttl;
      return {
        totalHits: limit + 1,
        timeToExpire,
        isBlocked: true,
        timeToBlockExpire: Math.ceil((until - now) / 1000),
      };
    }
    w.current++;
    return { totalHits: estimate + 1, timeToExpire, isBlocked: false, timeToBlockExpire: 0 };
  }

  /** Drops keys with nothing left in their sliding window and no block running. */
  private sweep(now: number): void {
    this.lastSweep = now;
    for (const [key, w] of this.windows) {
      if (w.blockedUntil <= now && Math.floor(now / w.ttl) > w.index + 1) this.windows.delete(key);
    }
  }
}
