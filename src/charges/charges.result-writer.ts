/**
 * Records a batch's results while its calls are still running: once `chunk` results wait (one round of PG calls at
 * BILLING_CONCURRENCY), everything waiting is written, one write at a time; `finish` writes the rest (with an infinite
 * chunk, everything at once when the batch is over). The pass's last batch writes this way: its write is on the run's
 * critical path (a large write there was most of a run's tail at 100 ms of PG latency), and this way only the
 * results of its last moments are left to write when the last answer arrives.
 *
 * Each write is its own transaction, as the batch's single write was: its rows are independent and each is fenced by
 * its lease version. After a failed write nothing more is written (what is not recorded stays `sending` under the
 * lease, and is looked up when the lease expires, as before); `finish` rejects with that first error.
 */
export class ResultWriter<W, S> {
  private waiting: W[] = [];
  private running: Promise<void> | null = null;
  private failed: { err: unknown } | null = null;
  private readonly summaries: S[] = [];

  constructor(
    private readonly write: (writes: W[]) => Promise<S>,
    private readonly chunk: number,
  ) {}

  add(write: W): void {
    this.waiting.push(write);
    if (!this.running && !this.failed && this.waiting.length >= this.chunk) this.start();
  }

  /** Waits for the write under way, writes what is left, and returns one summary per write made. */
  async finish(): Promise<S[]> {
    while (this.running) await this.running;
    if (this.failed) throw this.failed.err;
    if (this.waiting.length > 0) this.summaries.push(await this.write(this.take()));
    return this.summaries;
  }

  private start(): void {
    const writes = this.take();
    this.running = this.write(writes).then(
      (summary) => {
        this.summaries.push(summary);
        this.running = null;
        // What arrived during this write: written now if it is a chunk already, else with the next one or by finish.
        if (!this.failed && this.waiting.length >= this.chunk) this.start();
      },
      (err: unknown) => {
        this.failed = { err };
        this.running = null;
      },
    );
  }

  private take(): W[] {
    const writes = this.waiting;
    this.waiting = [];
    return writes;
  }
}
