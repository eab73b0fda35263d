import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

/**
 * One registry per application instance (not prom-client's global one), so several apps in one process (tests)
 * do not collide. Feature modules register their own counters through `counter()` / `histogram()`.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;
  /** One child per method, route template and status: `observe(labels, v)` would hash the labels on every request. */
  private readonly httpChildren = new Map<string, Histogram.Internal<'method' | 'route' | 'status'>>();

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    this.httpDuration = this.histogram(
      'http_request_duration_seconds',
      'HTTP request duration',
      ['method', 'route', 'status'],
      [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    );
  }

  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${status} ${route}`;
    let child = this.httpChildren.get(key);
    if (!child)
      this.httpChildren.set(key, (child = this.httpDuration.labels({ method, route, status: String(status) })));
    child.observe(seconds);
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<L>;
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets?: number[]): Histogram<L> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Histogram<L>;
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }
}
