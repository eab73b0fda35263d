import PQueue from 'p-queue';

/**
 * At most `limit` tasks at once; the rest wait by priority (lower first), then in arrival order. A billing run gives
 * each batch its sequence number, so the slots finish the older batch before the next one takes them: interleaved
 * batches end together and leave the slots idle while the batch after them is claimed and prepared.
 * A p-queue underneath; this only turns our "lower runs first" into its "higher runs first".
 */
export class Semaphore {
  private readonly queue: PQueue;

  constructor(limit: number) {
    this.queue = new PQueue({ concurrency: limit });
  }

  run<T>(task: () => Promise<T>, priority = 0): Promise<T> {
    return this.queue.add(task, { priority: -priority });
  }
}
