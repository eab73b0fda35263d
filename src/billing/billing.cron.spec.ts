import { Logger } from '@nestjs/common';
import type { SchedulerRegistry } from '@nestjs/schedule';
import type { BillingConfig, PgConfig } from '../config/configuration';
import { BILLING_CRON_JOB, BillingCron } from './billing.cron';
import type { BillingService } from './billing.service';

const pg = { timeoutMs: 10_000 } as PgConfig;
const config = (over: Partial<BillingConfig>) =>
  ({
    schedulerEnabled: true,
    schedulerCron: '*/30 * * * * *',
    batchSize: 100,
    concurrency: 8,
    leaseMs: 300_000,
    ...over,
  }) as BillingConfig;

describe('BillingCron', () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('registers the configured expression and its tick only calls the service', async () => {
    const jobs: Array<{ name: string; job: { stop(): void } }> = [];
    const registry = {
      addCronJob: (name: string, job: { stop(): void }) => jobs.push({ name, job }),
    } as unknown as SchedulerRegistry;
    const runScheduled = jest.fn(async () => null);
    const cron = new BillingCron(
      { runScheduled, owner: 'test' } as unknown as BillingService,
      registry,
      config({}),
      pg,
    );
    cron.onApplicationBootstrap();
    expect(jobs.map((j) => j.name)).toEqual([BILLING_CRON_JOB]);
    jobs[0].job.stop();
    await cron.tick();
    expect(runScheduled).toHaveBeenCalledTimes(1);
  });

  it('does nothing when SCHEDULER_ENABLED is false', () => {
    const registry = { addCronJob: jest.fn() } as unknown as SchedulerRegistry;
    new BillingCron({} as BillingService, registry, config({ schedulerEnabled: false }), pg).onApplicationBootstrap();
    expect(registry.addCronJob).not.toHaveBeenCalled();
  });

  it('refuses a bad expression with one line naming the variable', () => {
    const registry = { addCronJob: jest.fn() } as unknown as SchedulerRegistry;
    const cron = new BillingCron(
      {} as BillingService,
      registry,
      config({ schedulerCron: 'every minute please x' }),
      pg,
    );
    expect(() => cron.onApplicationBootstrap()).toThrow(/^Invalid configuration: SCHEDULER_CRON/);
  });

  it('a failing run never crashes the process: the next tick retries', async () => {
    const cron = new BillingCron(
      { runScheduled: async () => Promise.reject(new Error('db down')) } as unknown as BillingService,
      {} as SchedulerRegistry,
      config({ schedulerEnabled: false }),
      pg,
    );
    await expect(cron.tick()).resolves.toBeUndefined();
  });
});
