/** Merchants tracked at once at most: a flood of distinct merchant ids cannot grow the map without limit. */
const MAX_ENTRIES = 10_000;

/**
 * A per-merchant budget of PG re-fetches per fixed window, for webhooks the PG does not sign (an unverifiable flood
 * cannot spend the merchant's PG quota). Per process: with several instances the bound is instances × limit.
 * Times are the injectable clock's, passed in by the caller.
 */
export class RefetchBudget {
  private readonly windows = new Map<string, { window: number; used: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Whether a re-fetch could be spent now (nothing is spent). */
  open(merchantId: string, now: number): boolean {
    const b = this.windows.get(merchantId);
    return !b || b.window !== Math.floor(now / this.windowMs) || b.used < this.limit;
  }

  /** Spends one re-fetch of the current window; false when it is spent. */
  spend(merchantId: string, now: number): boolean {
    const window = Math.floor(now / this.windowMs);
    const b = this.windows.get(merchantId);
    if (!b || b.window !== window) {
      if (!b && this.windows.size >= MAX_ENTRIES) {
        for (const [k, v] of this.windows) if (v.window !== window) this.windows.delete(k);
        if (this.windows.size >= MAX_ENTRIES) return false;
      }
      this.windows.set(merchantId, { window, used: 1 });
      return true;
    }
    if (b.used >= this.limit) return false;
    b.used++;
    return true;
  }
}
