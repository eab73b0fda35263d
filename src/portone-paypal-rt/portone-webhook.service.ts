import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { GatewayRegistry } from '@app/pg-contract';
import { BillingKeysService } from '../billing-keys/billing-keys.service';
import { ChargesService } from '../charges/charges.service';
import { Clock } from '../clock/clock';
import { pgConfig, type PgConfig } from '../config/configuration';
import { MerchantsService } from '../merchants/merchants.service';
import { MetricsService } from '../metrics/metrics.service';
import { WebhookInboxRepository } from '../webhook-inbox/webhook-inbox.repository';
import { BillingKeyWebhooks } from '../webhooks/billing-key-webhooks';
import { WebhookReceivers } from '../webhooks/webhook-receivers';
import { PORTONE_PAYPAL_RT_CODE } from './portone-paypal-rt.adapter';
import { PORTONE_ERROR_STATUS } from './portone-paypal-rt.errors';

export type { WebhookDisposition } from '../webhooks/billing-key-webhooks';

/**
 * PortOne V1 webhooks (`POST /v1/webhooks/portone-paypal-rt/{merchantId}`, alias `/v1/webhooks/portone/…`): the core
 * billing-key webhook pipeline with PortOne's own budget (PORTONE_WEBHOOK_REFETCH_LIMIT / _WINDOW_MS), metric names
 * (`portone_webhook_*`) and retry code (PORTONE_WEBHOOK_RETRY), all kept from v1.
 */
@Injectable()
export class PortoneWebhookService extends BillingKeyWebhooks implements OnModuleInit {
  constructor(
    registry: GatewayRegistry,
    merchants: MerchantsService,
    billingKeys: BillingKeysService,
    charges: ChargesService,
    clock: Clock,
    @Inject(pgConfig.KEY) pg: PgConfig,
    metrics: MetricsService,
    inbox: WebhookInboxRepository,
    private readonly receivers?: WebhookReceivers,
  ) {
    super(
      registry,
      merchants,
      billingKeys,
      charges,
      clock,
      {
        gateway: PORTONE_PAYPAL_RT_CODE,
        label: 'PortOne',
        metricPrefix: 'portone_webhook',
        retryCode: 'PORTONE_WEBHOOK_RETRY' satisfies keyof typeof PORTONE_ERROR_STATUS,
        limit: pg.portoneWebhookRefetchLimit,
        windowMs: pg.portoneWebhookWindowMs,
        cap: pg.webhookPointerCap,
      },
      metrics,
      inbox,
    );
  }

  onModuleInit(): void {
    this.receivers?.register(PORTONE_PAYPAL_RT_CODE, {
      receive: (merchantId, input) => this.answer(merchantId, input.body, input.headers),
      drainKept: (m) => this.drainKept(m),
    });
  }
}
