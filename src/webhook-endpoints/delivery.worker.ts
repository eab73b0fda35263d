import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import {
  Inject,
  Injectable,
  Logger,
  Optional,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import type { Counter, Histogram } from 'prom-client';
import { Clock } from '../clock/clock';
import type { SecretBox } from '../common/crypto/secret-box';
import { appConfig, type AppConfig, eventDeliveryConfig, type EventDeliveryConfig } from '../config/configuration';
import type { EventRecord } from '../events/event.entity';
import { toEventView } from '../events/events.service';
import { SECRET_BOX } from '../merchants/merchants.service';
import { DrainService } from '../drain/drain.service';
import type { Drainable } from '../drain/drainable';
import { MetricsService } from '../metrics/metrics.service';
import { nextAttemptAt } from './delivery.schedule';
import { DeliverySender } from './delivery.sender';
import { EVENT_ID_HEADER } from './verify-signature';
import {
  type ClaimedDelivery,
  type DeliveryResult,
  WebhookDeliveriesRepository,
} from './webhook-deliveries.repository';
import type { WebhookEndpoint } from './webhook-endpoint.entity';
import { endpointSecretAad, WEBHOOK_RESOLVER } from './webhook-endpoints.service';
import type { Resolver } from './webhook-url.policy';

/**
 * Sends events to merchants' endpoints, on every instance (not tied to the scheduler's switch). Each tick fans out
 * new events, then claims as many due deliveries as there are free slots and sends them without waiting for the
 * batch: one slow endpoint holds one slot, not the others. Schedule maths reads the injectable Clock; the loop
 * itself runs on real timers.
 */
@Injectable()
export class DeliveryWorker implements OnApplicationBootstrap, OnApplicationShutdown, Drainable {
  readonly drainName = 'event-delivery';
  private readonly logger = new Logger(DeliveryWorker.name);
  readonly owner = `${hostname().slice(0, 30)}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly sender: DeliverySender;
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private woken = false;
  private readonly sent: Counter;
  private readonly failed: Counter;
  private readonly attemptErrors: Counter;
  private readonly lag: Histogram;

  constructor(
    private readonly repo: WebhookDeliveriesRepository,
    private readonly clock: Clock,
    metrics: MetricsService,
    @Inject(SECRET_BOX) private readonly box: SecretBox,
    @Inject(eventDeliveryConfig.KEY) private readonly config: EventDeliveryConfig,
    @Inject(appConfig.KEY) app: AppConfig,
    @Inject(WEBHOOK_RESOLVER) resolver: Resolver,
    @Optional() drain?: DrainService,
  ) {
    drain?.register(this);
    this.sender = new DeliverySender({ production: app.production }, config.timeoutMs, config.concurrency, resolver);
    this.sent = metrics.counter('billing_event_deliveries_sent_total', 'Event deliveries answered with a 2xx');
    this.failed = metrics.counter(
      'billing_event_deliveries_failed_total',
      'Event deliveries given up (no 2xx within the retry window)',
    );
    this.attemptErrors = metrics.counter(
      'billing_event_delivery_attempt_errors_total',
      'Delivery attempts that did not get a 2xx (each is retried until the window ends)',
    );
    this.lag = metrics.histogram(
      'billing_event_delivery_lag_seconds',
      'Time from an event to its successful delivery (delivered_at - event createdAt)',
      [],
      [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600, 21600, 86400],
    );
  }

  onApplicationBootstrap(): void {
    if (!this.config.enabled) return;
    this.running = true;
    this.schedule(0);
    this.logger.log({ owner: this.owner, pollMs: this.config.pollMs }, 'event delivery worker started');
  }

  /**
   * The SIGTERM drain: claim nothing more, let the POSTs in flight finish and record their answers (before the pool
   * closes). At the deadline what is still out is left to its lease: another instance sends it again (at least once).
   */
  async drain(deadline: AbortSignal): Promise<void> {
    const stopped = this.stop();
    await Promise.race([
      stopped,
      new Promise((resolve) => deadline.addEventListener('abort', resolve, { once: true })),
    ]);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
    this.sender.close();
  }

  private async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    await this.settle();
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.woken = false;
      this.ticking = this.tick()
        .catch((err: unknown) => {
          this.logger.error({ err: (err as Error).message }, 'event delivery tick failed; the next tick retries');
          return false;
        })
        .then((busy) => {
          this.ticking = undefined;
          this.schedule(busy || this.woken ? 0 : this.config.pollMs);
        });
    }, ms);
  }

  /** A slot came free: tick now rather than after the poll interval (during a tick: right after it). */
  private wake(): void {
    if (!this.running) return;
    if (this.ticking) {
      this.woken = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  /** One pass; true when there is probably more to do at once (a full fan-out or every free slot filled). */
  async tick(): Promise<boolean> {
    const now = this.clock.now();
    const fanned = await this.repo.fanOut(now, this.config.batchSize);
    const free = this.config.concurrency - this.inFlight.size;
    if (free <= 0) return fanned === this.config.batchSize;
    const claimed = await this.repo.claimDue({
      now,
      owner: this.owner,
      leaseMs: this.config.leaseMs,
      limit: Math.min(free, this.config.batchSize),
    });
    if (claimed.length > 0) await this.dispatch(claimed);
    return fanned === this.config.batchSize || (claimed.length > 0 && claimed.length === free);
  }

  /** Resolves when every claimed delivery has been sent and recorded (tests, shutdown). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async dispatch(claimed: ClaimedDelivery[]): Promise<void> {
    const [events, endpoints] = await Promise.all([
      this.repo.events([...new Set(claimed.map((d) => d.eventId))]),
      this.repo.endpoints([...new Set(claimed.map((d) => d.endpointId))]),
    ]);
    const eventById = new Map(events.map((e) => [e.id, e]));
    const endpointById = new Map(endpoints.map((e) => [e.id, e]));
    for (const d of claimed) {
      const event = eventById.get(d.eventId);
      const endpoint = endpointById.get(d.endpointId);
      // The endpoint was deleted after the claim (its deliveries with it): nothing to send or record.
      if (!event || !endpoint) continue;
      const task = this.deliver(d, event, endpoint)
        .catch((err: unknown) =>
          this.logger.error({ err: (err as Error).message, delivery: d.id }, 'event delivery failed to record'),
        )
        .finally(() => {
          this.inFlight.delete(task);
          this.wake();
        });
      this.inFlight.add(task);
    }
  }

  private async deliver(d: ClaimedDelivery, event: EventRecord, endpoint: WebhookEndpoint): Promise<void> {
    const body = JSON.stringify(toEventView(event));
    const secret = this.box.open(endpoint.secretSealed, endpointSecretAad(endpoint));
    const answer = await this.sender.send(endpoint.url, body, { [EVENT_ID_HEADER]: event.id }, secret);
    const at = this.clock.now();
    const attempts = d.attempts + 1;
    let result: DeliveryResult;
    if (answer.error === undefined && answer.statusCode !== null) {
      result = { kind: 'delivered', at, statusCode: answer.statusCode };
    } else {
      const next = nextAttemptAt(attempts, at, d.eventCreatedAt, this.config);
      const error = answer.error ?? 'no answer';
      result = next
        ? { kind: 'retry', at, next, statusCode: answer.statusCode, error }
        : { kind: 'failed', at, statusCode: answer.statusCode, error };
    }
    if (!(await this.repo.record(d, result))) return; // our lease was retaken: the other instance records it
    if (result.kind === 'delivered') {
      this.sent.inc();
      this.lag.observe(Math.max(0, (at.getTime() - d.eventCreatedAt.getTime()) / 1000));
    } else {
      this.attemptErrors.inc();
      if (result.kind === 'failed') this.failed.inc();
    }
  }
}
