/**
 * The sandbox's own time: the base clock (real time by default) plus an offset that `POST /sandbox/clock` moves
 * forward, and a scheduler whose tasks (auto-settlements, expiries, webhook retries) run when sandbox time reaches them,
 * whether time passes for real or is advanced.
 */
export class SandboxClock {
  private offsetMs = 0;

  constructor(private readonly base: () => number = Date.now) {}

  /** Sandbox time in epoch milliseconds. */
  now(): number {
    return this.base() + this.offsetMs;
  }

  /** How far sandbox time is ahead of the base clock. */
  offset(): number {
    return this.offsetMs;
  }

  /** Moves sandbox time forward; the clock never goes back (idempotency expiry and due checks rely on it). */
  advance(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advanceMs must be a finite number >= 0');
    this.offsetMs += ms;
  }
}

interface Task {
  at: number;
  seq: number;
  run: () => void;
  cancelled: boolean;
}

/** Handle of a scheduled task. */
export interface ScheduledTask {
  cancel(): void;
}

// setTimeout refuses delays above 2^31-1 ms; longer waits are re-armed when they elapse.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Min-heap of tasks keyed by sandbox time. One unref()'d timer is armed for the earliest task, so an idle sandbox
 * never keeps a process alive, and `runDue()` is called after every clock advance.
 */
export class SandboxScheduler {
  private heap: Task[] = [];
  private seq = 0;
  private timer: NodeJS.Timeout | undefined;
  private armedFor = Number.POSITIVE_INFINITY;
  private closed = false;
  private running = false;

  constructor(
    private readonly clock: SandboxClock,
    private readonly onError: (err: unknown) => void = () => undefined,
  ) {}

  /** Runs `run` once sandbox time reaches `at` (epoch ms). */
  at(at: number, run: () => void): ScheduledTask {
    const task: Task = { at, seq: this.seq++, run, cancelled: false };
    this.push(task);
    this.arm();
    return { cancel: () => void (task.cancelled = true) };
  }

  /** Runs `run` after `delayMs` of sandbox time. */
  after(delayMs: number, run: () => void): ScheduledTask {
    return this.at(this.clock.now() + Math.max(0, delayMs), run);
  }

  /** Number of live tasks (cancelled ones are dropped lazily). */
  size(): number {
    let n = 0;
    for (const t of this.heap) if (!t.cancelled) n++;
    return n;
  }

  /** Whether some task is due now (it will run on the next tick). */
  hasDue(): boolean {
    this.dropCancelledTop();
    return this.heap.length > 0 && this.heap[0].at <= this.clock.now();
  }

  /** Runs every task due at the current sandbox time, in due order, then re-arms the timer. */
  runDue(): void {
    if (this.closed || this.running) return;
    this.running = true;
    try {
      // A task may schedule another that is already due (a zero delay): the loop picks it up too.
      for (;;) {
        this.dropCancelledTop();
        if (this.heap.length === 0 || this.heap[0].at > this.clock.now()) break;
        const task = this.pop()!;
        try {
          task.run();
        } catch (err) {
          this.onError(err);
        }
      }
    } finally {
      this.running = false;
    }
    this.arm(true);
  }

  /** Drops every task and stops the timer. */
  close(): void {
    this.closed = true;
    this.heap = [];
    this.disarm();
  }

  /** Drops every task but keeps the scheduler usable (sandbox reset). */
  clear(): void {
    this.heap = [];
    this.disarm();
  }

  private disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.armedFor = Number.POSITIVE_INFINITY;
  }

  private arm(force = false): void {
    if (this.closed) return;
    this.dropCancelledTop();
    if (this.heap.length === 0) return this.disarm();
    const next = this.heap[0].at;
    if (!force && this.timer && next >= this.armedFor) return;
    this.disarm();
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, next - this.clock.now()));
    this.armedFor = next;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.armedFor = Number.POSITIVE_INFINITY;
      this.runDue();
    }, delay);
    this.timer.unref();
  }

  private dropCancelledTop(): void {
    while (this.heap.length > 0 && this.heap[0].cancelled) this.pop();
  }

  private less(a: Task, b: Task): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  private push(task: Task): void {
    const h = this.heap;
    h.push(task);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Task | undefined {
    const h = this.heap;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.less(h[l], h[m])) m = l;
        if (r < h.length && this.less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
