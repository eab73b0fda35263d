import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { CronJob } from 'cron';
import { billingConfig, type BillingConfig, pgConfig, type PgConfig } from '../config/configuration';
import { BillingService } from './billing.service';

export const BILLING_CRON_JOB = 'billing-scheduler';

/**
 * The scheduler tick. The expression is configuration (SCHEDULER_CRON), so the job is registered with the
 * SchedulerRegistry at boot rather than with a static @Cron decorator; the tick itself only calls the service.
 */
@Injectable()
export class BillingCron implements OnApplicationBootstrap {
  private readonly logger = new Logger(BillingCron.name);

  constructor(
    private readonly billing: BillingService,
    private readonly scheduler: SchedulerRegistry,
    @Inject(billingConfig.KEY) private readonly config: BillingConfig,
    @Inject(pgConfig.KEY) private readonly pg: PgConfig,
  ) {}

  onApplicationBootstrap(): void {
    // A batch holds its leases until its results are written: with every call timing out, that takes about
    // batch / concurrency x PG timeout. A shorter lease lets another instance take the batch over mid-flight (still
    // safe: it looks intents up first and writes are fenced, but it wastes look-ups).
    const worstBatchMs = Math.ceil(this.config.batchSize / this.config.concurrency) * this.pg.timeoutMs;
    if (this.config.leaseMs < worstBatchMs) {
      this.logger.warn(
        { leaseMs: this.config.leaseMs, worstBatchMs },
        'BILLING_LEASE_MS is shorter than a batch can take when the PG times out',
      );
    }
    if (!this.config.schedulerEnabled) return;
    let job: CronJob;
    try {
      job = CronJob.from({
        cronTime: this.config.schedulerCron,
        onTick: () => this.tick(),
        timeZone: 'UTC',
        start: false,
      });
    } catch (err) {
      throw new Error(`Invalid configuration: SCHEDULER_CRON (${(err as Error).message})`, { cause: err });
    }
    this.scheduler.addCronJob(BILLING_CRON_JOB, job as never);
    job.start();
    this.logger.log({ cron: this.config.schedulerCron, owner: this.billing.owner }, 'billing scheduler started');
  }

  async tick(): Promise<void> {
    try {
      await this.billing.runScheduled();
    } catch (err) {
      this.logger.error({ err: (err as Error).message }, 'billing tick failed; the next tick retries');
    }
  }
}
