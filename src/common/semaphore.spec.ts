import { Semaphore } from './semaphore';

describe('Semaphore', () => {
  it('never runs more than its limit at once, and runs every task in arrival order', async () => {
    const s = new Semaphore(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const gates: Array<() => void> = [];
    const tasks = Array.from({ length: 5 }, (_, i) =>
      s.run(async () => {
        started.push(i);
        running++;
        peak = Math.max(peak, running);
        await new Promise<void>((r) => gates.push(r));
        running--;
        return i;
      }),
    );
    for (let released = 0; released < 5; released++) {
      await new Promise((r) => setImmediate(r));
      gates.shift()!();
    }
    expect(await Promise.all(tasks)).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('frees the slot when a task fails', async () => {
    const s = new Semaphore(1);
    await expect(s.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(s.run(async () => 'next')).resolves.toBe('next');
  });

  it('serves waiters with a lower priority first, in arrival order within one priority', async () => {
    const s = new Semaphore(1);
    const order: string[] = [];
    let open!: () => void;
    const first = s.run(() => new Promise<void>((r) => (open = r)));
    const queued = [
      s.run(async () => void order.push('b1'), 2),
      s.run(async () => void order.push('a1'), 1),
      s.run(async () => void order.push('b2'), 2),
      s.run(async () => void order.push('a2'), 1),
      s.run(async () => void order.push('c'), 3),
    ];
    await new Promise((r) => setImmediate(r));
    open();
    await Promise.all([first, ...queued]);
    expect(order).toEqual(['a1', 'a2', 'b1', 'b2', 'c']);
  });
});
