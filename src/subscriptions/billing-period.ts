export type Interval = 'day' | 'week' | 'month' | 'year';

/**
 * Start of billing cycle `cycle` (0 = the anchor) for a plan billed every `count` `interval`s, in UTC.
 * Always computed from the anchor, never from the previous period, so month-end clamping does not drift:
 * an anchor of Jan 31 gives Feb 28 (29 in leap years), then Mar 31, Apr 30, May 31.
 */
export function cycleStart(anchor: Date, interval: Interval, count: number, cycle: number): Date {
  if (!Number.isInteger(count) || count < 1) throw new RangeError('interval count must be a positive integer');
  if (!Number.isInteger(cycle) || cycle < 0) throw new RangeError('cycle must be a non-negative integer');
  const steps = count * cycle;
  switch (interval) {
    case 'day':
      return new Date(anchor.getTime() + steps * 86_400_000);
    case 'week':
      return new Date(anchor.getTime() + steps * 7 * 86_400_000);
    case 'month':
      return addMonthsClamped(anchor, steps);
    case 'year':
      return addMonthsClamped(anchor, steps * 12);
  }
}

/** The period [start, end) of a cycle. */
export function cyclePeriod(
  anchor: Date,
  interval: Interval,
  count: number,
  cycle: number,
): { start: Date; end: Date } {
  return { start: cycleStart(anchor, interval, count, cycle), end: cycleStart(anchor, interval, count, cycle + 1) };
}

function addMonthsClamped(anchor: Date, months: number): Date {
  const total = anchor.getUTCMonth() + months;
  const year = anchor.getUTCFullYear() + Math.floor(total / 12);
  const month = ((total % 12) + 12) % 12;
  const day = Math.min(anchor.getUTCDate(), daysInMonth(year, month));
  return new Date(
    Date.UTC(
      year,
      month,
      day,
      anchor.getUTCHours(),
      anchor.getUTCMinutes(),
      anchor.getUTCSeconds(),
      anchor.getUTCMilliseconds(),
    ),
  );
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
}
