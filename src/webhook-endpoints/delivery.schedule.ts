/** When a failed delivery is tried again: the configured first delays, then doubling up to a ceiling. */
export interface RetrySchedule {
  retryDelaysMs: readonly number[];
  maxDelayMs: number;
  /** After the event is this old, no further attempt: the delivery fails. */
  windowMs: number;
}

/** Delay before attempt `attempts + 1`, given `attempts` already made (1 = the first POST failed). */
export function retryDelayMs(attempts: number, s: RetrySchedule): number {
  const listed = s.retryDelaysMs;
  if (attempts <= listed.length) return Math.min(listed[attempts - 1], s.maxDelayMs);
  const last = listed[listed.length - 1] ?? 1000;
  // Doubling from the last listed delay; the exponent is capped so the number stays finite.
  const doubled = last * 2 ** Math.min(attempts - listed.length, 40);
  return Math.min(doubled, s.maxDelayMs);
}

/** The next attempt's time, or null when it would fall outside the event's window (the delivery then fails). */
export function nextAttemptAt(attempts: number, now: Date, eventCreatedAt: Date, s: RetrySchedule): Date | null {
  const next = now.getTime() + retryDelayMs(attempts, s);
  return next > eventCreatedAt.getTime() + s.windowMs ? null : new Date(next);
}
