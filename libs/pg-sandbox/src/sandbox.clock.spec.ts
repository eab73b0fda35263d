import { SandboxClock, SandboxScheduler } from './sandbox.clock';

describe('SandboxClock', () => {
  it('is the base clock plus the advanced offset, and refuses to go back', () => {
    let base = 1000;
    const clock = new SandboxClock(() => base);
    expect(clock.now()).toBe(1000);
    clock.advance(500);
    base = 1100;
    expect(clock.now()).toBe(1600);
    expect(clock.offset()).toBe(500);
    expect(() => clock.advance(-1)).toThrow(RangeError);
    expect(() => clock.advance(Number.NaN)).toThrow(RangeError);
  });
});

describe('SandboxScheduler', () => {
  let base: number;
  let clock: SandboxClock;
  let scheduler: SandboxScheduler;
  beforeEach(() => {
    base = 0;
    clock = new SandboxClock(() => base);
    scheduler = new SandboxScheduler(clock);
  });
  afterEach(() => scheduler.close());

  it('runs due tasks in due order (ties in scheduling order) when time is advanced', () => {
    const ran: string[] = [];
    scheduler.at(300, () => ran.push('c'));
    scheduler.at(100, () => ran.push('a'));
    scheduler.at(200, () => ran.push('b1'));
    scheduler.at(200, () => ran.push('b2'));
    clock.advance(199);
    scheduler.runDue();
    expect(ran).toEqual(['a']);
    clock.advance(1000);
    scheduler.runDue();
    expect(ran).toEqual(['a', 'b1', 'b2', 'c']);
    expect(scheduler.size()).toBe(0);
  });

  it('skips cancelled tasks and runs tasks scheduled as already due by a running task', () => {
    const ran: string[] = [];
    const t = scheduler.at(10, () => ran.push('cancelled'));
    scheduler.at(10, () => {
      ran.push('first');
      scheduler.after(0, () => ran.push('chained'));
    });
    t.cancel();
    clock.advance(10);
    scheduler.runDue();
    expect(ran).toEqual(['first', 'chained']);
  });

  it('keeps going when a task throws, and reports the error', () => {
    const errors: unknown[] = [];
    const s2 = new SandboxScheduler(clock, (e) => errors.push(e));
    const ran: string[] = [];
    s2.at(0, () => {
      throw new Error('boom');
    });
    s2.at(0, () => ran.push('after'));
    s2.runDue();
    expect(ran).toEqual(['after']);
    expect(errors).toHaveLength(1);
    s2.close();
  });

  it('fires on its own unref()d timer as time passes', async () => {
    const real = new SandboxClock();
    const s2 = new SandboxScheduler(real);
    // Read the earliest possible due time before scheduling: the task's own due time is at least this.
    const at = real.now() + 30;
    const fired = new Promise<number>((resolve) => s2.after(30, () => resolve(real.now())));
    expect(await fired).toBeGreaterThanOrEqual(at);
    s2.close();
  });

  it('reports due work and drops everything on clear', () => {
    scheduler.at(0, () => undefined);
    scheduler.at(50, () => undefined);
    expect(scheduler.hasDue()).toBe(true);
    scheduler.clear();
    expect(scheduler.hasDue()).toBe(false);
    expect(scheduler.size()).toBe(0);
  });
});
