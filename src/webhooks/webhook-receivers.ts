import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { GatewayRegistry, hasCapability } from '@app/pg-contract';
import { BillingKeysService } from '../billing-keys/billing-keys.service';
import { ChargesService } from '../charges/charges.service';
import { Clock } from '../clock/clock';
import { pgConfig, type PgConfig } from '../config/configuration';
import { MerchantsService } from '../merchants/merchants.service';
import { MetricsService } from '../metrics/metrics.service';
import { WebhookInboxRepository } from '../webhook-inbox/webhook-inbox.repository';
import { BillingKeyWebhooks } from './billing-key-webhooks';

/** A delivery as it arrived. */
export interface WebhookDelivery {
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: unknown;
}

/**
 * Handles one gateway's deliveries: answers the HTTP response body, or throws a DomainError (503 to make the PG retry).
 * A gateway with its own payment records (one-time orders) registers one; a billing-key gateway without one gets the
 * core billing-key pipeline ({@link BillingKeyWebhooks}).
 */
export interface WebhookReceiver {
  receive(merchantId: string, delivery: WebhookDelivery): Promise<unknown>;
  /** The reconciler's pass over pointers kept for it. */
  drainKept?(merchantId?: string): Promise<unknown>;
  /** The reconciler's cleanup of remembered deliveries, if the receiver keeps any. */
  cleanup?(): Promise<unknown>;
}

/**
 * Which receiver takes a gateway's webhooks. Receivers register by code at module init; any billing-key gateway that
 * declares webhooks and registered none is served by a core {@link BillingKeyWebhooks} of its own (budget, dedup,
 * durable pointers), created on first use, so a new PG needs no webhook code.
 */
@Injectable()
export class WebhookReceivers implements OnModuleDestroy {
  private readonly logger = new Logger(WebhookReceivers.name);
  private readonly own = new Map<string, WebhookReceiver>();
  private readonly defaults = new Map<string, BillingKeyWebhooks>();

  constructor(
    private readonly registry: GatewayRegistry,
    private readonly merchants: MerchantsService,
    private readonly billingKeys: BillingKeysService,
    private readonly charges: ChargesService,
    private readonly clock: Clock,
    @Inject(pgConfig.KEY) private readonly pg: PgConfig,
    private readonly metrics: MetricsService,
    private readonly inbox: WebhookInboxRepository,
  ) {}

  /** Registers the receiver of a gateway (its own module, at init). */
  register(gateway: string, receiver: WebhookReceiver): void {
    this.own.set(gateway, receiver);
  }

  /** The receiver of a registered gateway that declares webhooks; undefined when it has none. */
  for(gateway: string): WebhookReceiver | undefined {
    const own = this.own.get(gateway);
    if (own) return own;
    const adapter = this.registry.has(gateway) ? this.registry.get(gateway) : undefined;
    if (!adapter || !hasCapability(adapter.descriptor, 'webhooks') || !hasCapability(adapter.descriptor, 'billingKeys'))
      return undefined;
    const pipeline = this.defaultFor(gateway);
    return {
      receive: (merchantId, d) => pipeline.answer(merchantId, d.body, d.headers),
      drainKept: (m) => pipeline.drainKept(m),
    };
  }

  /** The reconciler's pass over every gateway's kept pointers (each within its merchant's budget); one failing never stops the others. */
  async drainAll(merchantId?: string): Promise<Record<string, unknown>> {
    return this.each('kept webhook pointers could not be drained', (r) => r.drainKept?.(merchantId));
  }

  /** The reconciler's cleanup of every receiver's remembered deliveries. */
  async cleanupAll(): Promise<Record<string, unknown>> {
    return this.each('remembered webhook deliveries could not be cleaned up', (r) => r.cleanup?.());
  }

  private async each(
    failure: string,
    fn: (r: WebhookReceiver) => Promise<unknown> | undefined,
  ): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const d of this.registry.list()) {
      const receiver = this.for(d.code);
      if (!receiver) continue;
      try {
        const result = await fn(receiver);
        if (result !== undefined) out[d.code] = result;
      } catch (err) {
        this.logger.error({ gateway: d.code, err: (err as Error).message }, failure);
      }
    }
    return out;
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([...this.defaults.values()].map((d) => d.drain()));
  }

  private defaultFor(gateway: string): BillingKeyWebhooks {
    let d = this.defaults.get(gateway);
    if (!d) {
      d = new BillingKeyWebhooks(
        this.registry,
        this.merchants,
        this.billingKeys,
        this.charges,
        this.clock,
        {
          gateway,
          label: this.registry.get(gateway).descriptor.displayName,
          metricPrefix: `${gateway.replace(/-/g, '_')}_webhook`,
          retryCode: 'WEBHOOK_RETRY',
          limit: this.pg.webhookRefetchLimit,
          windowMs: this.pg.webhookWindowMs,
          cap: this.pg.webhookPointerCap,
        },
        this.metrics,
        this.inbox,
      );
      this.defaults.set(gateway, d);
    }
    return d;
  }
}
