import { Inject, Injectable, type OnModuleInit, Optional } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { GatewayRegistry, hasCapability } from '@app/pg-contract';
import { Clock } from '../clock/clock';
import { pgConfig, type PgConfig } from '../config/configuration';
import { GatewayCredentialsService } from '../gateway-credentials/gateway-credentials.service';
import { MerchantsService } from '../merchants/merchants.service';
import { MetricsService } from '../metrics/metrics.service';
import { WebhookInboxRepository } from '../webhook-inbox/webhook-inbox.repository';
import { WebhookReceivers } from '../webhooks/webhook-receivers';
import { isOneTimeGateway } from './orders.errors';
import { OrdersRepository } from './orders.repository';
import { OrdersService } from './orders.service';
import { OrderWebhooks, type OrderWebhookSettings } from './orders.webhooks';

/**
 * The injection token of a gateway's one-time webhook bounds, for its registration entry's `options`
 * (`{ provide: orderWebhookSettingsToken(code), useFactory, inject }`). Without one, the core defaults apply
 * (WEBHOOK_REFETCH_LIMIT, WEBHOOK_WINDOW_MS, seven days of remembered deliveries).
 */
export function orderWebhookSettingsToken(gateway: string): string {
  return `ORDER_WEBHOOK_SETTINGS:${gateway}`;
}

const DEFAULT_EVENT_RETENTION_MS = 7 * 24 * 3600_000;

/**
 * Registers one {@link OrderWebhooks} pipeline per one-time gateway that declares webhooks with the core webhook
 * endpoint (`/v1/webhooks/{gateway}/{merchantId}` and the descriptor's aliases): a new one-time PG needs no webhook code.
 */
@Injectable()
export class OrdersWebhookReceivers implements OnModuleInit {
  private readonly pipelines = new Map<string, OrderWebhooks>();

  constructor(
    private readonly registry: GatewayRegistry,
    private readonly moduleRef: ModuleRef,
    private readonly repo: OrdersRepository,
    private readonly credentials: GatewayCredentialsService,
    private readonly merchants: MerchantsService,
    private readonly orders: OrdersService,
    private readonly clock: Clock,
    @Inject(pgConfig.KEY) private readonly pg: PgConfig,
    private readonly inbox: WebhookInboxRepository,
    private readonly metrics: MetricsService,
    @Optional() private readonly receivers?: WebhookReceivers,
  ) {}

  onModuleInit(): void {
    for (const d of this.registry.list()) {
      if (!isOneTimeGateway(this.registry, d.code) || !hasCapability(d, 'webhooks')) continue;
      const pipeline = this.pipeline(d.code);
      this.receivers?.register(d.code, {
        receive: (merchantId, delivery) => pipeline.receive(merchantId, delivery.headers, delivery.body),
        drainKept: (m) => pipeline.drainKept(m),
        cleanup: () => pipeline.cleanupEvents(),
      });
    }
  }

  /** The pipeline of a one-time gateway (created once). */
  pipeline(gateway: string): OrderWebhooks {
    let p = this.pipelines.get(gateway);
    if (!p) {
      p = new OrderWebhooks({
        gateway,
        adapter: this.orders.adapterOf(gateway),
        settings: this.settingsOf(gateway),
        repo: this.repo,
        credentials: this.credentials,
        merchants: this.merchants,
        orders: this.orders,
        clock: this.clock,
        inbox: this.inbox,
        metrics: this.metrics,
        pointerCap: this.pg.webhookPointerCap,
        cleanupBatch: this.pg.webhookCleanupBatch,
      });
      this.pipelines.set(gateway, p);
    }
    return p;
  }

  private settingsOf(gateway: string): OrderWebhookSettings {
    try {
      return this.moduleRef.get<OrderWebhookSettings>(orderWebhookSettingsToken(gateway), { strict: false });
    } catch {
      return {
        refetchLimit: this.pg.webhookRefetchLimit,
        windowMs: this.pg.webhookWindowMs,
        eventRetentionMs: DEFAULT_EVENT_RETENTION_MS,
      };
    }
  }
}
