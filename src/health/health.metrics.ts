import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsService } from '../metrics/metrics.service';

/**
 * What an operator alerts on that only the database knows (docs/deploy.md): the review queue and the charges whose
 * result is still open (`unknown` above all: the PG may or may not have charged). Read at scrape time, one grouped
 * count each, shared by every instance (so alert on max, not sum, across instances).
 */
@Injectable()
export class HealthMetrics implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    const ds = this.ds;
    const registers = [this.metrics.registry];
    if (this.metrics.registry.getSingleMetric('billing_charges_in_review')) return;
    new Gauge({
      name: 'billing_charges_in_review',
      help: 'Charges flagged for review (a person must decide), across all instances',
      registers,
      async collect() {
        const [row] = (await ds.query('SELECT count(*) AS n FROM charges WHERE review = true')) as Array<{
          n: string | number;
        }>;
        this.set(Number(row?.n ?? 0));
      },
    });
    new Gauge({
      name: 'billing_charges_open',
      help: 'Charges whose result is not known yet, by status (sending, pending, unknown), across all instances',
      labelNames: ['status'],
      registers,
      async collect() {
        const rows = (await ds.query(
          "SELECT status, count(*) AS n FROM charges WHERE status IN ('sending', 'pending', 'unknown') GROUP BY status",
        )) as Array<{ status: string; n: string | number }>;
        this.reset();
        for (const status of ['sending', 'pending', 'unknown']) this.set({ status }, 0);
        for (const r of rows) this.set({ status: r.status }, Number(r.n));
      },
    });
  }
}
