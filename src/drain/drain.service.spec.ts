import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/configuration';
import { DrainService } from './drain.service';
import type { Drainable } from './drainable';

const config = (shutdownDrainMs: number) => ({ shutdownDrainMs }) as AppConfig;

function member(name: string, drain: Drainable['drain']): Drainable {
  return { drainName: name, drain };
}

describe('DrainService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => jest.useRealTimers());

  it('turns draining on first, then drains every registered member and waits for them', async () => {
    const service = new DrainService(config(10_000));
    const seen: string[] = [];
    let release!: () => void;
    service.register(
      member('slow', async () => {
        seen.push(`slow sees draining=${service.draining}`);
        await new Promise<void>((r) => (release = r));
        seen.push('slow done');
      }),
    );
    service.register(member('quick', async () => void seen.push('quick done')));
    expect(service.draining).toBe(false);
    let finished = false;
    const shutdown = service.drainAll().then(() => (finished = true));
    await new Promise((r) => setImmediate(r));
    expect(service.draining).toBe(true);
    expect(finished).toBe(false);
    release();
    await shutdown;
    expect(seen).toEqual(['slow sees draining=true', 'quick done', 'slow done']);
  });

  it('aborts the members at their share of SHUTDOWN_DRAIN_MS and does not wait past it for one that ignores it', async () => {
    jest.useFakeTimers();
    const service = new DrainService(config(1000));
    let aborted = false;
    service.register(
      member('stuck', (deadline) => {
        deadline.addEventListener('abort', () => (aborted = true));
        return new Promise<void>(() => undefined); // never settles
      }),
    );
    service.register(member('failing', () => Promise.reject(new Error('boom'))));
    let finished = false;
    const shutdown = service.drainAll().then(() => (finished = true));
    await jest.advanceTimersByTimeAsync(799);
    expect(aborted).toBe(false);
    expect(finished).toBe(false);
    await jest.advanceTimersByTimeAsync(1 + 50);
    expect(aborted).toBe(true);
    await shutdown;
    expect(finished).toBe(true);
  });

  it('from the first signal, exits 1 once SHUTDOWN_DRAIN_MS is spent (Fastify close or the pool hanging)', async () => {
    jest.useFakeTimers();
    const service = new DrainService(config(1000));
    const exit = jest.fn();
    service.exit = exit;
    service.onApplicationBootstrap();
    try {
      process.emit('SIGTERM', 'SIGTERM');
      await service.drainAll(); // no members: returns at once
      await jest.advanceTimersByTimeAsync(999);
      expect(exit).not.toHaveBeenCalled();
      await jest.advanceTimersByTimeAsync(1);
      expect(exit).toHaveBeenCalledWith(1);
    } finally {
      service.onApplicationShutdown();
    }
  });

  it('an in-process close (no signal) arms no exit; the drain runs once however often it is asked', async () => {
    jest.useFakeTimers();
    const service = new DrainService(config(1000));
    const exit = jest.fn();
    service.exit = exit;
    const drain = jest.fn(async () => undefined);
    service.register(member('m', drain));
    await service.drainAll();
    await service.beforeApplicationShutdown();
    await jest.advanceTimersByTimeAsync(5000);
    expect(exit).not.toHaveBeenCalled();
    expect(drain).toHaveBeenCalledTimes(1);
  });

  it('a second signal exits at once; the first is left to the drain; listeners go with the app', () => {
    const service = new DrainService(config(1000));
    const exit = jest.fn();
    service.exit = exit;
    const before = process.listenerCount('SIGTERM');
    service.onApplicationBootstrap();
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    expect(exit).not.toHaveBeenCalled();
    process.emit('SIGINT', 'SIGINT');
    expect(exit).toHaveBeenCalledWith(1);
    service.onApplicationShutdown();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
