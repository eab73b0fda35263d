/**
 * Work that must be finished or handed back before the process exits (a billing run, a delivery worker). Register
 * with DrainService (`drain.register(this)`, one line in the constructor).
 */
export interface Drainable {
  /** For the drain's log line. */
  readonly drainName: string;
  /**
   * Called once, on shutdown: take no new work, let what is in flight finish and record its results, hand back what
   * was taken but not started (so another instance takes it at once). `deadline` aborts when the drain budget is
   * spent: hand back whatever is left, quickly.
   */
  drain(deadline: AbortSignal): Promise<void>;
}
