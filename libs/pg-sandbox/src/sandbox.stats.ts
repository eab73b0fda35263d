/**
 * Counts the elements request paths iterate over (fault lists, a merchant_uid's attempts, ledger index slices).
 * The performance spec asserts that the work per request stays flat as the ledger grows, which a wall clock on a
 * shared CI machine cannot show reliably.
 */
export class WorkCounter {
  private total = 0;

  count(n: number): void {
    this.total += n;
  }

  value(): number {
    return this.total;
  }
}

/** Sizes and counters of one sandbox instance (`GET /sandbox/control/stats`). */
export interface SandboxStats {
  /** Elements iterated by request handling since start (see WorkCounter). */
  work: number;
  requests: number;
  /** Mean wall time of a PG call inside the sandbox (from its arrival to its answer), the injected latency included. */
  meanServiceMs: number;
  tossPayments: number;
  portonePayments: number;
  portoneCustomers: number;
  tossLedger: number;
  portoneLedger: number;
  faults: number;
  scheduledTasks: number;
  webhooksInFlight: number;
  webhookDeliveries: number;
  heldSockets: number;
  idempotencyKeys: number;
}
