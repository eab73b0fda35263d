interface Waiter {
  priority: number;
  resolve: () => void;
}

/**
 * At most `limit` tasks at once; the rest wait by priority (lower first), then in arrival order. A billing run gives
 * each batch its sequence number, so the slots finish the older batch before the next one takes them: interleaved
 * batches end together and leave the slots idle while the batch after them is claimed and prepared.
 */
export class Semaphore {
  private active = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(task: () => Promise<T>, priority = 0): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.enqueue({ priority, resolve }));
    else this.active++;
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so a newcomer cannot overtake it.
      if (next) next.resolve();
      else this.active--;
    }
  }

  private enqueue(w: Waiter): void {
    // Waiters are few (about one per slot per batch in flight); scan from the back, where equal priorities append.
    let i = this.waiting.length;
    while (i > 0 && this.waiting[i - 1].priority > w.priority) i--;
    this.waiting.splice(i, 0, w);
  }
}
